import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import {
  AML_TOKEN_LIFETIME_MS,
  bearerCredential,
  generateKey,
  generateKeys,
  issueToken,
  matchKey,
  regenerateKey,
  secretsMatch,
  verifyToken,
  type RandomBytes,
} from './endpoint-keys.js';

/** Deterministic "random" bytes: a counter, so every call differs. */
function counterBytes(): RandomBytes {
  let call = 0;
  return (size) => {
    call += 1;
    return Uint8Array.from({ length: size }, (_, index) => (call * 31 + index) & 0xff);
  };
}

const SECRET = 'a-server-secret-of-at-least-32-bytes!';
const OLD_SECRET = 'the-secret-before-rotation-0123456789';
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const where = { endpoint: 'credit', workspace: 'prod' };

describe('keys', () => {
  it('makes a key from 32 random bytes, base64url without padding', () => {
    const key = generateKey(() => new Uint8Array(32).fill(0xfb));
    assert.equal(key.length, 43);
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(key, 'base64url').length, 32);
  });

  it('asks the random source for exactly 32 bytes and refuses a short answer', () => {
    const sizes: number[] = [];
    generateKey((size) => {
      sizes.push(size);
      return new Uint8Array(size);
    });
    assert.deepEqual(sizes, [32]);
    assert.throws(() => generateKey(() => new Uint8Array(16)), RangeError);
  });

  it('makes two different keys, and refuses a source that repeats itself', () => {
    const keys = generateKeys(counterBytes());
    assert.notEqual(keys.primaryKey, keys.secondaryKey);
    assert.throws(() => generateKeys(() => new Uint8Array(32)), /not random/);
  });

  it('regenerates one key and keeps the other valid (rotation without downtime)', () => {
    const random = counterBytes();
    const keys = generateKeys(random);
    const newPrimary = regenerateKey(keys, 'primary', random);
    assert.notEqual(newPrimary.primaryKey, keys.primaryKey);
    assert.equal(newPrimary.secondaryKey, keys.secondaryKey);
    assert.equal(matchKey(newPrimary, keys.secondaryKey), 'secondary');
    assert.equal(matchKey(newPrimary, keys.primaryKey), undefined);

    const newSecondary = regenerateKey(newPrimary, 'secondary', random);
    assert.equal(newSecondary.primaryKey, newPrimary.primaryKey);
    assert.notEqual(newSecondary.secondaryKey, keys.secondaryKey);
  });

  it('matches a presented key to the primary or the secondary', () => {
    const keys = generateKeys(counterBytes());
    assert.equal(matchKey(keys, keys.primaryKey), 'primary');
    assert.equal(matchKey(keys, keys.secondaryKey), 'secondary');
    assert.equal(matchKey(keys, `${keys.primaryKey}x`), undefined);
    assert.equal(matchKey(keys, ''), undefined);
  });

  it('compares secrets of any length without throwing', () => {
    assert.equal(secretsMatch('abc', 'abc'), true);
    assert.equal(secretsMatch('abc', 'abd'), false);
    assert.equal(secretsMatch('short', 'a much longer secret'), false);
    assert.equal(secretsMatch('', ''), true);
  });

  it('reads the credential from a Bearer authorization header', () => {
    assert.equal(bearerCredential('Bearer abc.def'), 'abc.def');
    assert.equal(bearerCredential('bearer   abc '), 'abc');
    assert.equal(bearerCredential('Basic abc'), undefined);
    assert.equal(bearerCredential('Bearer'), undefined);
    assert.equal(bearerCredential(undefined), undefined);
  });
});

describe('aml_token', () => {
  it('is valid for one hour by default, with the fields get-credentials returns', () => {
    const issued = issueToken({ ...where, now: NOW, secrets: SECRET });
    assert.equal(AML_TOKEN_LIFETIME_MS, 3_600_000);
    assert.equal(issued.tokenType, 'Bearer');
    assert.equal(issued.expiryTimeUtc, (NOW + 3_600_000) / 1000);
    assert.equal(issued.refreshAfterTimeUtc, (NOW + 1_800_000) / 1000);
    assert.match(issued.accessToken, /^aml1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('verifies ok until it expires, then expired', () => {
    const { accessToken } = issueToken({ ...where, now: NOW, secrets: SECRET, lifetimeMs: 60_000 });
    const ok = verifyToken(accessToken, { ...where, now: NOW + 59_999, secrets: SECRET });
    assert.deepEqual(ok, { status: 'ok', claims: { endpoint: 'credit', workspace: 'prod', issuedAt: NOW, expiresAt: NOW + 60_000 } });
    assert.equal(verifyToken(accessToken, { ...where, now: NOW + 60_000, secrets: SECRET }).status, 'expired');
  });

  it('is invalid for another endpoint or workspace', () => {
    const { accessToken } = issueToken({ ...where, now: NOW, secrets: SECRET });
    const other = verifyToken(accessToken, { endpoint: 'fraud', workspace: 'prod', now: NOW, secrets: SECRET });
    assert.deepEqual(other, { status: 'invalid', reason: "the token is for endpoint 'credit' in workspace 'prod'" });
    assert.equal(verifyToken(accessToken, { endpoint: 'credit', workspace: 'dev', now: NOW, secrets: SECRET }).status, 'invalid');
  });

  it('is invalid when altered, forged, or not a token at all', () => {
    const { accessToken } = issueToken({ ...where, now: NOW, secrets: SECRET });
    const [prefix, payload, signature] = accessToken.split('.') as [string, string, string];
    const longer = Buffer.from(JSON.stringify({ ep: 'credit', ws: 'prod', iat: NOW, exp: NOW + 10 * 3_600_000 })).toString('base64url');
    assert.equal(verifyToken(`${prefix}.${longer}.${signature}`, { ...where, now: NOW, secrets: SECRET }).status, 'invalid');
    assert.equal(
      verifyToken(`${prefix}.${payload}.${signature.slice(0, -2)}AA`, { ...where, now: NOW, secrets: SECRET }).status,
      'invalid',
    );
    const forged = issueToken({ ...where, now: NOW, secrets: 'someone-elses-secret-also-32-bytes-long' }).accessToken;
    assert.match((verifyToken(forged, { ...where, now: NOW, secrets: SECRET }) as { reason: string }).reason, /signature does not match/);
    for (const junk of ['', 'abc', 'aml1..', 'x.y.z', 'aml1.a.b.c', 'a'.repeat(5000)]) {
      assert.equal(verifyToken(junk, { ...where, now: NOW, secrets: SECRET }).status, 'invalid', junk.slice(0, 20));
    }
  });

  it('is invalid when the signed payload is malformed', () => {
    // Sign a malformed payload with the real secret, the way only the server could.
    const payload = Buffer.from('{"ep":1}').toString('base64url');
    const signature = createHmac('sha256', SECRET).update(`aml1.${payload}`).digest('base64url');
    assert.deepEqual(verifyToken(`aml1.${payload}.${signature}`, { ...where, now: NOW, secrets: SECRET }), {
      status: 'invalid',
      reason: 'the signed payload is malformed',
    });
  });

  it('accepts tokens signed with a retired secret during rotation, and signs with the first', () => {
    const old = issueToken({ ...where, now: NOW, secrets: OLD_SECRET }).accessToken;
    assert.equal(verifyToken(old, { ...where, now: NOW, secrets: [SECRET, OLD_SECRET] }).status, 'ok');
    const fresh = issueToken({ ...where, now: NOW, secrets: [SECRET, OLD_SECRET] }).accessToken;
    assert.equal(verifyToken(fresh, { ...where, now: NOW, secrets: SECRET }).status, 'ok');
    assert.equal(verifyToken(old, { ...where, now: NOW, secrets: SECRET }).status, 'invalid');
  });

  it('refuses a weak or missing server secret', () => {
    assert.throws(
      () => issueToken({ ...where, now: NOW, secrets: 'short' }),
      (error) => isTrellisError(error) && error.code === 'TokenSecretTooShort' && /5 bytes; use at least 32/.test(error.message),
    );
    assert.throws(() => issueToken({ ...where, now: NOW, secrets: [] }), /no server secret/);
    assert.throws(() => issueToken({ ...where, now: NOW, secrets: SECRET, lifetimeMs: 0 }), RangeError);
  });

  it('takes a binary secret too', () => {
    const secret = new Uint8Array(32).fill(7);
    const { accessToken } = issueToken({ ...where, now: NOW, secrets: secret });
    assert.equal(verifyToken(accessToken, { ...where, now: NOW, secrets: secret }).status, 'ok');
  });
});
