import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as openid from 'openid-client';
import { auditIdentityChange } from '../../services/identity/identity-audit.js';
import { looksLikeJwt, type OidcVerifier } from '../../auth/oidc/oidc-verifier.js';
import type { OidcSettings } from '../../config/config.js';
import { authSessionRoutes as routes } from '../../contract/auth-session.js';
import { TrellisError, isTrellisError } from '../../core/errors.js';
import { actorOf, type Principal } from '../../core/identity/principal.js';
import { looksLikeTrellisToken } from '../../core/identity/token-format.js';
import type { Context } from '../../services/context.js';
import { principalOfOidc, principalOfToken } from '../../services/identity/principal-of-credential.js';
import { createPrincipal } from '../../services/identity/principal-service.js';
import { issueToken, revokeTokenById, tokenRecordOf } from '../../services/identity/token-service.js';
import { cookieValue, csrfHeader, csrfMatches, csrfTokenOf, sessionCookie } from '../auth/authenticate.js';
import { publicUrlOf } from '../public-url.js';
import type { RouteOptions } from '../route-options.js';

/** How long a studio session lasts: a working day, then the studio asks again. */
const sessionSeconds = 12 * 3600;
/** The cookie that carries an OpenID sign-in's state and PKCE verifier from /auth/login to /auth/callback. */
const flowCookie = 'trellis_oidc';
const flowSeconds = 600;
const callbackPath = '/auth/callback';
/** The query parameter of /studio/ that carries why a sign-in through the provider failed, for the sign-in page to show. */
const signInErrorParameter = 'sign_in_error';

/**
 * The studio's sign-in (issue 14): a session token (kind 'session') in an HttpOnly cookie, made
 * from a personal access token (POST /auth/session) or from the OpenID provider's authorization
 * code flow with PKCE (GET /auth/login, /auth/callback). The routes are public (route-access.ts):
 * they check the credential they are given themselves.
 */
export const authSessionRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config, oidc }) => {
  const settings = config.auth.oidc;
  // Signing in through the provider needs the client the studio signs in as; bearer JWTs need only the issuer.
  const signIn = settings?.client_id && oidc ? new OidcSignIn({ ...settings, clientId: settings.client_id }) : undefined;
  const provider = { oidc: signIn !== undefined, issuer: settings?.issuer ?? null };
  // Secure whenever browsers reach the server over TLS: its own, or a proxy's named by public_url.
  const isSecure = config.tls !== undefined || config.publicUrl?.startsWith('https:') === true;
  const publicBase = () => config.publicUrl ?? publicUrlOf(config, app).replace(/^http:/, config.tls ? 'https:' : 'http:');
  const redirectUri = () => `${publicBase()}${callbackPath}`;

  app.get(routes.get.path, { schema: routes.get.schema }, async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    const token = cookieValue(request.headers.cookie, sessionCookie);
    if (!token) return { signedIn: false, ...provider };
    try {
      const principal = await principalOfToken(context, token, 'session');
      return sessionAnswer(principal, token);
    } catch (error) {
      if (!isTrellisError(error) || error.status !== 401) throw error;
      // Expired or revoked: the browser may forget it.
      void reply.header('set-cookie', clearCookie(sessionCookie, '/', isSecure));
      return { signedIn: false, ...provider };
    }
  });

  app.post(routes.create.path, { schema: routes.create.schema }, async (request, reply) => {
    const principal = await principalOfSignInToken(context, oidc, request.body.token);
    if (principal.via === 'oidc') await ensureUser(context, principal, String(request.id));
    const session = await openSession(context, principal, 'token', String(request.id));
    void reply.header('cache-control', 'no-store').header('set-cookie', sessionSetCookie(session, isSecure));
    return sessionAnswer(principal, session);
  });

  app.get(routes.login.path, { schema: routes.login.schema }, async (_request, reply) => {
    if (!signIn) throw noProvider();
    const flow = await signIn.start(redirectUri());
    return reply
      .header('cache-control', 'no-store')
      .header(
        'set-cookie',
        // Lax: the provider sends the browser back with a top-level navigation from its own site.
        setCookie(flowCookie, `${flow.state}.${flow.codeVerifier}`, { path: callbackPath, maxAge: flowSeconds, sameSite: 'Lax', isSecure }),
      )
      .redirect(flow.url.href, 302);
  });

  // 'warn': the request line holds the authorization code, which has no place in the log.
  app.get(routes.callback.path, { schema: routes.callback.schema, logLevel: 'warn' }, async (request, reply) => {
    if (!signIn || !oidc) throw noProvider();
    void reply.header('set-cookie', clearCookie(flowCookie, callbackPath, isSecure));
    try {
      const { error, error_description: description } = request.query;
      if (error)
        throw new TrellisError(
          'SignInRefused',
          401,
          `the OpenID provider did not sign you in (${error}${description ? `: ${description}` : ''}); start again at /studio/`,
        );
      const [state, codeVerifier] = (cookieValue(request.headers.cookie, flowCookie) ?? '').split('.');
      if (!state || !codeVerifier || request.query.state !== state)
        throw new TrellisError(
          'SignInExpired',
          400,
          'this sign-in was not started from this browser, or took longer than 10 minutes; start again at /studio/',
        );
      const callbackUrl = new URL(redirectUri());
      callbackUrl.search = new URL(request.url, 'http://callback.invalid').search;
      const accessToken = await signIn.finish(callbackUrl, { state, codeVerifier });
      // The same checks as a bearer JWT gets: issuer, audience, signature, lifetime, the user claim.
      const principal = await principalOfOidc(context, await oidc.verify(accessToken));
      await ensureUser(context, principal, String(request.id));
      const session = await openSession(context, principal, 'oidc', String(request.id));
      return reply.header('set-cookie', sessionSetCookie(session, isSecure)).redirect('/studio/', 302);
    } catch (error) {
      // A browser is sent back to the sign-in page with the reason in words; a script gets the problem as JSON.
      if (!isTrellisError(error) || error.status >= 500 || !acceptsHtml(request.headers.accept)) throw error;
      request.log.warn({ code: error.code }, `studio sign-in failed: ${error.message}`);
      return reply.redirect(`/studio/?${signInErrorParameter}=${encodeURIComponent(error.message)}`, 302);
    }
  });

  app.post(routes.logout.path, { schema: routes.logout.schema }, async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    const token = cookieValue(request.headers.cookie, sessionCookie);
    if (token) {
      let principal: Principal | undefined;
      try {
        principal = await principalOfToken(context, token, 'session');
      } catch (error) {
        // Already expired, revoked or unknown: nothing left to revoke, only the cookie to clear.
        if (!isTrellisError(error) || error.status !== 401) throw error;
      }
      if (principal) {
        if (!csrfMatches(request, token))
          throw new TrellisError(
            'CsrfTokenMissing',
            403,
            `signing out with the session cookie needs the session's CSRF token in the ${csrfHeader} header (the studio sends it; GET /auth/session gives it)`,
          );
        const record = await tokenRecordOf(context.store.repositories.identity, token, context.clock().getTime());
        await revokeTokenById(context, { actor: actorOf(principal), requestId: String(request.id) }, record);
      }
    }
    void reply.header('set-cookie', clearCookie(sessionCookie, '/', isSecure));
    return { signedIn: false, ...provider };
  });

  function sessionAnswer(principal: Principal, token: string) {
    return {
      signedIn: true,
      ...provider,
      principal: { name: principal.name, kind: principal.kind, via: 'session' as const },
      csrfToken: csrfTokenOf(token),
    };
  }
};

/**
 * The authorization code flow with PKCE against the configured issuer, by openid-client; the
 * provider's metadata is discovered on first use (Trellis starts while the provider is down) and
 * again after a failure.
 */
class OidcSignIn {
  private configuration: Promise<openid.Configuration> | undefined;

  constructor(private readonly settings: OidcSettings & { clientId: string }) {}

  /** Where to send the browser, and the state and PKCE verifier the callback must see again. */
  async start(redirectUri: string): Promise<{ url: URL; state: string; codeVerifier: string }> {
    const configuration = await this.discover();
    const codeVerifier = openid.randomPKCECodeVerifier();
    const state = openid.randomState();
    const url = openid.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      // RFC 8707: the access token is for Trellis (its aud is auth.oidc.audience), not for the studio client.
      resource: this.settings.audience,
      code_challenge: await openid.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    });
    return { url, state, codeVerifier };
  }

  /** The access token the provider gives for the code in `callbackUrl`; a TrellisError that names the problem otherwise. */
  async finish(callbackUrl: URL, checks: { state: string; codeVerifier: string }): Promise<string> {
    const configuration = await this.discover();
    try {
      const tokens = await openid.authorizationCodeGrant(
        configuration,
        callbackUrl,
        { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state, idTokenExpected: true },
        { resource: this.settings.audience },
      );
      return tokens.access_token;
    } catch (error) {
      throw this.explain(error);
    }
  }

  private discover(): Promise<openid.Configuration> {
    const { issuer, clientId, client_secret: clientSecret } = this.settings;
    this.configuration ??= openid
      .discovery(
        new URL(issuer),
        clientId,
        clientSecret ? { client_secret: clientSecret } : undefined,
        // The studio is a public client unless a secret is configured.
        clientSecret ? undefined : openid.None(),
        // An http issuer is what a test or a lab runs; openid-client asks for it to be allowed explicitly.
        { timeout: 5, ...(issuer.startsWith('http:') ? { execute: [openid.allowInsecureRequests] } : {}) },
      )
      .catch((error: unknown) => {
        this.configuration = undefined;
        throw this.explain(error);
      });
    return this.configuration;
  }

  /** openid-client's failures as TrellisErrors: the provider's own error code and words, never a code or token. */
  private explain(error: unknown): TrellisError {
    const { issuer } = this.settings;
    if (isTrellisError(error)) return error;
    if (error instanceof openid.AuthorizationResponseError || error instanceof openid.ResponseBodyError)
      return new TrellisError(
        'SignInFailed',
        401,
        `the OpenID provider ${issuer} refused to complete the sign-in (${error.error}${error.error_description ? `: ${error.error_description}` : ''}); start again at /studio/`,
        { cause: error },
      );
    if (error instanceof openid.ClientError && !/fetch|timeout|abort/i.test(`${error.message} ${String(error.cause)}`))
      return new TrellisError(
        'SignInFailed',
        401,
        `the OpenID provider's answer did not check out (${error.message}); start again at /studio/, and check auth.oidc.issuer and client_id`,
        { cause: error },
      );
    const reason = error instanceof Error ? error.message : String(error);
    return new TrellisError(
      'IdentityProviderUnavailable',
      503,
      `the OpenID provider ${issuer} (auth.oidc.issuer) cannot be used: ${reason}; check that it is up and reachable from Trellis, then try again`,
      { cause: error },
    );
  }
}

/** Who a token pasted into the sign-in page stands for: a personal access token, or the provider's access token. */
async function principalOfSignInToken(context: Context, oidc: OidcVerifier | undefined, token: string): Promise<Principal> {
  if (looksLikeTrellisToken(token)) {
    const principal = await principalOfToken(context, token, 'bearer');
    if (principal.boundTo)
      throw new TrellisError(
        'TokenNotForSignIn',
        400,
        "a job's or deployment's token cannot sign in to the studio; use a personal access token (trellis token create --name studio)",
      );
    return principal;
  }
  if (oidc && looksLikeJwt(token)) return principalOfOidc(context, await oidc.verify(token));
  throw new TrellisError(
    'InvalidToken',
    401,
    'that is not a Trellis token (trls_pat_...); create one with: trellis token create --name studio --expires-in 30d',
  );
}

/** A user the provider signed in gets a principal here the first time, so roles can be assigned to it. */
async function ensureUser(context: Context, principal: Principal, requestId: string): Promise<void> {
  if (await context.store.repositories.identity.getPrincipal(principal.name)) return;
  try {
    await createPrincipal(context, { actor: actorOf(principal), requestId }, { name: principal.name, kind: 'user' });
  } catch (error) {
    // Another sign-in of the same user created it meanwhile.
    if (!isTrellisError(error) || error.code !== 'PrincipalAlreadyExists') throw error;
  }
}

/** A new session token (only its hash stored) for the principal, audited. */
async function openSession(context: Context, principal: Principal, how: 'token' | 'oidc', requestId: string): Promise<string> {
  const now = context.clock();
  const actor = actorOf(principal);
  const issued = await context.store.transaction(async (repositories) => {
    const token = await issueToken(repositories.identity, {
      principal: principal.name,
      name: `studio session (${how})`,
      kind: 'session',
      expiresInSeconds: sessionSeconds,
      // The groups an OpenID Connect token listed: group role assignments apply in the studio too.
      groups: principal.groups,
      createdBy: actor,
      now: now.getTime(),
    });
    // A sign-in is in the server's audit log (GET /api/v1/audit), as its sign-out (the session's revocation) is.
    await auditIdentityChange(
      repositories,
      { actor, requestId },
      {
        scope: '/',
        action: 'create',
        kind: 'token',
        name: token.record.id,
        summary: `signed in to the studio (${how === 'oidc' ? 'through the OpenID provider' : 'with a personal access token'}), session until ${new Date(token.record.expiresAt ?? 0).toISOString()}`,
      },
      now,
    );
    return token;
  });
  context.logger.info({ principal: principal.name, token: issued.record.id, how, requestId }, 'studio session opened');
  return issued.token;
}

/** Whether an Accept header asks for a page (a browser's navigation) rather than data. */
function acceptsHtml(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/html\b/.test(accept);
}

function noProvider(): TrellisError {
  return new TrellisError(
    'OidcNotConfigured',
    404,
    'no OpenID provider is configured here (auth.oidc.issuer and client_id in config.yaml, or TRELLIS_OIDC_ISSUER); sign in with a personal access token instead',
  );
}

/** HttpOnly always (no script reads it), Secure over TLS, and SameSite as the caller needs. */
function setCookie(
  name: string,
  value: string,
  options: { path: string; maxAge: number; sameSite: 'Strict' | 'Lax'; isSecure: boolean },
): string {
  return [
    `${name}=${value}`,
    `Path=${options.path}`,
    `Max-Age=${options.maxAge}`,
    'HttpOnly',
    `SameSite=${options.sameSite}`,
    ...(options.isSecure ? ['Secure'] : []),
  ].join('; ');
}

/**
 * The session cookie: SameSite=Strict, since only the studio's own calls need it (a link from
 * another site loads the studio's static page without it; the page's calls then carry it).
 */
function sessionSetCookie(token: string, isSecure: boolean): string {
  return setCookie(sessionCookie, token, { path: '/', maxAge: sessionSeconds, sameSite: 'Strict', isSecure });
}

function clearCookie(name: string, path: string, isSecure: boolean): string {
  return setCookie(name, '', { path, maxAge: 0, sameSite: 'Strict', isSecure });
}
