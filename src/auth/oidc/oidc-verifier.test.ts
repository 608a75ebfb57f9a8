import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeProtectedHeader, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import {
  generateSigningKey,
  type OidcProvider,
  startOidcProvider,
  userToken,
  userTokens,
} from '../../../test/support/oidc-provider/start-provider.js';
import type { OidcSettings } from '../../config/config.js';
import { isTrellisError } from '../../core/errors.js';
import { looksLikeJwt, OidcVerifier } from './oidc-verifier.js';

// Tests run against real oidc-provider processes, reached over HTTP only, as Entra ID or Keycloak would be.

const audience = 'api://trellis';

function settingsFor(provider: OidcProvider, overrides: Partial<OidcSettings> = {}): OidcSettings {
  return { issuer: provider.issuer, audience, user_claim: 'preferred_username', groups_claim: 'groups', ...overrides };
}

/** Asserts that `verify(token)` fails with this status, code and message, and that the message does not repeat the token. */
async function assertRefused(
  verifier: OidcVerifier,
  token: string,
  expected: { status: number; code: string; message: RegExp },
): Promise<void> {
  await assert.rejects(verifier.verify(token), (error: unknown) => {
    assert.ok(isTrellisError(error), `expected a TrellisError, got ${String(error)}`);
    assert.equal(error.status, expected.status, error.message);
    assert.equal(error.code, expected.code, error.message);
    assert.match(error.message, expected.message);
    for (const part of token.split('.').filter((segment) => segment.length > 8)) {
      assert.ok(!error.message.includes(part), `the message repeats the token: ${error.message}`);
    }
    return true;
  });
}

describe('OidcVerifier against a real OpenID provider', () => {
  let provider: OidcProvider;
  let otherProvider: OidcProvider;

  before(async () => {
    [provider, otherProvider] = await Promise.all([
      startOidcProvider({ accessTokenTtlSeconds: 300 }),
      startOidcProvider({ signingKeys: [await generateSigningKey('ES256')] }),
    ]);
  });

  after(async () => {
    await Promise.all([provider?.stop(), otherProvider?.stop()]);
  });

  it('accepts a user access token: user and groups from the configured claims', async () => {
    const verifier = new OidcVerifier(settingsFor(provider));
    const token = await userToken(provider, { user: 'alice', audience });
    const issuedAt = Date.now();
    const identity = await verifier.verify(token);
    assert.equal(identity.user, 'alice');
    assert.deepEqual(identity.groups, ['team-a']);
    assert.equal(identity.subject, 'alice');
    assert.equal(identity.issuer, provider.issuer);
    // The provider's access-token TTL (300 s) is the token's lifetime.
    assert.ok(Math.abs(identity.expiresAt.getTime() - (issuedAt + 300_000)) < 10_000, identity.expiresAt.toISOString());

    assert.deepEqual((await verifier.verify(await userToken(provider, { user: 'bob', audience }))).groups, ['team-b']);
    const carol = await verifier.verify(await userToken(provider, { user: 'carol', audience }));
    assert.deepEqual([carol.user, carol.groups], ['carol', []]);
  });

  it('reads user_claim and groups_claim as configured: a single-string groups claim is one group, an absent one none', async () => {
    const token = await userToken(provider, { user: 'bob', audience });
    const bySubject = await new OidcVerifier(settingsFor(provider, { user_claim: 'sub', groups_claim: 'preferred_username' })).verify(
      token,
    );
    assert.deepEqual([bySubject.user, bySubject.groups], ['bob', ['bob']]);
    const noGroups = await new OidcVerifier(settingsFor(provider, { groups_claim: 'roles' })).verify(token);
    assert.deepEqual(noGroups.groups, []);
  });

  it('accepts a token from the public studio client too (authorization code + PKCE, no secret)', async () => {
    const { accessToken, idToken } = await userTokens(provider, {
      user: 'alice',
      audience,
      clientId: 'trellis-studio',
      redirectUri: 'http://127.0.0.1:5050/auth/callback',
    });
    assert.equal((await new OidcVerifier(settingsFor(provider)).verify(accessToken)).user, 'alice');
    // The id_token is for the client (aud = its id), not for Trellis's API.
    assert.ok(idToken);
    await assertRefused(new OidcVerifier(settingsFor(provider)), idToken, { status: 401, code: 'InvalidToken', message: /audience/ });
  });

  it('refuses a token for another audience, naming the audience it expects', async () => {
    const token = await userToken(provider, { user: 'alice', audience: 'api://someone-else' });
    await assertRefused(new OidcVerifier(settingsFor(provider)), token, {
      status: 401,
      code: 'InvalidToken',
      message: /accepts only 'api:\/\/trellis' \(auth\.oidc\.audience\); request a token for 'api:\/\/trellis'/,
    });
  });

  it('refuses a token from another issuer, naming the configured one', async () => {
    const token = await userToken(otherProvider, { user: 'alice', audience });
    const message = new RegExp(
      `was issued by '${otherProvider.issuer}', but Trellis accepts tokens only from '${provider.issuer}' \\(auth\\.oidc\\.issuer\\)`,
    );
    await assertRefused(new OidcVerifier(settingsFor(provider)), token, { status: 401, code: 'InvalidToken', message });
  });

  it('refuses a token whose signature was tampered with', async () => {
    const token = await userToken(provider, { user: 'alice', audience });
    const [header, payload, signature = ''] = token.split('.');
    const middle = Math.floor(signature.length / 2);
    const flipped = signature[middle] === 'A' ? 'B' : 'A';
    const tampered = `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;
    await assertRefused(new OidcVerifier(settingsFor(provider)), tampered, {
      status: 401,
      code: 'InvalidToken',
      message: /signature does not verify/,
    });
  });

  it('refuses an expired token, saying when it expired', async () => {
    const token = await userToken(provider, { user: 'alice', audience });
    // The verifier's clock runs an hour ahead: past the token's 300 s and the 30 s clock tolerance.
    const later = new OidcVerifier(settingsFor(provider), { clock: () => new Date(Date.now() + 3_600_000) });
    await assertRefused(later, token, {
      status: 401,
      code: 'InvalidToken',
      message: /^the token expired at \d{4}-\d\d-\d\dT[\d:.]+Z; sign in again$/,
    });
    // Within the tolerance it still passes.
    const slightlyLate = new OidcVerifier(settingsFor(provider), { clock: () => new Date(Date.now() + 320_000) });
    assert.equal((await slightlyLate.verify(token)).user, 'alice');
  });

  it('refuses what is not a JWT', async () => {
    const verifier = new OidcVerifier(settingsFor(provider));
    for (const text of ['not-a-jwt', '', 'a.b.c', 'trls_pat_abc', `${'x'.repeat(20)}.${'y'.repeat(20)}`]) {
      await assertRefused(verifier, text, { status: 401, code: 'InvalidToken', message: /not a JWT/ });
    }
  });

  it('refuses symmetric and unsigned tokens without asking the issuer for keys', async () => {
    const verifier = new OidcVerifier(settingsFor(provider));
    const claims = { sub: 'alice', preferred_username: 'alice' };
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(provider.issuer)
      .setAudience(audience)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a shared secret anyone could guess'));
    await assertRefused(verifier, hs256, { status: 401, code: 'InvalidToken', message: /signed with 'HS256'.*only asymmetric/ });
    const unsigned = new UnsecuredJWT(claims).setIssuer(provider.issuer).setAudience(audience).setExpirationTime('5m').encode();
    await assertRefused(verifier, unsigned, { status: 401, code: 'InvalidToken', message: /not a JWT/ });
  });

  it('refuses a token without the configured user claim, naming the claim and the setting', async () => {
    const token = await userToken(provider, { user: 'alice', audience });
    await assertRefused(new OidcVerifier(settingsFor(provider, { user_claim: 'employee_id' })), token, {
      status: 401,
      code: 'InvalidToken',
      message: /no 'employee_id' claim.*auth\.oidc\.user_claim/,
    });
  });

  it("answers 503 when the issuer's discovery document names another issuer (Trellis's configuration is wrong)", async () => {
    const configured = `${provider.issuer}/`;
    // A token whose 'iss' matches the misconfigured issuer, so the verifier gets as far as discovery.
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ preferred_username: 'alice' })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(configured)
      .setSubject('alice')
      .setAudience(audience)
      .setExpirationTime('5m')
      .sign(privateKey);
    await assertRefused(new OidcVerifier(settingsFor(provider, { issuer: configured })), token, {
      status: 503,
      code: 'IdentityProviderMisconfigured',
      message: /names the issuer '.*', not '.*\/'; set auth\.oidc\.issuer to exactly the issuer the provider names/,
    });
  });
});

describe('OidcVerifier when the issuer rotates its keys or goes away', () => {
  let provider: OidcProvider;

  before(async () => {
    provider = await startOidcProvider();
  });

  after(async () => {
    await provider?.stop();
  });

  it('verifies a token signed with a new key on a verifier that cached the old key set', async () => {
    // No cooldown: the JWKS is fetched again as soon as a token names a key it does not hold; no
    // cache: a token whose key left the JWKS is refused at once, not a minute later.
    const verifier = new OidcVerifier(settingsFor(provider), { jwksCooldownMs: 0, cacheMs: 0 });
    const oldToken = await userToken(provider, { user: 'alice', audience });
    assert.equal((await verifier.verify(oldToken)).user, 'alice');

    const [oldKey] = provider.signingKeys();
    const newKey = await generateSigningKey('ES256');
    await provider.restart({ signingKeys: [newKey] });
    const newToken = await userToken(provider, { user: 'bob', audience });
    assert.equal(decodeProtectedHeader(newToken).kid, newKey.kid);
    assert.notEqual(newKey.kid, oldKey?.kid);

    assert.deepEqual((await verifier.verify(newToken)).groups, ['team-b']);
    // The old key left the JWKS, so a token signed with it is refused now.
    await assertRefused(verifier, oldToken, { status: 401, code: 'InvalidToken', message: /does not publish in its JWKS/ });
  });

  it('remembers a verified token for at most cacheMs, then checks it again', async () => {
    let now = Date.now();
    const verifier = new OidcVerifier(settingsFor(provider), { cacheMs: 60_000, jwksCooldownMs: 0, clock: () => new Date(now) });
    const token = await userToken(provider, { user: 'alice', audience });
    assert.equal((await verifier.verify(token)).user, 'alice');
    await provider.restart({ signingKeys: [await generateSigningKey('ES256')] });
    // A token with the new key makes the verifier fetch the new key set, which lacks the old key.
    assert.equal((await verifier.verify(await userToken(provider, { user: 'bob', audience }))).user, 'bob');
    // Within the minute the remembered answer for the old token stands.
    now += 30_000;
    assert.equal((await verifier.verify(token)).user, 'alice');
    // After it, the token is checked again, and its key has left the JWKS.
    now += 31_000;
    await assertRefused(verifier, token, { status: 401, code: 'InvalidToken', message: /does not publish in its JWKS/ });
  });

  it('keeps a rotated-in key waiting for the cooldown, so forged key ids cannot make it hammer the issuer', async () => {
    const verifier = new OidcVerifier(settingsFor(provider), { jwksCooldownMs: 60_000 });
    assert.equal((await verifier.verify(await userToken(provider, { user: 'alice', audience }))).user, 'alice');
    await provider.restart({ signingKeys: [await generateSigningKey('RS256'), ...provider.signingKeys()] });
    const rotated = await userToken(provider, { user: 'alice', audience });
    await assertRefused(verifier, rotated, { status: 401, code: 'InvalidToken', message: /does not publish in its JWKS/ });
    // A verifier started now fetches the new set and accepts it.
    assert.equal((await new OidcVerifier(settingsFor(provider)).verify(rotated)).user, 'alice');
  });

  it('answers 503 naming the issuer while it is unreachable, and recovers once it is back', async () => {
    const token = await userToken(provider, { user: 'carol', audience });
    const verifier = new OidcVerifier(settingsFor(provider), { fetchTimeoutMs: 2_000 });
    await provider.stop();
    const issuer = provider.issuer.replaceAll('.', '\\.');
    await assertRefused(verifier, token, {
      status: 503,
      code: 'IdentityProviderUnavailable',
      message: new RegExp(`^the OpenID provider ${issuer} \\(auth\\.oidc\\.issuer\\) cannot be used`),
    });
    await provider.restart();
    // The failed discovery was not remembered: the same verifier discovers again.
    assert.equal((await verifier.verify(token)).user, 'carol');
  });
});

describe('looksLikeJwt', () => {
  it('tells a JWT from a Trellis token and from garbage', () => {
    assert.ok(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl'));
    assert.ok(!looksLikeJwt('trls_pat_0123456789abcdefghijABCDEFGHIJ0123456789abcdef'));
    assert.ok(!looksLikeJwt('a.b'));
    assert.ok(!looksLikeJwt('a.b.'));
    assert.ok(!looksLikeJwt('a.b.c.d'));
    assert.ok(!looksLikeJwt('a b.c.d'));
    assert.ok(!looksLikeJwt(''));
  });
});
