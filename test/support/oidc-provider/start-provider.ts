import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/**
 * A real OpenID provider (oidc-provider, in its own process: provider-process.mjs) for tests.
 *
 * Which token Trellis expects: the ACCESS TOKEN, a JWT whose `aud` is the resource the client asked
 * for (`resource=<audience>`, RFC 8707) and equals Trellis's `auth.oidc.audience`; it carries `sub`,
 * `preferred_username` and `groups`. The id_token is for the client that signed in (its `aud` is the
 * client id), not a credential for Trellis's API.
 */

const processScript = join(import.meta.dirname, 'provider-process.mjs');

/** The public client the studio signs in as (authorization code + PKCE, no secret). */
export const studioClientId = 'trellis-studio';
/** A confidential client tests use to get tokens. */
/** The settings of a Trellis that signs people in with this provider (local authentication off), for startTrellis's env. */
export function trellisOidcEnv(issuer: string, audience: string): Record<string, string> {
  return {
    TRELLIS_DISABLE_LOCAL_AUTH: 'true',
    TRELLIS_OIDC_ISSUER: issuer,
    TRELLIS_OIDC_AUDIENCE: audience,
    TRELLIS_OIDC_CLIENT_ID: studioClientId,
    TRELLIS_OIDC_USER_CLAIM: 'preferred_username',
  };
}

export const testClient = {
  clientId: 'trellis-tests',
  clientSecret: 'trellis-tests-secret',
  redirectUri: 'http://127.0.0.1/trellis-tests/callback',
} as const;
/** The provider's accounts and their groups; any password signs them in. */
export const testAccounts = { alice: ['team-a'], bob: ['team-b'], carol: [] } as const;

export type SigningAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

export interface OidcProviderOptions {
  /** Private signing keys (with `kid` and `alg`); the first signs, the others are only published. Default: one new RS256 key. */
  signingKeys?: JWK[];
  /** Where the studio client may return users to, e.g. `http://127.0.0.1:5050/auth/callback`. */
  redirectUris?: string[];
  accessTokenTtlSeconds?: number;
  idTokenTtlSeconds?: number;
}

export interface OidcProvider {
  /** `http://127.0.0.1:<port>`: the same across restarts. */
  issuer: string;
  /** The keys it holds now; the first signs. */
  signingKeys(): JWK[];
  /** What it printed on stderr, for failure messages. */
  output(): string;
  stop(): Promise<void>;
  /** Stops it and starts it again on the same port, with `newOptions` merged over the old ones (new keys: rotation). */
  restart(newOptions?: OidcProviderOptions): Promise<void>;
}

/** A new private signing key as a JWK, with a random `kid`. */
export async function generateSigningKey(alg: SigningAlgorithm = 'RS256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg, use: 'sig' };
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  issuer: string;
}

/**
 * Starts provider-process.mjs on a free port of 127.0.0.1 and resolves once it listens. The process
 * is killed by `stop()`, when this process exits, and (its stdin closing) when this process dies.
 */
export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<OidcProvider> {
  const folder = await mkdtemp(join(tmpdir(), 'trellis-oidc-'));
  let current: OidcProviderOptions = { ...options, signingKeys: options.signingKeys ?? [await generateSigningKey()] };
  let output = '';
  let generation = 0;

  async function launch(port: number): Promise<Running> {
    generation += 1;
    const jwksFile = join(folder, `jwks-${generation}.json`);
    await mkdir(folder, { recursive: true });
    await writeFile(jwksFile, JSON.stringify({ keys: current.signingKeys }), { mode: 0o600 });
    const args = [processScript, '--jwks', jwksFile, '--port', String(port)];
    for (const uri of current.redirectUris ?? []) args.push('--redirect-uri', uri);
    if (current.accessTokenTtlSeconds !== undefined) args.push('--access-token-ttl', String(current.accessTokenTtlSeconds));
    if (current.idTokenTtlSeconds !== undefined) args.push('--id-token-ttl', String(current.idTokenTtlSeconds));
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    const exited = new Promise<void>((resolveExit) =>
      child.once('exit', () => {
        process.removeListener('exit', kill);
        resolveExit();
      }),
    );
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let stdout = '';
    const issuer = await new Promise<string>((resolveIssuer, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the OpenID provider did not start in 15 s:\n${output}`));
      }, 15_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n', 1)[0];
        if (line === undefined || !stdout.includes('\n')) return;
        clearTimeout(timer);
        const printed = issuerIn(line);
        if (printed) resolveIssuer(printed);
        else reject(new Error(`the OpenID provider printed ${line}, not {"issuer": ...}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the OpenID provider exited with ${code} before it listened:\n${output}`));
      });
    });
    return { child, exited, issuer };
  }

  async function halt(running: Running | undefined): Promise<void> {
    if (!running) return;
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGTERM');
    await running.exited;
  }

  let running: Running | undefined = await launch(0);
  const issuer = running.issuer;
  const port = Number(new URL(issuer).port);

  return {
    issuer,
    signingKeys: () => current.signingKeys ?? [],
    output: () => output,
    async stop() {
      await halt(running);
      running = undefined;
      await rm(folder, { recursive: true, force: true });
    },
    async restart(newOptions = {}) {
      await halt(running);
      running = undefined;
      current = { ...current, ...newOptions };
      running = await launch(port);
      if (running.issuer !== issuer) throw new Error(`the OpenID provider came back as ${running.issuer}, not ${issuer}`);
    },
  };
}

export interface TokenRequest {
  /** The account to sign in as (alice, bob, carol). */
  user: string;
  /** The resource the access token is for: its `aud` (Trellis's `auth.oidc.audience`), an absolute URI. */
  audience: string;
  /** Default: the confidential test client. Without a secret the client is public (the studio's). */
  clientId?: string;
  clientSecret?: string | undefined;
  redirectUri?: string;
  /** Default: `openid profile email groups`. */
  scope?: string;
}

export interface UserTokens {
  /** A JWT with `aud` = the requested audience: what Trellis verifies. */
  accessToken: string;
  /** A JWT for the client itself (`aud` = client id). */
  idToken: string | undefined;
}

/** A real JWT access token for `request.user`, issued by the provider (see {@link userTokens}). */
export async function userToken(provider: { issuer: string }, request: TokenRequest): Promise<string> {
  return (await userTokens(provider, request)).accessToken;
}

/**
 * Signs `request.user` in as a browser would, over HTTP only: the authorization-code flow with PKCE
 * (S256), following the provider's redirects, submitting its login and consent forms (the dev
 * interactions: any password, the login is the account id), then exchanging the code at the token
 * endpoint for the access token and id_token.
 */
export async function userTokens(provider: { issuer: string }, request: TokenRequest): Promise<UserTokens> {
  const clientId = request.clientId ?? testClient.clientId;
  const clientSecret = request.clientId === undefined ? testClient.clientSecret : request.clientSecret;
  const redirectUri = request.redirectUri ?? testClient.redirectUri;
  const metadata = await discover(provider.issuer);
  const codeVerifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(metadata.authorizationEndpoint);
  for (const [name, value] of Object.entries({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: request.scope ?? 'openid profile email groups',
    resource: request.audience,
    state,
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
  })) {
    authorize.searchParams.set(name, value);
  }

  const code = await signIn(authorize, request.user, redirectUri, state);
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: codeVerifier,
    resource: request.audience,
  });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (clientSecret !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
  } else body.set('client_id', clientId);
  const response = await fetch(metadata.tokenEndpoint, { method: 'POST', headers, body });
  const tokens: unknown = await response.json();
  if (!response.ok || !isRecord(tokens) || typeof tokens.access_token !== 'string') {
    throw new Error(`the token endpoint answered ${response.status}: ${JSON.stringify(tokens)}`);
  }
  if (tokens.access_token.split('.').length !== 3) {
    throw new Error(`the provider issued an opaque access token, not a JWT: was '${request.audience}' requested as the resource?`);
  }
  return { accessToken: tokens.access_token, idToken: typeof tokens.id_token === 'string' ? tokens.id_token : undefined };
}

async function discover(issuer: string): Promise<{ authorizationEndpoint: string; tokenEndpoint: string }> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  const document: unknown = await response.json();
  if (!isRecord(document) || typeof document.authorization_endpoint !== 'string' || typeof document.token_endpoint !== 'string') {
    throw new Error(`${issuer} has no usable discovery document: ${JSON.stringify(document)}`);
  }
  return { authorizationEndpoint: document.authorization_endpoint, tokenEndpoint: document.token_endpoint };
}

/** Drives the browser part of the flow from the authorization request to the redirect back; returns the code. */
async function signIn(authorize: URL, user: string, redirectUri: string, state: string): Promise<string> {
  const cookies = new Map<string, string>();
  let url = authorize;
  let response = await send(url, cookies);
  for (let step = 0; step < 12; step += 1) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      if (`${url.origin}${url.pathname}` === redirectUri) {
        const error = url.searchParams.get('error');
        if (error) throw new Error(`the provider refused to sign ${user} in: ${error}: ${url.searchParams.get('error_description')}`);
        if (url.searchParams.get('state') !== state)
          throw new Error(`the provider returned state ${url.searchParams.get('state')}, not ${state}`);
        const code = url.searchParams.get('code');
        if (!code) throw new Error(`the provider redirected to ${url.href} without a code`);
        return code;
      }
      response = await send(url, cookies);
      continue;
    }
    const page = await response.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/.exec(page);
    const prompt = form?.[2] ? /name="prompt" value="(\w+)"/.exec(form[2])?.[1] : undefined;
    if (!response.ok || !form?.[1] || !prompt) {
      throw new Error(`the provider answered ${response.status} at ${url.href} with no login or consent form:\n${page.slice(0, 2000)}`);
    }
    url = new URL(form[1].replaceAll('&amp;', '&'), url);
    const fields: Record<string, string> = prompt === 'login' ? { prompt, login: user, password: 'any password' } : { prompt };
    response = await send(url, cookies, new URLSearchParams(fields));
  }
  throw new Error(`signing ${user} in took more than 12 steps; the last was ${url.href}`);
}

/** One browser request: no automatic redirects, cookies kept in `cookies` (one host, so paths are ignored). */
async function send(url: URL, cookies: Map<string, string>, form?: URLSearchParams): Promise<Response> {
  const headers: Record<string, string> = {};
  if (cookies.size > 0) headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const response = await fetch(url, form ? { method: 'POST', headers, body: form, redirect: 'manual' } : { headers, redirect: 'manual' });
  for (const cookie of response.headers.getSetCookie()) {
    const [pair = '', ...attributes] = cookie.split(';');
    const separator = pair.indexOf('=');
    const name = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    const isExpired = attributes.some(
      (attribute) => /^\s*expires=/i.test(attribute) && Date.parse(attribute.split('=')[1] ?? '') < Date.now(),
    );
    if (value === '' || isExpired) cookies.delete(name);
    else cookies.set(name, value);
  }
  return response;
}

/** The issuer in the provider's first line of output, `{"issuer": "http://127.0.0.1:NNNN"}`. */
function issuerIn(line: string): string | undefined {
  let printed: unknown;
  try {
    printed = JSON.parse(line);
  } catch {
    return undefined; // not JSON: the caller reports the line as it is
  }
  return isRecord(printed) && typeof printed.issuer === 'string' ? printed.issuer : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
