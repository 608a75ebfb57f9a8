import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase, testDialects } from '../../test/support/databases.js';
import { parseRunOrderBy } from '../core/tracking/order-by.js';
import { parseRunFilter } from '../core/tracking/run-filter.js';
import { Store } from './store.js';

/**
 * The runs of the experiment: name → latest metrics, params and tags. `r5` has no `acc`, `r6`'s is
 * NaN, `r7` has an infinite one: neither of the first two matches a comparison of `acc` nor sorts by it.
 */
const runs: Record<string, { metrics: Record<string, number>; params: Record<string, string>; tags: Record<string, string> }> = {
  r1: { metrics: { acc: 0.9, loss: 0.1 }, params: { lr: '0.01', model: 'cnn' }, tags: { team: 'vision' } },
  r2: { metrics: { acc: 0.7, loss: 0.3 }, params: { lr: '0.1', model: 'cnn' }, tags: { team: 'speech' } },
  r3: { metrics: { acc: 0.8, loss: 0.2 }, params: { lr: '0.01', model: 'rnn' }, tags: { team: 'vision' } },
  r4: { metrics: { acc: 0.4, loss: 0.6 }, params: { lr: '0.01', model: 'mlp' }, tags: {} },
  r5: { metrics: { loss: 0.5 }, params: { lr: '0.01' }, tags: { team: 'vision' } },
  r6: { metrics: { acc: Number.NaN }, params: { lr: '0.001', model: 'cnn' }, tags: { team: 'speech' } },
  r7: { metrics: { acc: Number.POSITIVE_INFINITY, loss: Number.NEGATIVE_INFINITY }, params: { model: 'big' }, tags: { team: 'x' } },
};

/** Filter and order → the runs found, in order. Each orders by a key its filter compares too, or by one it does not. */
const searches: Array<[string, string[], string[]]> = [
  ['metrics.acc > 0.5', ['metrics.acc DESC'], ['r7', 'r1', 'r3', 'r2']],
  ['metrics.acc > 0.5 and metrics.acc < 0.85', ['metrics.acc ASC'], ['r2', 'r3']],
  ["metrics.acc > 0.5 and params.lr = '0.01'", ['metrics.acc DESC'], ['r1', 'r3']],
  ["params.lr = '0.01'", ['metrics.acc DESC'], ['r1', 'r3', 'r4', 'r5']],
  ["params.model LIKE 'c%'", ['params.model ASC', 'metrics.loss ASC'], ['r1', 'r2', 'r6']],
  ["params.model ILIKE '%N'", ['params.model DESC', 'metrics.acc DESC'], ['r3', 'r1', 'r2', 'r6']],
  ["tags.team != 'speech'", ['tags.team ASC', 'metrics.acc ASC'], ['r3', 'r1', 'r5', 'r7']],
  ['metrics.loss <= 0.2', ['metrics.loss DESC', 'params.lr ASC'], ['r3', 'r1', 'r7']],
  ['metrics.acc != 0.7', ['metrics.acc ASC'], ['r4', 'r3', 'r1', 'r7']],
  ['', ['metrics.acc DESC'], ['r7', 'r1', 'r3', 'r2', 'r4', 'r6', 'r5']],
];

for (const dialect of testDialects()) {
  describe(`run search SQL on ${dialect}`, () => {
    let home: string;
    let database: TestDatabase;
    let store: Store;
    let experimentId: string;
    const ids = new Map<string, string>();

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'trellis-run-search-'));
      database = await createTestDatabase(dialect);
      store = Store.open({ home, databaseUrl: database.url });
      await store.migrate();
      await store.repositories.workspaces.insert(
        { name: 'dev', spec: {}, status: {}, tags: {}, description: null },
        'tester',
        '2026-12-08T00:00:00.000Z',
      );
      const { experiments, runs: repository } = store.repositories;
      experimentId = await experiments.create('dev', 'search', (id) => `file:///tmp/${id}`, [], 1);
      let startTime = 1000;
      for (const [name, run] of Object.entries(runs)) {
        const runId = `run-${name}`;
        ids.set(runId, name);
        await repository.create({
          runId,
          workspace: 'dev',
          experimentId,
          runName: name,
          userId: 'alice',
          startTime: startTime++,
          artifactUri: `file:///tmp/${name}`,
          tags: Object.entries(run.tags).map(([key, value]) => ({ key, value })),
        });
        await repository.logMetrics(
          runId,
          Object.entries(run.metrics).map(([key, value]) => ({ key, value, timestamp: 5, step: 0 })),
        );
        await repository.logParams(
          runId,
          Object.entries(run.params).map(([key, value]) => ({ key, value })),
        );
      }
    });

    after(async () => {
      await store?.close();
      await database?.drop();
      await rm(home, { recursive: true, force: true });
    });

    for (const [filter, orderBy, expected] of searches) {
      it(`finds ${expected.join(', ') || 'nothing'} for '${filter}' ordered by ${orderBy.join(', ')}`, async () => {
        const found = await store.repositories.runs.search({
          workspace: 'dev',
          experimentIds: [experimentId],
          lifecycleStages: ['active'],
          filter: parseRunFilter(filter),
          orderBy: parseRunOrderBy(orderBy),
          limit: 100,
          offset: 0,
        });
        assert.deepEqual(
          found.map((info) => ids.get(info.run_id)),
          expected,
        );
      });
    }

    it("reads each run's latest metrics, params and tags in key order, non-finite values included", async () => {
      const infos = await store.repositories.runs.search({
        workspace: 'dev',
        experimentIds: [experimentId],
        lifecycleStages: ['active'],
        filter: [],
        orderBy: parseRunOrderBy(['attributes.run_name ASC']),
        limit: 100,
        offset: 0,
      });
      const read = await store.repositories.runs.withData(infos);
      assert.equal(read.length, Object.keys(runs).length);
      for (const run of read) {
        const name = ids.get(run.info.run_id) ?? '';
        const seeded = runs[name];
        assert.ok(seeded, name);
        const sorted = <T>(entries: Array<[string, T]>) => entries.sort(([a], [b]) => (a < b ? -1 : 1));
        assert.deepEqual(
          run.data.metrics.map((m) => [m.key, m.value, m.timestamp, m.step]),
          sorted(Object.entries(seeded.metrics)).map(([key, value]) => [key, value, 5, 0]),
          name,
        );
        assert.deepEqual(
          run.data.params,
          sorted(Object.entries(seeded.params)).map(([key, value]) => ({ key, value })),
        );
        const tags = run.data.tags.filter((tag) => !tag.key.startsWith('mlflow.'));
        assert.deepEqual(
          tags,
          sorted(Object.entries(seeded.tags)).map(([key, value]) => ({ key, value })),
        );
        assert.deepEqual(run.inputs, { dataset_inputs: [], model_inputs: [] });
        assert.deepEqual(run.outputs, { model_outputs: [] });
      }
    });
  });
}
