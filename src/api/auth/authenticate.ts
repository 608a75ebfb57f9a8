import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { OidcVerifier } from '../../auth/oidc/oidc-verifier.js';
import { looksLikeJwt } from '../../auth/oidc/oidc-verifier.js';
import type { Principal } from '../../core/identity/principal.js';
import { looksLikeTrellisToken } from '../../core/identity/token-format.js';
import { TrellisError } from '../../core/errors.js';
import type { Context } from '../../services/context.js';
import { principalOfOidc, principalOfToken } from '../../services/identity/principal-of-credential.js';

/** The studio's session cookie. */
export const sessionCookie = 'trellis_session';
/** The header the studio sends its session's CSRF token in, on every state-changing call. */
export const csrfHeader = 'x-csrf-token';

export interface Authenticator {
  context: Context;
  oidc: OidcVerifier | undefined;
  /** Requests from loopback without credentials act as this user (undefined: local authentication is off). */
  localOwner: string | undefined;
}

/** The parts of a request authentication reads: a fastify request, or a WebSocket upgrade's IncomingMessage. */
export interface AuthenticationRequest {
  headers: IncomingHttpHeaders;
  method: string;
  socket: { remoteAddress?: string | undefined };
}

/** What a request presented, before it is checked. */
type Credential = { kind: 'bearer'; token: string; basicUser?: string } | { kind: 'session'; token: string } | { kind: 'none' };

/**
 * Who sent the request: a token (bearer, or basic auth whose password is a token, as MLflow
 * clients send MLFLOW_TRACKING_USERNAME/PASSWORD), an OpenID Connect JWT, the studio's session
 * cookie, or, from loopback with local authentication on, the local owner. Undefined: no
 * credentials at all (the caller answers 401). A credential that is wrong is a 401 thrown here.
 */
export async function authenticate(request: AuthenticationRequest, auth: Authenticator): Promise<Principal | undefined> {
  const credential = credentialOf(request);
  if (credential.kind === 'none') {
    if (auth.localOwner !== undefined && isLoopbackAddress(request.socket.remoteAddress))
      return { kind: 'user', name: auth.localOwner, groups: [], via: 'local' };
    return undefined;
  }
  if (credential.kind === 'session') {
    const principal = await principalOfToken(auth.context, credential.token, 'session');
    if (isStateChanging(request.method) && !csrfMatches(request, credential.token))
      throw new TrellisError(
        'CsrfTokenMissing',
        403,
        `a state-changing call with the session cookie must carry the session's CSRF token in the ${csrfHeader} header (the studio sends it; GET /auth/session gives it)`,
      );
    return principal;
  }
  const principal = looksLikeTrellisToken(credential.token)
    ? await principalOfToken(auth.context, credential.token, 'bearer')
    : await principalOfJwt(auth, credential.token);
  if (credential.basicUser !== undefined && credential.basicUser !== '' && credential.basicUser !== principal.name)
    throw new TrellisError(
      'InvalidCredentials',
      401,
      `the user name '${credential.basicUser}' is not the principal the password's token belongs to; set MLFLOW_TRACKING_USERNAME to that principal's name`,
    );
  return principal;
}

/** The CSRF token of a session: derived from the session token, so nothing more is stored. */
export function csrfTokenOf(sessionToken: string): string {
  return createHash('sha256').update(`csrf:${sessionToken}`).digest('base64url');
}

/** Whether the request carries the CSRF token of this session (compared in constant time). */
export function csrfMatches(request: AuthenticationRequest, sessionToken: string): boolean {
  const sent = request.headers[csrfHeader];
  if (typeof sent !== 'string') return false;
  const expected = Buffer.from(csrfTokenOf(sessionToken));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function principalOfJwt(auth: Authenticator, token: string): Promise<Principal> {
  if (!looksLikeJwt(token))
    throw new TrellisError(
      'InvalidToken',
      401,
      'the bearer credential is neither a Trellis token (trls_...) nor a JWT; create a token with: trellis token create --name <name>',
    );
  if (!auth.oidc)
    throw new TrellisError(
      'InvalidToken',
      401,
      'the bearer credential is a JWT, but no OpenID Connect issuer is configured here (auth.oidc.issuer in config.yaml); use a Trellis token',
    );
  return principalOfOidc(auth.context, await auth.oidc.verify(token));
}

function credentialOf(request: AuthenticationRequest): Credential {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.trim() !== '') {
    const [scheme = '', ...rest] = header.trim().split(/\s+/);
    const value = rest.join(' ');
    if (/^bearer$/i.test(scheme) && value) return { kind: 'bearer', token: value };
    if (/^basic$/i.test(scheme) && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) return { kind: 'bearer', token: decoded.slice(colon + 1), basicUser: decoded.slice(0, colon) };
    }
    throw new TrellisError(
      'InvalidCredentials',
      401,
      "the Authorization header is neither 'Bearer <token>' nor 'Basic <base64 of user:token>'; send a token from: trellis token create --name <name>",
    );
  }
  const cookie = cookieValue(request.headers.cookie, sessionCookie);
  if (cookie) return { kind: 'session', token: cookie };
  return { kind: 'none' };
}

/** A cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

export function isStateChanging(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback: the only peers that count as this machine. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address);
}
