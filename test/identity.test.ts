import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { roleGrants } from '../src/core/identity/roles/action-match.js';
import { builtInRoles } from '../src/core/identity/roles/builtin-roles.js';
import type { RoleDefinition } from '../src/core/identity/roles/role-definition.js';
import { ml, routeAccessOf } from '../src/core/identity/route-access.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * Identity and access over real HTTP, with local authentication off: nothing without credentials,
 * tokens that only hash is kept of, Azure's roles applied as their definitions say at the server
 * and workspace scopes, workspaces one has no role in hidden, and the real principal audited.
 */
describe('identity and access control (local authentication off)', () => {
  let trellis: TrellisProcess;
  let owner: string;

  const call = async (method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${trellis.url}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Not JSON (a tar, a metrics page): the status is what the test reads.
    }
    return { status: response.status, json, text, headers: response.headers };
  };
  const asOwner = (method: string, path: string, body?: unknown) =>
    call(method, path, { token: owner, ...(body !== undefined ? { body } : {}) });
  /** A service principal and a token for it, made by the owner: how automation signs in. */
  const tokenFor = async (principal: string): Promise<string> => {
    assert.equal((await asOwner('POST', '/api/v1/principals', { name: principal, kind: 'servicePrincipal' })).status, 201);
    const issued = await asOwner('POST', '/api/v1/tokens', { name: 'test', principal });
    assert.equal(issued.status, 201, issued.text);
    return issued.json.token as string;
  };

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_DISABLE_LOCAL_AUTH: 'true' } });
    owner = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
    assert.ok((await asOwner('POST', '/api/v1/workspaces', { name: 'team-a' })).status === 201);
    assert.ok((await asOwner('POST', '/api/v1/workspaces', { name: 'team-b' })).status === 201);
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
  });

  it('refuses every non-public route without credentials: the API, MLflow (as MLflow errors), artifacts, the studio data, metrics', async () => {
    const refused = [
      ['GET', '/api/v1/workspaces'],
      ['POST', '/api/v1/workspaces/default/jobs'],
      ['GET', '/api/2.0/mlflow/experiments/search'],
      ['POST', '/workspaces/team-a/mlflow/api/2.0/mlflow/runs/create'],
      ['GET', '/api/2.0/mlflow-artifacts/artifacts'],
      ['GET', '/metrics'],
    ];
    for (const [method, path] of refused) {
      const answer = await call(method!, path!, method === 'POST' ? { body: {} } : {});
      assert.equal(answer.status, 401, `${method} ${path}: ${answer.text}`);
      assert.match(answer.headers.get('www-authenticate') ?? '', /Bearer/);
      if (path!.includes('mlflow')) assert.equal(answer.json.error_code, 'UNAUTHENTICATED', answer.text);
      else assert.equal(answer.json.code, 'Unauthenticated', answer.text);
    }
    for (const path of ['/healthz', '/readyz', '/api/v1/openapi.json', '/studio/'])
      assert.equal((await call('GET', path)).status, 200, path);
  });

  it('refuses anonymous calls on every route of the API description that is not public', async () => {
    const openapi = (await call('GET', '/api/v1/openapi.json')).json as { paths: Record<string, Record<string, unknown>> };
    const answered: string[] = [];
    let tried = 0;
    for (const [template, operations] of Object.entries(openapi.paths)) {
      const url = template.replace(/\{([^}]+)\}/g, ':$1').replace(/:\*$/, '*');
      for (const method of Object.keys(operations).map((name) => name.toUpperCase())) {
        const access = routeAccessOf(method, url);
        if (!access || access.kind === 'public' || access.kind === 'ownCredential') continue;
        const path = url.replace(/:[A-Za-z_]+/g, 'probe').replace(/\*$/, 'probe/file.txt');
        const answer = await call(method, path, method === 'GET' || method === 'DELETE' ? {} : { body: {} });
        tried++;
        if (answer.status !== 401) answered.push(`${method} ${path}: ${answer.status}`);
      }
    }
    assert.ok(tried > 150, `tried ${tried} routes`);
    assert.deepEqual(answered, []);
  });

  it('runs no shell command for an unauthenticated command job, and creates nothing', async () => {
    const marker = join(trellis.home, 'pwned');
    const answer = await call('POST', '/api/v1/workspaces/default/jobs', {
      body: { type: 'command', command: `touch ${marker}`, environment: 'azureml:x@latest', compute: 'local' },
    });
    assert.equal(answer.status, 401);
    const jobs = await asOwner('GET', '/api/v1/workspaces/default/jobs');
    assert.deepEqual((jobs.json.items as unknown[]).length, 0);
    assert.ok(!(await readdir(trellis.home)).includes('pwned'));
  });

  it('makes tokens with a scannable prefix, keeps only their hash, lists them without the secret, and refuses revoked, expired and malformed ones', async () => {
    const issued = await asOwner('POST', '/api/v1/tokens', { name: 'ci', expiresIn: '30d' });
    assert.equal(issued.status, 201, issued.text);
    const token = issued.json.token as string;
    assert.match(token, /^trls_pat_[0-9A-Za-z]{46}$/);
    assert.equal((await call('GET', '/api/v1/whoami', { token })).status, 200);

    const listed = await asOwner('GET', '/api/v1/tokens');
    assert.ok(!listed.text.includes(token), 'a token list never shows the token');
    assert.ok((listed.json.items as Array<{ name: string }>).some((item) => item.name === 'ci'));
    // Only the hash is in the database: the token's text is nowhere in its files.
    for (const file of (await readdir(trellis.home)).filter((name) => name.startsWith('trellis.db'))) {
      const bytes = await readFile(join(trellis.home, file));
      assert.ok(!bytes.includes(Buffer.from(token)), `${file} holds the token in the clear`);
    }

    const id = (issued.json.record as { id: string }).id;
    assert.equal((await asOwner('DELETE', `/api/v1/tokens/${id}`)).status, 200);
    const revoked = await call('GET', '/api/v1/whoami', { token });
    assert.equal(revoked.status, 401);
    assert.match(String(revoked.json.detail), /was revoked/);
    assert.ok(!revoked.text.includes(token), 'the error does not echo the token');

    const short = await asOwner('POST', '/api/v1/tokens', { name: 'short', expiresIn: '1s' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await call('GET', '/api/v1/whoami', { token: short.json.token as string });
    assert.equal(expired.status, 401);
    assert.match(String(expired.json.detail), /expired at/);

    const tampered = `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
    assert.match(String((await call('GET', '/api/v1/whoami', { token: tampered })).json.detail), /malformed/);
    assert.match(String((await call('GET', '/api/v1/whoami', { token: 'not-a-token' })).json.detail), /neither a Trellis token/);
    assert.equal((await asOwner('POST', '/api/v1/tokens', { name: 'long', expiresIn: '400d' })).status, 400);
  });

  it('accepts a token as the password of basic auth, with the principal as the user name', async () => {
    const basic = (user: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${owner}`).toString('base64')}` });
    const me = await call('GET', '/api/v1/whoami', { headers: basic('') });
    assert.equal(me.status, 200, me.text);
    const name = me.json.name as string;
    assert.equal((await call('GET', '/api/v1/whoami', { headers: basic(name) })).status, 200);
    const wrong = await call('GET', '/api/v1/whoami', { headers: basic('mallory') });
    assert.equal(wrong.status, 401);
    assert.match(String(wrong.json.detail), /not the principal/);
  });

  it('hides a workspace one holds no role in (404, as if it did not exist) and lists only the visible ones', async () => {
    const token = await tokenFor('sp-hidden');
    assert.equal(
      (await asOwner('POST', '/api/v1/role-assignments', { role: 'Reader', assignee: 'sp-hidden', scope: '/workspaces/team-a' })).status,
      201,
    );
    const visible = await call('GET', '/api/v1/workspaces', { token });
    assert.deepEqual(
      (visible.json.items as Array<{ name: string }>).map((item) => item.name),
      ['team-a'],
    );
    const hidden = await call('GET', '/api/v1/workspaces/team-b', { token });
    const missing = await call('GET', '/api/v1/workspaces/no-such', { token });
    assert.equal(hidden.status, 404);
    assert.equal(missing.status, 404);
    assert.equal(
      String(hidden.json.detail).replaceAll('team-b', 'X'),
      String(missing.json.detail).replaceAll('no-such', 'X'),
      'the same answer for hidden and missing',
    );
    const mlflowHidden = await call('GET', '/workspaces/team-b/mlflow/api/2.0/mlflow/experiments/search', { token });
    assert.equal(mlflowHidden.status, 404);
    assert.equal(mlflowHidden.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
    // A reader reads, and may not write.
    assert.equal((await call('GET', '/workspaces/team-a/mlflow/api/2.0/mlflow/experiments/search', { token })).status, 200);
    const write = await call('POST', '/workspaces/team-a/mlflow/api/2.0/mlflow/experiments/create', { token, body: { name: 'nope' } });
    assert.equal(write.status, 403);
    assert.equal(write.json.error_code, 'PERMISSION_DENIED');
    assert.match(String(write.json.message), /experiments\/write/);
  });

  it("gives a group member the group's role, and audits the real principal for each change and the assignments themselves", async () => {
    const token = await tokenFor('sp-member');
    await asOwner('POST', '/api/v1/principals', { name: 'data-team', kind: 'group' });
    assert.equal((await asOwner('POST', '/api/v1/principals/data-team/members', { member: 'sp-member' })).status, 200);
    const assigned = await asOwner('POST', '/api/v1/role-assignments', {
      role: 'AzureML Data Scientist',
      assignee: 'data-team',
      scope: '/workspaces/team-a',
    });
    assert.equal(assigned.status, 201, assigned.text);
    const created = await call('POST', '/workspaces/team-a/mlflow/api/2.0/mlflow/experiments/create', {
      token,
      body: { name: 'by-member' },
    });
    assert.equal(created.status, 200, created.text);
    const compute = await call('PUT', '/api/v1/workspaces/team-a/computes/gpu', {
      token,
      body: { type: 'amlcompute', size: 'Standard_DS3_v2' },
    });
    assert.equal(compute.status, 403, 'a data scientist may not create compute');
    assert.match(
      String(compute.json.detail),
      /servicePrincipal:sp-member may not perform Microsoft\.MachineLearningServices\/workspaces\/computes\/write/,
    );
    const env = await call('POST', '/api/v1/workspaces/team-a/environments', {
      token,
      body: { name: 'audited', version: '1', image: 'python:3.11-slim' },
    });
    assert.equal(env.status, 201, env.text);
    const audit = await asOwner('GET', '/api/v1/workspaces/team-a/audit');
    const events = audit.json.items as Array<{ actor: string; kind: string; summary: string | null }>;
    assert.ok(
      events.some((event) => event.kind === 'environment' && event.actor === 'servicePrincipal:sp-member'),
      audit.text,
    );
    assert.ok(
      events.some(
        (event) => event.kind === 'roleAssignment' && /assigned 'AzureML Data Scientist' to 'data-team'/.test(event.summary ?? ''),
      ),
    );
    const serverAudit = await asOwner('GET', '/api/v1/audit');
    assert.ok(
      (serverAudit.json.items as Array<{ kind: string; name: string }>).some(
        (event) => event.kind === 'group' && event.name === 'data-team',
      ),
    );
  });

  it('refuses bad identity input with a 4xx naming the problem, and changes nothing', async () => {
    const before = (await asOwner('GET', '/api/v1/role-assignments')).json.items as unknown[];
    const cases: Array<[unknown, number, RegExp]> = [
      [{ role: 'No Such Role', assignee: 'sp-hidden', scope: '/' }, 404, /no role is named 'No Such Role'/],
      [{ role: 'Reader', assignee: 'nobody', scope: '/' }, 404, /no user, group or service principal is named 'nobody'/],
      [{ role: 'Reader', assignee: 'sp-hidden', scope: '/workspaces/ghost' }, 400, /workspace 'ghost', which does not exist/],
      [{ role: 'Reader', assignee: 'sp-hidden', scope: '/elsewhere' }, 400, /not one Trellis has/],
    ];
    for (const [body, status, message] of cases) {
      const answer = await asOwner('POST', '/api/v1/role-assignments', body);
      assert.equal(answer.status, status, answer.text);
      assert.match(String(answer.json.detail), message);
    }
    const unknownAction = await asOwner('POST', '/api/v1/role-definitions', {
      Name: 'Broken',
      Actions: ['Microsoft.MachineLearningServices/workspaces/jobz/write'],
      AssignableScopes: ['/'],
    });
    assert.equal(unknownAction.status, 400);
    assert.match(String(unknownAction.json.detail), /jobz/);
    assert.equal(((await asOwner('GET', '/api/v1/role-assignments')).json.items as unknown[]).length, before.length);
  });

  it('slows and then refuses a client that keeps failing to authenticate (429 with Retry-After), and logs it', async () => {
    const bad = 'trls_pat_000000000000000000000000000000000000000000AAAAAA';
    await Promise.all(Array.from({ length: 25 }, () => call('GET', '/api/v1/whoami', { token: bad })));
    const refused = await call('GET', '/api/v1/whoami', { token: bad });
    assert.equal(refused.status, 429, refused.text);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    // Refused for that address even with a good token, until the window passes.
    assert.equal((await call('GET', '/api/v1/whoami', { token: owner })).status, 429);
    assert.match(trellis.output(), /authentication failed/);
  });
});

/**
 * The role × action matrix: for each built-in role and a custom role written for Azure ML, every
 * action a route checks is tried at the server and at a workspace scope, and answers as the role's
 * definition says: allowed (the handler answers, whatever it answers) or 403.
 */
describe('role × action matrix over real HTTP', () => {
  let trellis: TrellisProcess;
  let owner: string;
  const customRole = {
    Name: 'MLOps Custom',
    IsCustom: true,
    Description: 'Can run jobs and read models, nothing else',
    Actions: [
      'Microsoft.MachineLearningServices/workspaces/read',
      'Microsoft.MachineLearningServices/workspaces/jobs/*',
      'Microsoft.MachineLearningServices/workspaces/models/read',
      'Microsoft.MachineLearningServices/workspaces/experiments/runs/*',
      'Microsoft.MachineLearningServices/workspaces/datastores/read',
    ],
    NotActions: ['Microsoft.MachineLearningServices/workspaces/experiments/runs/delete'],
    AssignableScopes: ['/subscriptions/0000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/matrix'],
  };

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_DISABLE_LOCAL_AUTH: 'true' } });
    owner = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
    const post = (path: string, body: unknown) =>
      fetch(`${trellis.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await post('/api/v1/workspaces', { name: 'matrix' })).status, 201);
    // Not empty, so a granted workspace delete answers 409 instead of removing the workspace under the test.
    assert.equal((await post('/workspaces/matrix/mlflow/api/2.0/mlflow/experiments/create', { name: 'keep' })).status, 200);
    const custom = await post('/api/v1/role-definitions', customRole);
    assert.equal(custom.status, 201, await custom.text());
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
  });

  it('answers each action as each role says, at the server and at a workspace scope', async () => {
    const openapi = (await (await fetch(`${trellis.url}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const byAction = new Map<string, { method: string; path: string; scope: 'server' | 'workspace' | 'registry' }>();
    for (const [template, operations] of Object.entries(openapi.paths)) {
      const url = template.replace(/\{([^}]+)\}/g, ':$1').replace(/:\*$/, '*');
      for (const method of Object.keys(operations).map((name) => name.toUpperCase())) {
        const access = routeAccessOf(method, url);
        if (access?.kind !== 'action' || byAction.has(access.action)) continue;
        // MLflow's routes at the server root act in the default workspace: probe them under the matrix workspace's prefix.
        const scoped = url.startsWith('/api/2.0/') ? `/workspaces/matrix/mlflow${url}` : url;
        const path = scoped
          .replace(':workspace', 'matrix')
          .replace(/:[A-Za-z_]+/g, 'probe')
          .replace(/\*$/, 'probe/file.txt');
        byAction.set(access.action, { method, path, scope: access.scope });
      }
    }
    assert.ok(byAction.size > 40, `expected the routes' actions, found ${byAction.size}`);
    assert.ok(byAction.has(`${ml}/computes/write`) && byAction.has('Microsoft.Authorization/principals/write'));

    const custom = (await (
      await fetch(`${trellis.url}/api/v1/role-definitions/MLOps%20Custom`, { headers: { authorization: `Bearer ${owner}` } })
    ).json()) as RoleDefinition;
    const roles: RoleDefinition[] = [...builtInRoles, custom];
    const mismatches: string[] = [];
    let tried = 0;
    for (const role of roles) {
      for (const scope of ['/', '/workspaces/matrix']) {
        if (role.type === 'CustomRole' && scope === '/') continue; // assignable at its workspace only
        const principal = `sp-${role.name.toLowerCase().replace(/[^a-z]+/g, '-')}-${scope === '/' ? 'server' : 'ws'}`;
        const headers = { authorization: `Bearer ${owner}`, 'content-type': 'application/json' };
        await fetch(`${trellis.url}/api/v1/principals`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ name: principal, kind: 'servicePrincipal' }),
        });
        const assigned = await fetch(`${trellis.url}/api/v1/role-assignments`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ role: role.name, assignee: principal, scope }),
        });
        assert.equal(assigned.status, 201, await assigned.text());
        const issued = (await (
          await fetch(`${trellis.url}/api/v1/tokens`, { method: 'POST', headers, body: JSON.stringify({ name: 'matrix', principal }) })
        ).json()) as { token: string };
        for (const [action, probe] of byAction) {
          const grants = roleGrants(role, action) && (probe.scope === 'workspace' || scope === '/');
          const response = await fetch(`${trellis.url}${probe.path}`, {
            method: probe.method,
            headers: {
              authorization: `Bearer ${issued.token}`,
              ...(probe.method === 'GET' || probe.method === 'DELETE' ? {} : { 'content-type': 'application/json' }),
            },
            ...(probe.method === 'GET' || probe.method === 'DELETE' ? {} : { body: '{}' }),
          });
          await response.arrayBuffer();
          tried++;
          const refused = response.status === 403 || response.status === 401;
          if (grants === refused)
            mismatches.push(
              `${role.name} at ${scope}: ${probe.method} ${probe.path} (${action}) answered ${response.status}, the role ${grants ? 'grants' : 'does not grant'} it`,
            );
        }
      }
    }
    assert.deepEqual(mismatches, []);
    assert.ok(tried > 500, `tried ${tried} requests`);
  });
});

// The CLI finds the owner's token that `trellis up` wrote, so the README's walkthrough works with local authentication off.
describe('the CLI on the same machine with local authentication off', () => {
  it('signs in with the owner token trellis up wrote, and with TRELLIS_TOKEN', async () => {
    const trellis = await startTrellis({ env: { TRELLIS_DISABLE_LOCAL_AUTH: 'true' } });
    try {
      const env = { TRELLIS_HOME: trellis.home };
      const whoami = await runCli(['whoami'], { url: trellis.url, env });
      assert.equal(whoami.code, 0, whoami.stderr);
      assert.match(whoami.stdout, /Owner\s+\//);
      const created = await runCli(['token', 'create', '--name', 'cli', '--expires-in', '1d', '-o', 'json'], { url: trellis.url, env });
      assert.equal(created.code, 0, created.stderr);
      const token = (JSON.parse(created.stdout) as { token: string }).token;
      const listed = await runCli(['token', 'list'], { url: trellis.url, env });
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /^tok_\S+ +cli +/m);
      // Workloads acting with the owner's rights: none has run, and a personal token is not one.
      const workloads = await runCli(['token', 'list', '--workloads'], { url: trellis.url, env });
      assert.equal(workloads.code, 0, workloads.stderr);
      assert.equal(workloads.stdout.trim(), '(none)');
      const elsewhere = await runCli(['workspace', 'list'], { url: trellis.url, env: { TRELLIS_TOKEN: token } });
      assert.equal(elsewhere.code, 0, elsewhere.stderr);
      const anonymous = await runCli(['workspace', 'list'], { url: trellis.url });
      assert.notEqual(anonymous.code, 0);
      assert.match(anonymous.stderr, /needs credentials/);
    } finally {
      await trellis.stop();
      await removeHome(trellis.home);
    }
  });
});

describe('listening beyond loopback', () => {
  it('refuses to start with local authentication on, naming --disable-local-auth', async () => {
    // Off by default there; refused when a config file turns it on.
    const home = await mkdtemp(join(tmpdir(), 'trellis-exposed-'));
    await writeFile(join(home, 'config.yaml'), 'auth:\n  local: true\n');
    await assert.rejects(startTrellis({ home, env: { TRELLIS_HOST: '0.0.0.0' } }), (error: Error) => {
      assert.match(error.message, /refusing to listen on 0\.0\.0\.0 with local authentication on/);
      assert.match(error.message, /--disable-local-auth/);
      return true;
    });
    await removeHome(home);
  });

  it('starts with it off (the default beyond loopback), says what is exposed, and still refuses anonymous calls', async () => {
    const trellis = await startTrellis({ env: { TRELLIS_HOST: '0.0.0.0' } });
    try {
      assert.match(trellis.output(), /listening on 0\.0\.0\.0 .*over plain HTTP .*reachable from other machines/);
      const url = trellis.url.replace('0.0.0.0', '127.0.0.1');
      assert.equal((await fetch(`${url}/api/v1/workspaces`)).status, 401);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
    } finally {
      await trellis.stop();
      await removeHome(trellis.home);
    }
  });
});
