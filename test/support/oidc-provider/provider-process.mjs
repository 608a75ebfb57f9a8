// A real OpenID provider (oidc-provider v9) for tests, run as its own process so Trellis reaches it
// only over HTTP, as it would reach Entra ID, Keycloak or Dex.
//
//   node provider-process.mjs --jwks keys.json [--port 0] [--redirect-uri URI ...]
//     [--access-token-ttl 600] [--id-token-ttl 600]
//
// --jwks: a file holding { "keys": [private JWKs] }; the first key signs. Restart with another file to rotate.
// --redirect-uri: where the studio client ('trellis-studio') may send users back (repeatable).
// Prints one line, {"issuer":"http://127.0.0.1:NNNN"}, on stdout once it listens; exits on SIGTERM or
// when its stdin closes (the test that started it is gone). Its dev interactions take any password;
// the login name is the account id.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Provider } from 'oidc-provider';

/** The test accounts: the login name is the account id, any password does. */
const accounts = {
  alice: { name: 'Alice Example', groups: ['team-a'] },
  bob: { name: 'Bob Example', groups: ['team-b'] },
  carol: { name: 'Carol Example', groups: [] },
};

const studioClientId = 'trellis-studio';
const testClientId = 'trellis-tests';
const testClientSecret = 'trellis-tests-secret';
const testRedirectUri = 'http://127.0.0.1/trellis-tests/callback';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    jwks: { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true, default: [] },
    'access-token-ttl': { type: 'string', default: '600' },
    'id-token-ttl': { type: 'string', default: '600' },
  },
});
if (!values.jwks) {
  process.stderr.write('provider-process: --jwks <file> is required (a JSON file with { "keys": [private JWKs] })\n');
  process.exit(2);
}
const jwks = JSON.parse(readFileSync(values.jwks, 'utf8'));
const signingAlg = jwks.keys[0]?.alg ?? 'RS256';
const accessTokenTtl = Number(values['access-token-ttl']);
const idTokenTtl = Number(values['id-token-ttl']);
const studioRedirectUris = values['redirect-uri'].length > 0 ? values['redirect-uri'] : ['http://127.0.0.1:5050/auth/callback'];

// oidc-provider prints notices with console.info; stdout carries only the issuer line.
console.info = (...args) => console.error(...args);

const server = createServer();
await new Promise((resolve) => server.listen(Number(values.port), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

/** What the provider knows of an account: its claims, by scope (see `claims` below). */
function accountClaims(accountId) {
  const account = accounts[accountId];
  return { sub: accountId, preferred_username: accountId, name: account.name, email: `${accountId}@example.test`, groups: account.groups };
}

const provider = new Provider(issuer, {
  jwks,
  clients: [
    {
      client_id: studioClientId,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: studioRedirectUris,
    },
    {
      client_id: testClientId,
      client_secret: testClientSecret,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [testRedirectUri],
    },
  ],
  clientDefaults: { id_token_signed_response_alg: signingAlg },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
  claims: { openid: ['sub'], profile: ['preferred_username', 'name'], email: ['email'], groups: ['groups'] },
  async findAccount(_ctx, accountId) {
    if (!Object.hasOwn(accounts, accountId)) return undefined;
    return { accountId, claims: async () => accountClaims(accountId) };
  },
  // Entra ID and Keycloak put the user's name and groups in the access token too; Trellis reads them there.
  async extraTokenClaims(_ctx, token) {
    if (token.kind !== 'AccessToken' || !Object.hasOwn(accounts, token.accountId)) return undefined;
    const { preferred_username, groups } = accountClaims(token.accountId);
    return { preferred_username, groups };
  },
  features: {
    devInteractions: { enabled: true },
    // Any absolute URI is a resource server; its access tokens are JWTs whose 'aud' is that URI.
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resourceIndicator) => ({
        scope: 'trellis',
        audience: resourceIndicator,
        accessTokenFormat: 'jwt',
        accessTokenTTL: accessTokenTtl,
        jwt: { sign: { alg: signingAlg } },
      }),
    },
  },
  ttl: {
    AccessToken: accessTokenTtl,
    IdToken: idTokenTtl,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
    RefreshToken: 3600,
  },
});
server.on('request', provider.callback());

function exit() {
  server.closeAllConnections();
  server.close();
  process.exit(0);
}
process.on('SIGTERM', exit);
process.on('SIGINT', exit);
process.stdin.on('close', exit);
process.stdin.resume();

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
