import { createHash } from 'node:crypto';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  type ProtectedHeaderParameters,
} from 'jose';
import type { OidcSettings } from '../../config/config.js';
import { TrellisError } from '../../core/errors.js';

/** Who a verified bearer JWT says the caller is. */
export interface VerifiedIdentity {
  /** The value of the configured user claim (`auth.oidc.user_claim`). */
  user: string;
  /** The groups claim (`auth.oidc.groups_claim`): [] when the token has none. */
  groups: string[];
  subject: string;
  issuer: string;
  expiresAt: Date;
}

export interface OidcVerifierOptions {
  /** How long a request for the discovery document or the JWKS may take. Default 5 s. */
  fetchTimeoutMs?: number;
  /**
   * How long after fetching the JWKS a token with an unknown `kid` waits before the JWKS is fetched
   * again (rotation). Default 30 s, so forged `kid`s cannot make Trellis hammer the issuer.
   */
  jwksCooldownMs?: number;
  /** The time tokens are checked against. Default: the system clock. */
  clock?: () => Date;
  /** How long a verified token is remembered (never past its expiry). Default 60 s; 0 checks every call. */
  cacheMs?: number;
}

/** Asymmetric algorithms only: 'none' and the HS* family (a shared secret) are refused. */
const allowedAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
const clockToleranceSeconds = 30;
const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Whether a bearer credential looks like a JWT (three base64url segments separated by dots), so the
 * authenticator sends it here; Trellis's own tokens start with `trls_` and have no dots.
 */
export function looksLikeJwt(text: string): boolean {
  return jwtShape.test(text);
}

/**
 * Verifies bearer JWTs issued by one OpenID Connect issuer: its discovery document names the JWKS,
 * whose keys are fetched (and fetched again when a token names a key not seen yet: rotation) by jose.
 * Discovery happens on the first `verify`, not at construction, so Trellis starts while the issuer is
 * down; a failed discovery is tried again on the next `verify`.
 */
export class OidcVerifier {
  private readonly settings: OidcSettings;
  private readonly fetchTimeoutMs: number;
  private readonly jwksCooldownMs: number;
  private readonly clock: () => Date;
  private readonly cacheMs: number;
  private keys: Promise<JWTVerifyGetKey> | undefined;
  /**
   * Tokens already verified, by their SHA-256, until they expire (at most `cacheMs`, a minute by
   * default): a client that sends the same JWT on every call pays for one signature check a minute,
   * not one a call. A JWT cannot be revoked before it expires; the one thing remembering it delays
   * is refusing a token whose signing key the issuer has just withdrawn, by at most `cacheMs`.
   */
  private readonly verified = new Map<string, { identity: VerifiedIdentity; until: number }>();

  constructor(settings: OidcSettings, options: OidcVerifierOptions = {}) {
    this.settings = settings;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 5_000;
    this.jwksCooldownMs = options.jwksCooldownMs ?? 30_000;
    this.clock = options.clock ?? (() => new Date());
    this.cacheMs = options.cacheMs ?? 60_000;
  }

  /** The identity in `jwt`, once its signature, issuer, audience and lifetime check out; TrellisError 401 (or 503) otherwise. */
  async verify(jwt: string): Promise<VerifiedIdentity> {
    const key = createHash('sha256').update(jwt).digest('base64url');
    const now = this.clock().getTime();
    const remembered = this.verified.get(key);
    if (remembered && remembered.until > now) return remembered.identity;
    const identity = await this.verifyNow(jwt);
    if (this.verified.size >= 10_000) this.verified.clear();
    if (this.cacheMs > 0) this.verified.set(key, { identity, until: Math.min(identity.expiresAt.getTime(), now + this.cacheMs) });
    return identity;
  }

  private async verifyNow(jwt: string): Promise<VerifiedIdentity> {
    const { issuer, audience } = this.settings;
    const { header, claims } = decodeUnverified(jwt, issuer);
    // Checked before any key is fetched: a token from elsewhere gets a clear answer and costs the issuer no request.
    if (typeof header.alg !== 'string' || !allowedAlgorithms.some((alg) => alg === header.alg)) {
      throw invalidToken(
        `the token is signed with '${String(header.alg)}', which Trellis does not accept; it accepts only asymmetric algorithms (${allowedAlgorithms.join(', ')}) — configure the issuer to sign with one of them`,
      );
    }
    if (claims.iss !== issuer) {
      const from = typeof claims.iss === 'string' ? `was issued by '${claims.iss}'` : "names no issuer ('iss')";
      throw invalidToken(`the token ${from}, but Trellis accepts tokens only from '${issuer}' (auth.oidc.issuer); sign in at ${issuer}`);
    }

    const keys = await this.discover();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, keys, {
        issuer,
        audience,
        algorithms: [...allowedAlgorithms],
        clockTolerance: clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
        currentDate: this.clock(),
      }));
    } catch (error) {
      throw this.explain(error, header);
    }
    return this.identityOf(payload);
  }

  /** The JWKS named by the issuer's discovery document; fetched once, and again after a failure. */
  private discover(): Promise<JWTVerifyGetKey> {
    this.keys ??= this.fetchJwksUri().then(
      (jwksUri) => createRemoteJWKSet(jwksUri, { timeoutDuration: this.fetchTimeoutMs, cooldownDuration: this.jwksCooldownMs }),
      (error: unknown) => {
        this.keys = undefined;
        throw error;
      },
    );
    return this.keys;
  }

  private async fetchJwksUri(): Promise<URL> {
    const { issuer } = this.settings;
    // OpenID Connect Discovery 1.0 §4: the issuer without its trailing slash, then the well-known path.
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let response: Response;
    try {
      response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.fetchTimeoutMs) });
    } catch (error) {
      throw unavailable(issuer, `its discovery document ${url} could not be fetched (${reasonOf(error)})`, error);
    }
    if (!response.ok) throw unavailable(issuer, `its discovery document ${url} answered HTTP ${response.status}`);
    let document: unknown;
    try {
      document = await response.json();
    } catch (error) {
      throw unavailable(issuer, `its discovery document ${url} is not JSON`, error);
    }
    const named = typeof document === 'object' && document !== null ? document : {};
    const documentIssuer = 'issuer' in named ? named.issuer : undefined;
    const jwksUri = 'jwks_uri' in named ? named.jwks_uri : undefined;
    if (documentIssuer !== issuer) {
      throw new TrellisError(
        'IdentityProviderMisconfigured',
        503,
        `the discovery document ${url} names the issuer '${String(documentIssuer)}', not '${issuer}'; set auth.oidc.issuer to exactly the issuer the provider names (a trailing slash counts)`,
      );
    }
    const parsed = typeof jwksUri === 'string' ? URL.parse(jwksUri) : null;
    if (!parsed) throw unavailable(issuer, `its discovery document ${url} has no valid jwks_uri`);
    return parsed;
  }

  /** A jose verification failure as the TrellisError a caller can act on. */
  private explain(error: unknown, header: ProtectedHeaderParameters): TrellisError {
    const { issuer, audience } = this.settings;
    if (error instanceof errors.JWTExpired) {
      const expiry = typeof error.payload.exp === 'number' ? new Date(error.payload.exp * 1000).toISOString() : 'an unknown time';
      return invalidToken(`the token expired at ${expiry}; sign in again`, error);
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'aud') {
        const tokenAudience = [error.payload.aud ?? []].flat().join("', '");
        return invalidToken(
          `the token is not meant for Trellis: its audience is '${tokenAudience}', but Trellis accepts only '${audience}' (auth.oidc.audience); request a token for '${audience}'`,
          error,
        );
      }
      if (error.claim === 'iss') {
        return invalidToken(`the token was not issued by '${issuer}' (auth.oidc.issuer); sign in at ${issuer}`, error);
      }
      if (error.claim === 'nbf' || error.claim === 'iat') {
        return invalidToken(
          `the token is not valid yet ('${error.claim}' is in the future); check the clocks of Trellis and ${issuer}`,
          error,
        );
      }
      return invalidToken(`the token's '${error.claim}' claim is not acceptable (${error.reason}); sign in again at ${issuer}`, error);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return invalidToken(
        `the token's signature does not verify with ${issuer}'s key; it was altered or not issued there — sign in again`,
        error,
      );
    }
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
      return invalidToken(
        `the token is signed with key '${String(header.kid)}', which ${issuer} does not publish in its JWKS; sign in again (a key rotated out of the JWKS no longer signs valid tokens)`,
        error,
      );
    }
    if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
      return invalidToken(
        `the token is signed with '${String(header.alg)}', which Trellis does not accept; use an asymmetric algorithm`,
        error,
      );
    }
    if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
      return invalidToken(`the bearer credential is not a valid JWT (${error.message}); send an access token from ${issuer}`, error);
    }
    // What is left is the JWKS itself: unreachable, timed out, not HTTP 200, or not a key set.
    if (
      error instanceof errors.JWKSTimeout ||
      error instanceof errors.JWKSInvalid ||
      error instanceof TypeError ||
      (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
    ) {
      return unavailable(issuer, `its key set (JWKS) could not be fetched (${reasonOf(error)})`, error);
    }
    return invalidToken(`the token could not be verified against ${issuer} (${reasonOf(error)}); sign in again`, error);
  }

  private identityOf(payload: JWTPayload): VerifiedIdentity {
    const { user_claim: userClaim, groups_claim: groupsClaim, issuer } = this.settings;
    const user = payload[userClaim];
    if (typeof user !== 'string' || user === '') {
      throw invalidToken(
        `the token has no '${userClaim}' claim (a non-empty string), which auth.oidc.user_claim names as the user; set auth.oidc.user_claim to a claim the issuer puts in its access tokens (e.g. sub, preferred_username, email, oid)`,
      );
    }
    const groups = payload[groupsClaim];
    return {
      user,
      groups: typeof groups === 'string' ? [groups] : Array.isArray(groups) ? groups.filter((group) => typeof group === 'string') : [],
      subject: payload.sub ?? '',
      issuer,
      // jwtVerify required 'exp'; 0 never happens.
      expiresAt: new Date((payload.exp ?? 0) * 1000),
    };
  }
}

/** The header and claims of a JWT, unverified: only to choose what to check and to explain a refusal. */
function decodeUnverified(jwt: string, issuer: string): { header: ProtectedHeaderParameters; claims: JWTPayload } {
  const notJwt = `the bearer credential is not a JWT (three base64url parts separated by dots) nor a Trellis token (trls_...); send an access token from ${issuer} or a Trellis token`;
  if (!looksLikeJwt(jwt)) throw invalidToken(notJwt);
  try {
    return { header: decodeProtectedHeader(jwt), claims: decodeJwt(jwt) };
  } catch (error) {
    throw invalidToken(notJwt, error);
  }
}

function invalidToken(message: string, cause?: unknown): TrellisError {
  return new TrellisError('InvalidToken', 401, message, { cause });
}

function unavailable(issuer: string, why: string, cause?: unknown): TrellisError {
  return new TrellisError(
    'IdentityProviderUnavailable',
    503,
    `the OpenID provider ${issuer} (auth.oidc.issuer) cannot be used: ${why}; check that it is up and reachable from Trellis, then try again`,
    { cause },
  );
}

/** A short reason for a failed request, without URLs' query strings or anything the caller sent. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
