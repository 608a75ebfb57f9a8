/**
 * Credentials for calling an online endpoint, as Azure ML gives them (`get-credentials`):
 * - auth_mode key: two keys, primary and secondary, either one valid; neither expires.
 *   Regenerating one leaves the other valid, so clients rotate without downtime: move clients to
 *   the secondary, regenerate the primary, move them back, regenerate the secondary.
 * - auth_mode aml_token: a short-lived token signed by the server (HMAC-SHA256 over the endpoint,
 *   the workspace and the expiry), returned with Azure's `accessToken`, `tokenType`,
 *   `expiryTimeUtc` and `refreshAfterTimeUtc` (seconds since the epoch). Default lifetime one
 *   hour; the client should fetch a new one after `refreshAfterTimeUtc`, halfway through.
 * Both travel as `Authorization: Bearer <key or token>`. Randomness and time are passed in.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { TrellisError } from '../errors.js';

/** Random bytes, like crypto.randomBytes; injected so tests are deterministic. */
export type RandomBytes = (size: number) => Uint8Array;

export interface EndpointKeys {
  primaryKey: string;
  secondaryKey: string;
}

export type KeyName = 'primary' | 'secondary';

/** Bytes of randomness in one key (256 bits); the key is their base64url form, 43 characters. */
export const KEY_BYTES = 32;

/** How long an aml_token is valid unless asked otherwise. */
export const AML_TOKEN_LIFETIME_MS = 60 * 60 * 1000;

const TOKEN_PREFIX = 'aml1';
/** Longer input is not a token this server issued; refuse it before doing any work on it. */
const MAX_TOKEN_LENGTH = 2048;
const MIN_SECRET_BYTES = 32;

/** One new key: 32 random bytes, base64url. */
export function generateKey(randomBytes: RandomBytes): string {
  const bytes = randomBytes(KEY_BYTES);
  if (bytes.length !== KEY_BYTES) throw new RangeError(`the random source gave ${bytes.length} bytes for a key, not ${KEY_BYTES}`);
  return Buffer.from(bytes).toString('base64url');
}

/** A fresh pair for a new endpoint. */
export function generateKeys(randomBytes: RandomBytes): EndpointKeys {
  const primaryKey = generateKey(randomBytes);
  const secondaryKey = generateKey(randomBytes);
  if (primaryKey === secondaryKey) throw new RangeError('the random source gave the same bytes twice; it is not random');
  return { primaryKey, secondaryKey };
}

/** The pair with one key replaced; the other stays valid, so callers using it are not cut off. */
export function regenerateKey(keys: EndpointKeys, which: KeyName, randomBytes: RandomBytes): EndpointKeys {
  const other = which === 'primary' ? keys.secondaryKey : keys.primaryKey;
  const fresh = generateKey(randomBytes);
  if (fresh === other || fresh === (which === 'primary' ? keys.primaryKey : keys.secondaryKey)) {
    throw new RangeError('the random source repeated a key; it is not random');
  }
  return which === 'primary'
    ? { primaryKey: fresh, secondaryKey: keys.secondaryKey }
    : { primaryKey: keys.primaryKey, secondaryKey: fresh };
}

/**
 * Whether two secrets are equal, in time that depends on neither's content: both are hashed to
 * 32 bytes first, so even their lengths do not show.
 */
export function secretsMatch(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Which key the caller presented, if either; both are always compared. */
export function matchKey(keys: EndpointKeys, presented: string): KeyName | undefined {
  const isPrimary = secretsMatch(presented, keys.primaryKey);
  const isSecondary = secretsMatch(presented, keys.secondaryKey);
  return isPrimary ? 'primary' : isSecondary ? 'secondary' : undefined;
}

/** The credential in `Authorization: Bearer <credential>`; undefined when the header is missing or another scheme. */
export function bearerCredential(authorization: string | undefined): string | undefined {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

export interface TokenClaims {
  endpoint: string;
  workspace: string;
  /** ms since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

/** What `get-credentials` returns for an aml_token endpoint, field for field as Azure ML names them. */
export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  /** When the token stops working, in seconds since the epoch (UTC). */
  expiryTimeUtc: number;
  /** When the client should fetch a new one, in seconds since the epoch (UTC). */
  refreshAfterTimeUtc: number;
}

export type TokenCheck =
  | { status: 'ok'; claims: TokenClaims }
  | { status: 'expired'; claims: TokenClaims }
  | { status: 'invalid'; reason: string };

/** A server secret, or several during rotation: tokens are signed with the first and accepted with any. */
export type TokenSecrets = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/** A signed token for calling one endpoint of one workspace until `now + lifetimeMs`. */
export function issueToken(options: {
  endpoint: string;
  workspace: string;
  now: number;
  secrets: TokenSecrets;
  lifetimeMs?: number;
}): IssuedToken {
  const lifetimeMs = options.lifetimeMs ?? AML_TOKEN_LIFETIME_MS;
  if (!(lifetimeMs > 0)) throw new RangeError(`a token lifetime must be more than 0 ms, not ${lifetimeMs}`);
  const [secret] = secretList(options.secrets);
  const claims: TokenClaims = {
    endpoint: options.endpoint,
    workspace: options.workspace,
    issuedAt: options.now,
    expiresAt: options.now + lifetimeMs,
  };
  const payload = Buffer.from(
    JSON.stringify({ ep: claims.endpoint, ws: claims.workspace, iat: claims.issuedAt, exp: claims.expiresAt }),
    'utf8',
  ).toString('base64url');
  return {
    accessToken: `${TOKEN_PREFIX}.${payload}.${sign(secret!, payload)}`,
    tokenType: 'Bearer',
    expiryTimeUtc: Math.floor(claims.expiresAt / 1000),
    refreshAfterTimeUtc: Math.floor((claims.issuedAt + lifetimeMs / 2) / 1000),
  };
}

/**
 * ok: signed by this server, for this endpoint and workspace, not expired. expired: genuine and
 * for this endpoint, but past its expiry (the client should fetch a new one). invalid: anything
 * else, with the reason for the server's log (tell the client only that it is not valid).
 */
export function verifyToken(
  token: string,
  options: { endpoint: string; workspace: string; now: number; secrets: TokenSecrets },
): TokenCheck {
  if (token.length > MAX_TOKEN_LENGTH) return { status: 'invalid', reason: 'too long to be an aml_token' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== TOKEN_PREFIX) return { status: 'invalid', reason: 'not an aml_token' };
  const [, payload, signature] = parts as [string, string, string];
  const isSigned = secretList(options.secrets)
    .map((secret) => secretsMatch(signature, sign(secret, payload)))
    .some(Boolean);
  if (!isSigned) return { status: 'invalid', reason: 'the signature does not match (forged, altered, or signed with a retired secret)' };

  const claims = parseClaims(payload);
  if (!claims) return { status: 'invalid', reason: 'the signed payload is malformed' };
  if (claims.endpoint !== options.endpoint || claims.workspace !== options.workspace) {
    return { status: 'invalid', reason: `the token is for endpoint '${claims.endpoint}' in workspace '${claims.workspace}'` };
  }
  if (options.now >= claims.expiresAt) return { status: 'expired', claims };
  return { status: 'ok', claims };
}

function sign(secret: string | Uint8Array, payload: string): string {
  return createHmac('sha256', secret).update(`${TOKEN_PREFIX}.${payload}`).digest('base64url');
}

function secretList(secrets: TokenSecrets): Array<string | Uint8Array> {
  const list = typeof secrets === 'string' || secrets instanceof Uint8Array ? [secrets] : [...secrets];
  if (list.length === 0) throw new TrellisError('TokenSecretMissing', 500, 'no server secret is configured for aml_token endpoints');
  for (const secret of list) {
    const bytes = typeof secret === 'string' ? Buffer.byteLength(secret, 'utf8') : secret.length;
    if (bytes < MIN_SECRET_BYTES) {
      throw new TrellisError(
        'TokenSecretTooShort',
        500,
        `the server secret for aml_token endpoints is ${bytes} bytes; use at least ${MIN_SECRET_BYTES} random bytes`,
      );
    }
  }
  return list;
}

function parseClaims(payload: string): TokenClaims | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    // Not base64url JSON: verifyToken answers 'the signed payload is malformed'.
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { ep, ws, iat, exp } = raw as Record<string, unknown>;
  if (typeof ep !== 'string' || typeof ws !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  return { endpoint: ep, workspace: ws, issuedAt: iat, expiresAt: exp };
}
