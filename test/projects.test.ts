import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { bearerCall } from './support/bearer-call.js';
import { type OidcProvider, startOidcProvider, trellisOidcEnv, userToken } from './support/oidc-provider/start-provider.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const audience = 'https://trellis.test/api';

/**
 * `trellis project create` over real HTTP with authentication on: people (alice, an OpenID user)
 * write in dev and only read prod, the CI service principal writes in both, a rerun changes
 * nothing, a caller without the rights makes nothing, and the advisor flags prod once a person
 * may write there.
 */
describe('projects: dev and prod apart (authentication on)', () => {
  let provider: OidcProvider;
  let trellis: TrellisProcess;
  let owner: string;
  let alice: string;

  const call = (method: string, path: string, token: string, body?: unknown) => bearerCall(trellis.url, method, path, token, body);
  const asOwner = (method: string, path: string, body?: unknown) => call(method, path, owner, body);
  const registerModel = (token: string, workspace: string, name: string) =>
    call('POST', `/workspaces/${workspace}/mlflow/api/2.0/mlflow/registered-models/create`, token, { name });
  const cli = (args: string[], token = owner) => runCli(args, { url: trellis.url, env: { TRELLIS_TOKEN: token } });
  const assignmentsIn = async (workspace: string) => {
    const answer = await asOwner('GET', `/api/v1/role-assignments?scope=/workspaces/${workspace}`);
    assert.equal(answer.status, 200, answer.text);
    return (answer.json.items as Array<{ principal: string; roleName: string; id: string }>)
      .map((item) => `${item.principal}: ${item.roleName}`)
      .sort();
  };

  before(async () => {
    provider = await startOidcProvider();
    trellis = await startTrellis({
      env: trellisOidcEnv(provider.issuer, audience),
    });
    owner = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
    for (const body of [
      { name: 'alice', kind: 'user' },
      { name: 'ops-bot', kind: 'servicePrincipal' },
    ])
      assert.equal((await asOwner('POST', '/api/v1/principals', body)).status, 201);
    alice = await userToken(provider, { user: 'alice', audience });
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    await provider?.stop();
  });

  it('refuses a bad name (naming the field and the rule) and an unknown member, making nothing', async () => {
    const bad = await asOwner('POST', '/api/v1/projects', { name: 'Churn!' });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json.code, 'InvalidName');
    assert.match(bad.text, /"path":"name"/);
    assert.match(String(bad.json.detail), /lowercase letters, digits and single '-'/);

    const unknown = await asOwner('POST', '/api/v1/projects', { name: 'churn', members: ['alice', 'nobody'] });
    assert.equal(unknown.status, 404, unknown.text);
    assert.match(String(unknown.json.detail), /member 'nobody' is not a known user or group; create it first/);
    assert.equal((await asOwner('GET', '/api/v1/workspaces/churn-dev')).status, 404, 'nothing was made');
    assert.equal((await asOwner('GET', '/api/v1/principals/churn-ci')).status, 404, 'nor the CI principal');
  });

  it('refuses a caller who may make workspaces but not assign roles, before anything is made', async () => {
    assert.equal((await asOwner('POST', '/api/v1/role-assignments', { role: 'Contributor', assignee: 'ops-bot', scope: '/' })).status, 201);
    const token = (await asOwner('POST', '/api/v1/tokens', { name: 'test', principal: 'ops-bot' })).json.token as string;
    const refused = await call('POST', '/api/v1/projects', token, { name: 'churn', members: ['alice'] });
    assert.equal(refused.status, 403, refused.text);
    assert.match(String(refused.json.detail), /Microsoft\.Authorization\/roleAssignments\/write at scope '\/'/);
    const nobody = await call('POST', '/api/v1/projects', alice, { name: 'churn' });
    assert.equal(nobody.status, 403, nobody.text);
    assert.equal((await asOwner('GET', '/api/v1/workspaces/churn-prod')).status, 404, 'nothing was made');
  });

  let ciToken: string;

  it('creates dev and prod with the MLOps roles and a CI token, shown once (trellis project create -o json)', async () => {
    const made = await cli(['project', 'create', '--name', 'churn', '--members', 'alice', '-o', 'json']);
    assert.equal(made.code, 0, made.stderr);
    const project = JSON.parse(made.stdout) as {
      workspaces: Array<{ name: string; stage: string }>;
      changes: string[];
      ciToken: { token: string; record: { principal: string } } | null;
      warnings: string[];
    };
    assert.deepEqual(
      project.workspaces.map((workspace) => `${workspace.name} ${workspace.stage}`),
      ['churn-dev dev', 'churn-prod prod'],
    );
    assert.ok(project.changes.includes("created service principal 'churn-ci'"), project.changes.join('\n'));
    assert.equal(project.ciToken?.record.principal, 'churn-ci');
    assert.deepEqual(project.warnings, []);
    ciToken = project.ciToken?.token ?? '';
    assert.deepEqual(await assignmentsIn('churn-dev'), [
      'alice: AzureML Data Scientist',
      'churn-ci: AzureML Compute Operator',
      'churn-ci: AzureML Data Scientist',
    ]);
    assert.deepEqual(await assignmentsIn('churn-prod'), [
      'alice: Reader',
      'churn-ci: AzureML Compute Operator',
      'churn-ci: AzureML Data Scientist',
    ]);
    const tags = (await asOwner('GET', '/api/v1/workspaces/churn-prod')).json.tags;
    assert.deepEqual(tags, { project: 'churn', stage: 'prod' });
  });

  it('lets a member write in dev and read prod, not write there; the CI principal writes in prod', async () => {
    const inDev = await registerModel(alice, 'churn-dev', 'churn-model');
    assert.equal(inDev.status, 200, inDev.text);
    const inProd = await registerModel(alice, 'churn-prod', 'churn-model');
    assert.equal(inProd.status, 403, inProd.text);
    const read = await call('GET', '/workspaces/churn-prod/mlflow/api/2.0/mlflow/registered-models/search', alice);
    assert.equal(read.status, 200, read.text);
    const released = await registerModel(ciToken, 'churn-prod', 'churn-model');
    assert.equal(released.status, 200, released.text);
  });

  it('converges on a rerun: nothing duplicated, no second token, says nothing changed', async () => {
    const again = await asOwner('POST', '/api/v1/projects', { name: 'churn', members: ['alice'] });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual(again.json.changes, []);
    assert.equal(again.json.ciToken, null);
    assert.equal((await assignmentsIn('churn-prod')).length, 3);
    assert.equal((await assignmentsIn('churn-dev')).length, 3);
    const table = await cli(['project', 'create', '--name', 'churn', '--members', 'alice']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /project 'churn' is already as asked; nothing changed/);
  });

  it('shows and lists the project with who holds which role where', async () => {
    const shown = await cli(['project', 'show', '--name', 'churn']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /churn-prod +prod +alice +user +Reader +no/);
    assert.match(shown.stdout, /churn-prod +prod +churn-ci +servicePrincipal +AzureML Data Scientist +yes/);
    const listed = await cli(['project', 'list', '-o', 'json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      (JSON.parse(listed.stdout) as Array<{ name: string }>).map((project) => project.name),
      ['churn'],
    );
    assert.equal(
      (await call('GET', '/api/v1/projects/churn', alice)).status,
      403,
      'reading who holds which role needs roleAssignments/read',
    );
    assert.equal((await asOwner('GET', '/api/v1/projects/nope')).status, 404);
  });

  it('has the advisor flag prod once a person may write there, and not before', async () => {
    const flagged = async () =>
      (
        (await asOwner('GET', '/api/v1/workspaces/churn-prod/advisor/recommendations')).json.items as Array<{
          ruleId: string;
          message: string;
        }>
      )
        .filter((item) => item.ruleId === 'TRL-SEC-106')
        .map((item) => item.message);
    assert.deepEqual(await flagged(), []);
    const granted = await asOwner('POST', '/api/v1/role-assignments', {
      role: 'Contributor',
      assignee: 'alice',
      scope: '/workspaces/churn-prod',
    });
    assert.equal(granted.status, 201, granted.text);
    const [message, ...rest] = await flagged();
    assert.match(message ?? '', /^user 'alice' holds 'Contributor' here \(assignment [^)]+\), which grants models\/write/);
    assert.deepEqual(rest, []);
    const shown = await asOwner('GET', '/api/v1/projects/churn');
    assert.match(String((shown.json.warnings as string[])[0]), /user 'alice' holds 'Contributor' in 'churn-prod'/);
  });
});
