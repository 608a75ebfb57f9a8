import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { once } from './support/once.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

for (const dialect of testDialects()) {
  describe(`trellis CLI against a live server on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    let work: string;
    const cli = (...args: string[]) => runCli(args, { url: trellis.url, cwd: work });
    /**
     * The README's first steps: workspace team-a, and every example applied into it. Done once, by the first test that needs
     * team-a (the README test checks how it went); the other tests read team-a and change nothing in it.
     */
    const teamA = once(async () => ({
      created: await cli('workspace', 'create', '--name', 'team-a'),
      applied: await cli('apply', '-f', 'examples', '-w', 'team-a'),
    }));

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
      work = await mkdtemp(join(tmpdir(), 'trellis-cli-'));
      await cp(join(repositoryRoot, 'examples'), join(work, 'examples'), { recursive: true });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await rm(work, { recursive: true, force: true });
      await database.drop();
    });

    it('walks through the README: workspace, then every example applied, listed and audited', async () => {
      const { created, applied } = await teamA();
      assert.equal(created.code, 0, created.stderr);
      assert.equal(applied.code, 0, applied.stderr);
      assert.match(applied.stdout, /compute\s+cpu-cluster\s+-\s+created/);
      assert.match(applied.stdout, /data\s+iris\s+1\s+created/);
      assert.match(applied.stdout, /model\s+iris-classifier\s+1\s+created/);
      assert.match(applied.stdout, /environment\s+sklearn-env\s+1\s+created/);
      assert.match(applied.stdout, /workspace\s+dev\s+-\s+created/);
      assert.match(applied.stdout, /recorded, no local effect/);
      assert.match(applied.stderr, /uploaded .*iris\.csv/);

      const again = await cli('apply', '-f', 'examples', '-w', 'team-a');
      assert.equal(again.code, 0, again.stderr);
      assert.doesNotMatch(again.stdout, /created|updated/);
      assert.equal((again.stdout.match(/unchanged/g) ?? []).length, 5);

      const models = await cli('model', 'list', '-w', 'team-a');
      assert.match(models.stdout, /iris-classifier\s+1\s+model\s+custom_model\s+task=classification/);
      const audit = await cli('audit', '-w', 'team-a');
      assert.equal(audit.code, 0, audit.stderr);
      // team-a's own creation, then the four resources applied into it (the dev workspace file audits under dev).
      assert.equal((audit.stdout.match(/ create /g) ?? []).length, 5);
      assert.match(audit.stdout, /user:\S+\s+create\s+compute\s+cpu-cluster/);
    });

    it('prints exactly what the REST API returns with -o json, and YAML with -o yaml', async () => {
      await teamA();
      const json = await cli('model', 'show', '--name', 'iris-classifier', '-w', 'team-a', '-o', 'json');
      assert.equal(json.code, 0, json.stderr);
      const resource = JSON.parse(json.stdout) as Record<string, unknown>;
      const fromApi = await trellis.client.get('team-a', 'model', 'iris-classifier', '1');
      assert.deepEqual(resource, fromApi);
      const yaml = await cli('get', 'model', 'azureml:iris-classifier@latest', '-w', 'team-a', '-o', 'yaml');
      assert.match(yaml.stdout, /^kind: model$/m);
      assert.match(yaml.stdout, /path: trellis:\/\/folders\/sha256:[0-9a-f]{64}/);
    });

    it('inlines the conda file into the environment, as Azure ML does', async () => {
      await teamA();
      const env = await trellis.client.get('team-a', 'environment', 'sklearn-env', '1');
      const conda = env.spec.conda_file as { dependencies: unknown[] };
      assert.ok(Array.isArray(conda.dependencies));
      assert.ok(JSON.stringify(conda).includes('scikit-learn==1.5.2'));
    });

    it('lists every problem of every file with its line, and writes nothing', async () => {
      await teamA();
      await writeFile(join(work, 'bad-compute.yml'), 'name: bad\ntype: amlcompute\nmin_instances: two\nmax_nodes: 4\n');
      await writeFile(
        join(work, 'bad-model.yml'),
        '$schema: https://azuremlschemas.azureedge.net/latest/model.schema.json\nname: orphan\npath: ./missing-model.pkl\n',
      );
      const before = await trellis.client.audit('team-a', { limit: 1000 });
      const result = await cli('apply', '-f', 'bad-compute.yml', '-w', 'team-a');
      assert.equal(result.code, 1);
      assert.match(result.stderr, /bad-compute\.yml:3: min_instances/);
      assert.match(result.stderr, /bad-compute\.yml:4: max_nodes/);
      const missing = await cli('model', 'create', '--file', 'bad-model.yml', '-w', 'team-a');
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /bad-model\.yml:3: path: local path '\.\/missing-model\.pkl' does not exist/);
      const after = await trellis.client.audit('team-a', { limit: 1000 });
      assert.equal(after.items.length, before.items.length);
    });

    it('refuses a file of another kind under `<kind> create`', async () => {
      await teamA();
      const result = await cli('model', 'create', '--file', 'examples/compute.yml', '-w', 'team-a');
      assert.equal(result.code, 1);
      assert.match(result.stderr, /model|kind/);
    });

    it('updates tags through the etag, and deletes a version', async () => {
      // It changes what it works on: its own workspace, with the example model and data in it (not the workspace file: dev is
      // the README test's to create).
      assert.equal((await cli('workspace', 'create', '--name', 'team-edit')).code, 0);
      for (const file of ['examples/model/model.yml', 'examples/data/iris.yml']) {
        const applied = await cli('apply', '-f', file, '-w', 'team-edit');
        assert.equal(applied.code, 0, applied.stderr);
      }
      const update = await cli('model', 'update', '--name', 'iris-classifier', '--set', 'tags.stage=prod', '-w', 'team-edit');
      assert.equal(update.code, 0, update.stderr);
      assert.equal((await trellis.client.get('team-edit', 'model', 'iris-classifier', '1')).tags.stage, 'prod');
      const refused = await cli('model', 'update', '--name', 'iris-classifier', '--set', 'path=elsewhere', '-w', 'team-edit');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /immutable/);
      const removed = await cli('delete', 'data', 'iris:1', '-w', 'team-edit');
      assert.equal(removed.code, 0, removed.stderr);
      assert.match(removed.stdout, /deleted data iris:1/);
    });

    it('says in one line that the server is down, with no stack trace', async () => {
      // A port that was free a moment ago: nothing listens there.
      const port = await new Promise<number>((resolvePort) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const { port: free } = probe.address() as AddressInfo;
          probe.close(() => resolvePort(free));
        });
      });
      const result = await runCli(['workspace', 'list'], { url: `http://127.0.0.1:${port}` });
      assert.equal(result.code, 3);
      assert.equal(result.stderr.trim().split('\n').length, 1);
      assert.match(result.stderr, new RegExp(`cannot reach Trellis at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\).*trellis up`));
    });
  });
}
