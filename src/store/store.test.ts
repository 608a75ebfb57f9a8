import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from '../../test/support/databases.js';
import { parseBatchDeployment, parseOnlineDeployment } from '../core/azureml/parse-endpoint-file.js';
import type { ResourceDraft } from '../core/resources/resource.js';
import { Store } from './store.js';

const now = '2026-11-25T00:00:00.000Z';

function modelDraft(name: string, version: string, tags: Record<string, string> = {}): ResourceDraft {
  return {
    kind: 'model',
    workspace: 'dev',
    name,
    version,
    spec: { type: 'custom_model', path: `p/${name}/${version}` },
    status: {},
    tags,
    description: null,
  };
}

for (const dialect of testDialects()) {
  describe(`store on ${dialect}`, () => {
    let home: string;
    let database: TestDatabase;
    let store: Store;

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'trellis-store-'));
      database = await createTestDatabase(dialect);
      store = Store.open({ home, databaseUrl: database.url });
      await store.migrate();
      await store.repositories.workspaces.insert({ name: 'dev', spec: {}, status: {}, tags: {}, description: null }, 'tester', now);
      await store.repositories.workspaces.insert({ name: 'prod', spec: {}, status: {}, tags: {}, description: null }, 'tester', now);
    });

    after(async () => {
      await store.close();
      await database.drop();
      await rm(home, { recursive: true, force: true });
    });

    it('reports ready with every migration applied, and migrating again changes nothing', async () => {
      assert.deepEqual(await store.migrate(), []);
      const readiness = await store.readiness();
      assert.equal(readiness.database, true);
      assert.equal(readiness.migrationsApplied, readiness.migrationsExpected);
      assert.ok(readiness.migrationsExpected >= 1);
    });

    it('inserts and reads back a resource with audit fields and an etag', async () => {
      const created = await store.repositories.resources.insert(modelDraft('iris', '1', { team: 'a' }), 'alice', now);
      assert.equal(created.createdBy, 'alice');
      assert.equal(created.version, '1');
      assert.match(created.etag, /^1-[0-9a-f]{16}$/);
      const read = await store.repositories.resources.get({ workspace: 'dev', kind: 'model', name: 'iris', version: '1' });
      assert.deepEqual(read, created);
    });

    it('refuses a duplicate version with ResourceAlreadyExists', async () => {
      await assert.rejects(store.repositories.resources.insert(modelDraft('iris', '1'), 'bob', now), {
        code: 'ResourceAlreadyExists',
        status: 409,
      });
    });

    it('refuses a resource in a workspace that does not exist', async () => {
      await assert.rejects(store.repositories.resources.insert({ ...modelDraft('x', '1'), workspace: 'nope' }, 'bob', now), {
        code: 'WorkspaceNotFound',
        status: 404,
      });
    });

    it('resolves the latest version as the one created last', async () => {
      await store.repositories.resources.insert(modelDraft('iris', '10'), 'alice', now);
      await store.repositories.resources.insert(modelDraft('iris', '2'), 'alice', now);
      const latest = await store.repositories.resources.getLatest('dev', 'model', 'iris');
      assert.equal(latest?.version, '2');
      assert.deepEqual(await store.repositories.resources.listVersions('dev', 'model', 'iris'), ['1', '10', '2']);
    });

    it('updates only with the current etag; a stale etag is 412 and changes nothing', async () => {
      const key = { workspace: 'dev', kind: 'model' as const, name: 'iris', version: '1' };
      const before = await store.repositories.resources.get(key);
      assert.ok(before);
      const updated = await store.repositories.resources.update(key, { tags: { team: 'b' } }, now, before.etag);
      assert.notEqual(updated.etag, before.etag);
      assert.deepEqual(updated.tags, { team: 'b' });
      await assert.rejects(store.repositories.resources.update(key, { tags: { team: 'c' } }, now, before.etag), {
        code: 'EtagMismatch',
        status: 412,
      });
      assert.deepEqual((await store.repositories.resources.get(key))?.tags, { team: 'b' });
    });

    it('lists with tag filters and keyset pages that cover every row once', async () => {
      for (let i = 0; i < 25; i++) {
        await store.repositories.resources.insert(
          modelDraft(`m${String(i).padStart(2, '0')}`, '1', { parity: i % 2 === 0 ? 'even' : 'odd' }),
          'alice',
          now,
        );
      }
      const seen: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await store.repositories.resources.list({
          workspace: 'dev',
          kind: 'model',
          tags: [{ key: 'parity', value: 'even' }],
          limit: 4,
          pageToken,
        });
        assert.ok(page.items.length <= 4);
        seen.push(...page.items.map((r) => r.name));
        pageToken = page.nextPageToken ?? undefined;
      } while (pageToken);
      assert.deepEqual(
        seen,
        Array.from({ length: 13 }, (_, i) => `m${String(i * 2).padStart(2, '0')}`),
      );
      const anyParity = await store.repositories.resources.list({ workspace: 'dev', kind: 'model', tags: [{ key: 'parity' }], limit: 100 });
      assert.equal(anyParity.items.length, 25);
    });

    it('lists one row per name with latestOnly, and versions newest first by name', async () => {
      const latest = await store.repositories.resources.list({ workspace: 'dev', kind: 'model', latestOnly: true, limit: 100 });
      assert.equal(latest.items.find((r) => r.name === 'iris')?.version, '2');
      assert.equal(latest.items.filter((r) => r.name === 'iris').length, 1);
      const versions = await store.repositories.resources.list({ workspace: 'dev', kind: 'model', name: 'iris', limit: 100 });
      assert.deepEqual(
        versions.items.map((r) => r.version),
        ['2', '10', '1'],
      );
    });

    it('keeps workspaces apart', async () => {
      const inProd = await store.repositories.resources.list({ workspace: 'prod', kind: 'model', limit: 100 });
      assert.equal(inProd.items.length, 0);
      assert.equal(await store.repositories.resources.get({ workspace: 'prod', kind: 'model', name: 'iris', version: '1' }), undefined);
    });

    it('rolls back every write of a failed transaction', async () => {
      await assert.rejects(
        store.transaction(async (repos) => {
          await repos.resources.insert(modelDraft('rolled-back', '1'), 'alice', now);
          await repos.audit.append({
            workspace: 'dev',
            at: now,
            actor: 'alice',
            action: 'create',
            kind: 'model',
            name: 'rolled-back',
            version: '1',
            beforeDigest: null,
            afterDigest: 'x',
            requestId: null,
            summary: null,
          });
          await repos.resources.insert(modelDraft('rolled-back', '1'), 'alice', now);
        }),
        { code: 'ResourceAlreadyExists' },
      );
      assert.equal(
        await store.repositories.resources.get({ workspace: 'dev', kind: 'model', name: 'rolled-back', version: '1' }),
        undefined,
      );
      const audit = await store.repositories.audit.list({ workspace: 'dev', name: 'rolled-back', limit: 10 });
      assert.equal(audit.items.length, 0);
    });

    it('deletes with an etag check and refuses to delete a workspace that is not empty', async () => {
      const key = { workspace: 'dev', kind: 'model' as const, name: 'm00', version: '1' };
      await assert.rejects(store.repositories.resources.delete(key, 'stale'), { code: 'EtagMismatch' });
      const deleted = await store.repositories.resources.delete(key);
      assert.equal(deleted.name, 'm00');
      assert.equal(await store.repositories.resources.get(key), undefined);
      await assert.rejects(store.repositories.workspaces.delete('dev'), { code: 'WorkspaceNotEmpty', status: 409 });
    });

    it('rejects a malformed page token with 400', async () => {
      await assert.rejects(store.repositories.resources.list({ workspace: 'dev', kind: 'model', limit: 5, pageToken: 'garbage!' }), {
        code: 'InvalidPageToken',
        status: 400,
      });
    });
    it('types deployments by their endpoint type: one endpoint, or all endpoints of a type', async () => {
      const endpoint = <Type extends 'online' | 'batch'>(name: string, type: Type) => ({
        workspace: 'dev',
        name,
        type,
        description: null,
        tags: {},
        authMode: 'key' as const,
        traffic: {},
        mirrorTraffic: {},
        defaultDeployment: null,
        compute: null,
        state: 'Succeeded' as const,
        createdBy: 'tester',
        createdAt: 1,
        updatedAt: 1,
        etag: 'e',
      });
      const online = endpoint('typed-online', 'online');
      const batch = endpoint('typed-batch', 'batch');
      await store.repositories.endpoints.insertEndpoint(online);
      await store.repositories.endpoints.insertEndpoint(batch);
      const deployment = {
        state: 'Succeeded' as const,
        reason: null,
        instanceCount: 1,
        createdBy: 'tester',
        createdAt: 1,
        updatedAt: 1,
        etag: 'e',
      };
      const lineage = { model: null, environment: null, code: null, deployedBy: 'tester', deployedAt: 1 };
      await store.repositories.endpoints.insertDeployment({
        ...deployment,
        workspace: 'dev',
        endpoint: online.name,
        name: 'blue',
        spec: parseOnlineDeployment(
          `name: blue\nendpoint_name: ${online.name}\nmodel: azureml:iris:1\ninstance_type: Standard_DS3_v2\ninstance_count: 1\n`,
          'blue.yml',
        ).spec,
        lineage,
      });
      await store.repositories.endpoints.insertDeployment({
        ...deployment,
        workspace: 'dev',
        endpoint: batch.name,
        name: 'score',
        spec: parseBatchDeployment(
          `name: score\nendpoint_name: ${batch.name}\nmodel: azureml:iris:1\ncompute: azureml:cpu-cluster\n`,
          'score.yml',
        ).spec,
        lineage,
      });
      const found = await store.repositories.endpoints.getDeploymentOf(batch, 'score');
      assert.equal(found?.spec.compute, 'azureml:cpu-cluster');
      assert.equal(await store.repositories.endpoints.getDeploymentOf(online, 'score'), undefined);
      const onlineOnes = await store.repositories.endpoints.allDeploymentsOf('online');
      assert.deepEqual(
        onlineOnes.map((item) => `${item.endpoint}/${item.name}`),
        ['typed-online/blue'],
      );
      assert.equal(onlineOnes[0]?.spec.instance_count, 1);
    });

    it('commits grouped calls together and rolls back only the one that failed', async () => {
      const experimentId = await store.repositories.experiments.create('dev', 'grouped', (id) => `file:///tmp/${id}`, [], Date.parse(now));
      const runs = ['a', 'b', 'c'].map((name) => `grouped${name}${dialect}`.padEnd(32, '0'));
      await store.transaction(async (repositories) => {
        for (const runId of runs)
          await repositories.runs.create({
            runId,
            workspace: 'dev',
            experimentId,
            runName: runId,
            userId: 'tester',
            startTime: 1,
            artifactUri: 'file:///tmp/a',
            tags: [],
          });
      });
      const log = (runId: string, fail: boolean) =>
        store.groupedTransaction(async (repositories) => {
          await repositories.runs.logMetrics(runId, [{ key: 'loss', value: 0.5, timestamp: 2, step: 1 }]);
          await repositories.runs.logParams(runId, [{ key: 'lr', value: '0.1' }]);
          await repositories.runs.setTags(runId, [{ key: 'team', value: 'x' }]);
          if (fail) throw new Error('refused');
          return runId;
        });
      const outcomes = await Promise.allSettled([log(runs[0]!, false), log(runs[1]!, true), log(runs[2]!, false)]);
      assert.deepEqual(
        outcomes.map((outcome) => outcome.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      for (const [index, runId] of runs.entries()) {
        const run = await store.repositories.runs.get('dev', runId);
        const kept = index !== 1;
        assert.deepEqual(
          run?.data.metrics.map((metric) => [metric.key, metric.value, metric.step]),
          kept ? [['loss', 0.5, 1]] : [],
        );
        assert.deepEqual(run?.data.params, kept ? [{ key: 'lr', value: '0.1' }] : []);
        assert.equal(
          run?.data.tags.some((tag) => tag.key === 'team'),
          kept,
        );
        assert.equal((await store.repositories.runs.metricHistory(runId, 'loss', 10, 0)).length, kept ? 1 : 0);
      }
    });
  });
}

describe('the store inside a transaction on SQLite', () => {
  it('refuses its own repositories there (they would wait forever for the connection the transaction holds), and serves them after', async () => {
    const home = await mkdtemp(join(tmpdir(), 'trellis-store-guard-'));
    const store = Store.open({ home });
    try {
      await store.migrate();
      const inside = store.transaction(async (repositories) => {
        await repositories.workspaces.get('default');
        return store.repositories.workspaces.get('default');
      });
      const settled = await Promise.race([
        inside.then(
          () => 'answered',
          (error: Error & { code?: string }) => error.code,
        ),
        new Promise((resolve) => setTimeout(() => resolve('deadlocked'), 5000)),
      ]);
      assert.equal(settled, 'StoreUsedInsideTransaction');
      assert.equal(await store.repositories.workspaces.get('nothing'), undefined, 'after the transaction the store answers');
    } finally {
      await store.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
