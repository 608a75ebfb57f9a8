import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../src/client/api-error.js';
import type { TrellisClient } from '../src/client/trellis-client.js';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const computeYaml = (
  maxInstances: number,
  name = 'cpu-cluster',
) => `$schema: https://azuremlschemas.azureedge.net/latest/amlCompute.schema.json
name: ${name}
type: amlcompute
size: Standard_DS3_v2
min_instances: 0
max_instances: ${maxInstances}
location: westeurope
`;

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

/** The store as a reader sees it: used to prove a refused request changed nothing. */
async function snapshot(client: TrellisClient, workspace: string): Promise<string> {
  const kinds = ['environment', 'data', 'code', 'model', 'compute'] as const;
  const lists = await Promise.all(kinds.map((kind) => client.list(workspace, kind, { limit: 1000 })));
  const audit = await client.audit(workspace, { limit: 1000 });
  return JSON.stringify({ lists, audit: audit.items.length });
}

for (const dialect of testDialects()) {
  describe(`REST API over HTTP on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    let client: TrellisClient;

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
      client = trellis.client;
      await client.createWorkspace({ name: 'dev' });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    it('answers /healthz and /readyz with the database and its migrations', async () => {
      assert.deepEqual(await client.health(), { status: 'ok' });
      const ready = await client.ready();
      assert.equal(ready.status, 'ready');
      assert.equal(ready.database.dialect, dialect);
      assert.equal(ready.database.migrationsApplied, ready.database.migrationsExpected);
    });

    it('serves an OpenAPI 3 document generated from the route schemas', async () => {
      const document = await client.request<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
        'GET',
        '/api/v1/openapi.json',
      );
      assert.match(document.openapi, /^3\./);
      for (const path of [
        '/api/v1/workspaces',
        '/api/v1/workspaces/{workspace}/models/{name}/versions/{version}',
        '/api/v1/workspaces/{workspace}/computes/{name}',
        '/api/v1/workspaces/{workspace}/apply',
        '/api/v1/workspaces/{workspace}/audit',
      ]) {
        assert.ok(document.paths[path], `OpenAPI document lacks ${path}`);
      }
      assert.ok(document.paths['/api/v1/workspaces/{workspace}/computes/{name}']?.patch);
    });

    it('made the default workspace at first start', async () => {
      const workspace = await client.getWorkspace('default');
      assert.equal(workspace.kind, 'workspace');
      const names = (await client.listWorkspaces()).items.map((w) => w.name);
      assert.deepEqual(names, ['default', 'dev']);
    });

    it('refuses a second workspace with the same name with 409', async () => {
      const error = await rejection(client.createWorkspace({ name: 'dev' }));
      assert.equal(error.status, 409);
      assert.equal(error.code, 'ResourceAlreadyExists');
    });

    it('applies the same YAML twice as created then unchanged, and a change as updated, auditing only real changes', async () => {
      const first = await client.apply('dev', { fileName: 'compute.yml', text: computeYaml(4) });
      assert.equal(first.action, 'created');
      assert.equal(first.resource?.spec.max_instances, 4);
      assert.equal(first.resource?.spec.idle_time_before_scale_down, 120);
      assert.ok(
        first.notes.some((note) => note.path === 'location' && /no local effect/.test(note.message)),
        JSON.stringify(first.notes),
      );
      const second = await client.apply('dev', { fileName: 'compute.yml', text: computeYaml(4) });
      assert.equal(second.action, 'unchanged');
      assert.equal(second.resource?.etag, first.resource?.etag);
      const third = await client.apply('dev', { fileName: 'compute.yml', text: computeYaml(8) });
      assert.equal(third.action, 'updated');
      assert.notEqual(third.resource?.etag, first.resource?.etag);
      const audit = await client.audit('dev', { kind: 'compute', name: 'cpu-cluster' });
      assert.deepEqual(
        audit.items.map((e) => e.action),
        ['update', 'create'],
      );
      assert.equal(audit.items[0]?.beforeDigest, audit.items[1]?.afterDigest);
      assert.match(audit.items[0]?.actor ?? '', /^user:/);
    });

    it('accepts raw application/yaml on /apply and reports lines for its problems', async () => {
      const response = await fetch(`${trellis.url}/api/v1/workspaces/dev/apply?fileName=bad.yml`, {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body: 'name: broken\ntype: amlcompute\nmin_instances: two\nmax_nodes: 3\n',
      });
      assert.equal(response.status, 422);
      assert.match(response.headers.get('content-type') ?? '', /application\/problem\+json/);
      const problem = (await response.json()) as { code: string; problems: Array<{ path: string; line?: number }> };
      assert.equal(problem.code, 'InvalidInput');
      assert.ok(
        problem.problems.some((p) => p.path === 'min_instances' && p.line === 3),
        JSON.stringify(problem.problems),
      );
      assert.ok(
        problem.problems.some((p) => p.path === 'max_nodes' && p.line === 4),
        JSON.stringify(problem.problems),
      );
    });

    it('refuses bad input with a clear 4xx and leaves the store as it was', async () => {
      const before = await snapshot(client, 'dev');
      const cases: Array<[string, string, RegExp]> = [
        ['malformed YAML', 'name: [unclosed\n', /line/i],
        ['unknown kind', 'name: thing\nflavour: strawberry\n', /\$schema|kind/],
        ['name with a slash', computeYaml(2).replace('name: cpu-cluster', 'name: cpu/cluster'), /name/],
        ['name with spaces', computeYaml(2).replace('name: cpu-cluster', 'name: cpu cluster'), /name/],
        ['wrong type', computeYaml(2).replace('max_instances: 2', 'max_instances: many'), /max_instances/],
        [
          'model path never uploaded',
          '$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\nname: m\nversion: 1\npath: ./does-not-exist.pkl\n',
          /not uploaded/,
        ],
      ];
      for (const [label, text, pattern] of cases) {
        const error = await rejection(client.apply('dev', { fileName: `${label}.yml`, text }));
        assert.ok(error.status >= 400 && error.status < 500, `${label}: status ${error.status}`);
        assert.match(error.message + JSON.stringify(error.problems), pattern, label);
      }
      assert.equal(await snapshot(client, 'dev'), before);
    });

    it('stores uploaded bytes once and refuses a changed duplicate version with 409', async () => {
      const bytes = Buffer.from('sepal_length,species\n5.1,setosa\n');
      const first = await client.uploadFile('dev', Readable.from([bytes]));
      const again = await client.uploadFile('dev', Readable.from([bytes]));
      assert.equal(first.isNew, true);
      assert.equal(again.isNew, false);
      assert.equal(again.digest, first.digest);
      const dataYaml = (description: string) =>
        `$schema: https://azuremlschemas.azureedge.net/latest/data.schema.json\nname: iris\nversion: 1\ntype: uri_file\npath: ./iris.csv\ndescription: ${description}\n`;
      const uploads = { './iris.csv': { type: 'file', digest: first.digest, size: first.size, fileName: 'iris.csv' } };
      const created = await client.apply('dev', { fileName: 'iris.yml', text: dataYaml('v1'), uploads });
      assert.equal(created.action, 'created');
      assert.equal(created.resource?.spec.path, `trellis://content/${first.digest}/iris.csv`);
      const same = await client.apply('dev', { fileName: 'iris.yml', text: dataYaml('v1'), uploads });
      assert.equal(same.action, 'unchanged');
      const other = await client.uploadFile('dev', Readable.from([Buffer.from('different bytes\n')]));
      const conflict = await rejection(
        client.apply('dev', {
          fileName: 'iris.yml',
          text: dataYaml('v1'),
          uploads: { './iris.csv': { type: 'file', digest: other.digest, size: other.size, fileName: 'iris.csv' } },
        }),
      );
      assert.equal(conflict.status, 409);
      assert.equal(conflict.code, 'AssetVersionImmutable');
      const stored = await client.get('dev', 'data', 'iris', '1');
      assert.equal(stored.spec.path, `trellis://content/${first.digest}/iris.csv`);
    });

    it('gives an asset without a version the next one, and resolves latest and azureml references', async () => {
      const modelYaml = (description: string) =>
        `name: ridge\ntype: custom_model\npath: https://example.com/models/ridge-${description}.onnx\n`;
      const one = await client.apply('dev', { fileName: 'm.yml', text: modelYaml('a'), kind: 'model' });
      const oneAgain = await client.apply('dev', { fileName: 'm.yml', text: modelYaml('a'), kind: 'model' });
      const two = await client.apply('dev', { fileName: 'm.yml', text: modelYaml('b'), kind: 'model' });
      assert.deepEqual([one.version, oneAgain.action, two.version], ['1', 'unchanged', '2']);
      assert.ok(one.notes.some((note) => /reference, not fetched/.test(note.message)));
      assert.equal((await client.resolve('dev', 'model', 'ridge@latest')).version, '2');
      assert.equal((await client.resolve('dev', 'model', 'azureml:ridge:1')).version, '1');
      assert.equal((await client.resolve('dev', 'model', 'azureml:ridge@latest')).version, '2');
      assert.equal((await client.get('dev', 'model', 'ridge', 'latest')).version, '2');
      const missing = await rejection(client.resolve('dev', 'model', 'ridge:9'));
      assert.equal(missing.status, 404);
      const bad = await rejection(client.resolve('dev', 'model', 'ridge@newest'));
      assert.equal(bad.status, 400);
    });

    // The tests below that change a resource make their own (cpu-cluster is the apply test's, which counts its audit records).
    it('guards updates with the etag: a stale one is 412, none is 428, and neither changes anything', async () => {
      await client.apply('dev', { fileName: 'compute.yml', text: computeYaml(4, 'etag-cluster') });
      const current = await client.get('dev', 'compute', 'etag-cluster', null);
      const updated = await client.patch('dev', 'compute', 'etag-cluster', null, { tags: { owner: 'alice' } }, current.etag);
      assert.deepEqual(updated.tags, { owner: 'alice' });
      const stale = await rejection(client.patch('dev', 'compute', 'etag-cluster', null, { tags: { owner: 'bob' } }, current.etag));
      assert.equal(stale.status, 412);
      assert.equal(stale.code, 'EtagMismatch');
      const response = await fetch(`${trellis.url}/api/v1/workspaces/dev/computes/etag-cluster`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tags: { owner: 'carol' } }),
      });
      assert.equal(response.status, 428);
      assert.deepEqual((await client.get('dev', 'compute', 'etag-cluster', null)).tags, { owner: 'alice' });
    });

    it('changes a compute spec through PATCH with validation, and refuses a spec change on an asset version', async () => {
      await client.apply('dev', { fileName: 'compute.yml', text: computeYaml(4, 'patch-cluster') });
      const current = await client.get('dev', 'compute', 'patch-cluster', null);
      const updated = await client.patch('dev', 'compute', 'patch-cluster', null, { spec: { max_instances: 2 } }, current.etag);
      assert.equal(updated.spec.max_instances, 2);
      const invalid = await rejection(client.patch('dev', 'compute', 'patch-cluster', null, { spec: { max_instances: -1 } }, updated.etag));
      assert.equal(invalid.status, 422);
      await client.apply('dev', {
        fileName: 'm.yml',
        text: 'name: patch-model\ntype: custom_model\npath: https://example.com/models/patch.onnx\n',
        kind: 'model',
      });
      const model = await client.get('dev', 'model', 'patch-model', '1');
      const immutable = await rejection(
        client.patch('dev', 'model', 'patch-model', '1', { spec: { path: 'https://elsewhere' } }, model.etag),
      );
      assert.equal(immutable.status, 409);
      assert.equal(immutable.code, 'AssetVersionImmutable');
    });

    it('pages lists with tokens and filters them by tag', async () => {
      for (let i = 0; i < 7; i++) {
        await client.apply('dev', {
          fileName: 'c.yml',
          text: `name: page-${i}\ntype: amlcompute\nmax_instances: 1\ntags:\n  parity: ${i % 2 ? 'odd' : 'even'}\n`,
          kind: 'compute',
        });
      }
      const names: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await client.list('dev', 'compute', { tag: ['parity=even'], limit: 2, ...(pageToken ? { pageToken } : {}) });
        names.push(...page.items.map((r) => r.name));
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken);
      assert.deepEqual(names, ['page-0', 'page-2', 'page-4', 'page-6']);
      const badToken = await rejection(client.list('dev', 'compute', { pageToken: 'nonsense' }));
      assert.equal(badToken.status, 400);
    });

    it('never shows one workspace the resources of another', async () => {
      assert.equal((await client.list('default', 'compute')).items.length, 0);
      const error = await rejection(client.get('default', 'compute', 'cpu-cluster', null));
      assert.equal(error.status, 404);
      const missing = await rejection(client.list('nowhere', 'model'));
      assert.equal(missing.code, 'WorkspaceNotFound');
    });

    it('answers 413 to a 200 MB body and keeps serving', async () => {
      const status = await new Promise<number>((resolveStatus, reject) => {
        const url = new URL(`${trellis.url}/api/v1/workspaces/dev/apply`);
        const req = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': String(200 * 1024 * 1024) },
          },
          (res) => {
            res.resume();
            resolveStatus(res.statusCode ?? 0);
          },
        );
        // An error before any answer means the 413 was lost to a reset: a failure, not a hang.
        req.on('error', reject);
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 200) {
            sent++;
            if (!req.write(chunk)) return req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      assert.equal(status, 413);
      assert.deepEqual(await client.health(), { status: 'ok' });
    });

    it('answers unknown routes and malformed JSON with problem+json, never a stack trace', async () => {
      const unknown = await fetch(`${trellis.url}/api/v1/nothing-here`);
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as { code: string }).code, 'RouteNotFound');
      const malformed = await fetch(`${trellis.url}/api/v1/workspaces/dev/apply`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text": ',
      });
      assert.equal(malformed.status, 400);
      const body = await malformed.text();
      assert.doesNotMatch(body, /at .*\.js:\d+/);
      assert.equal((JSON.parse(body) as { code: string }).code, 'MalformedJson');
    });

    it('deletes with audit, and refuses to delete a workspace that still holds resources', async () => {
      // Two versions of a model of its own; the first goes.
      for (const path of ['a', 'b'])
        await client.apply('dev', {
          fileName: 'm.yml',
          text: `name: doomed\ntype: custom_model\npath: https://example.com/models/doomed-${path}.onnx\n`,
          kind: 'model',
        });
      const deleted = await client.delete('dev', 'model', 'doomed', '1');
      assert.equal(deleted.version, '1');
      assert.equal((await client.resolve('dev', 'model', 'doomed@latest')).version, '2');
      const audit = await client.audit('dev', { kind: 'model', name: 'doomed' });
      assert.equal(audit.items[0]?.action, 'delete');
      assert.equal(audit.items[0]?.afterDigest, null);
      const notEmpty = await rejection(client.deleteWorkspace('dev'));
      assert.equal(notEmpty.status, 409);
    });
  });
}
