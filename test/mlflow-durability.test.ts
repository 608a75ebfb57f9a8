import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestDatabase, testDialects } from './support/databases.js';
import { removeHome, startTrellis } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

const writers = 4;
const pointsPerBatch = 200;

async function mlflow<T>(base: string, path: string, body: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}/api/2.0/mlflow/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/**
 * Writers stream log-batch calls while the server is killed with SIGKILL in the middle of them.
 * Every batch the server acknowledged (200) must be there in full after a restart; a batch cut
 * off by the kill may be there in full or not at all, never in part.
 */
for (const dialect of testDialects()) {
  describe(`MLflow log-batch durability on ${dialect}`, () => {
    it('keeps every acknowledged metric across kill -9 in the middle of a stream of log-batch calls', async () => {
      const database = await createTestDatabase(dialect);
      const first = await startTrellis({ databaseUrl: database.url });
      const experiment = await mlflow<{ experiment_id: string }>(first.url, 'experiments/create', { name: 'kill-9' });
      const runIds: string[] = [];
      for (let i = 0; i < writers; i++) {
        const created = await mlflow<{ run: { info: { run_id: string } } }>(first.url, 'runs/create', {
          experiment_id: experiment.body.experiment_id,
          start_time: Date.now(),
        });
        runIds.push(created.body.run.info.run_id);
      }

      const acknowledged = runIds.map(() => [] as number[]);
      const sent = runIds.map(() => [] as number[]);
      let killed = false;
      const writer = async (index: number) => {
        for (let batch = 0; !killed; batch++) {
          const metrics = Array.from({ length: pointsPerBatch }, (_, i) => ({
            key: 'loss',
            value: batch + i / 1000,
            timestamp: 1_700_000_000_000 + batch,
            step: batch * pointsPerBatch + i,
          }));
          sent[index]!.push(batch);
          try {
            const result = await mlflow(first.url, 'runs/log-batch', { run_id: runIds[index], metrics });
            if (result.status === 200) acknowledged[index]!.push(batch);
            else assert.fail(`log-batch answered ${result.status}: ${JSON.stringify(result.body)}`);
          } catch (error) {
            if (!killed) throw error;
          }
        }
      };
      const streams = runIds.map((_, index) => writer(index));
      // Let the stream run until there is a good number of acknowledgements, then pull the plug.
      await waitFor(() => acknowledged.reduce((sum, list) => sum + list.length, 0), {
        what: '40 acknowledged log-batch calls',
        until: (count) => count >= 40,
        timeoutMs: 60_000,
        intervalMs: 20,
      });
      killed = true;
      await first.stop('SIGKILL');
      await Promise.all(streams);
      assert.equal(first.child.signalCode, 'SIGKILL');

      const second = await startTrellis({ databaseUrl: database.url, home: first.home });
      try {
        for (const [index, runId] of runIds.entries()) {
          const history = await fetch(`${second.url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=loss`);
          assert.equal(history.status, 200);
          const points = ((await history.json()) as { metrics?: Array<{ step: number }> }).metrics ?? [];
          const batchesStored = new Map<number, number>();
          for (const point of points) {
            const batch = Math.floor(point.step / pointsPerBatch);
            batchesStored.set(batch, (batchesStored.get(batch) ?? 0) + 1);
          }
          for (const batch of acknowledged[index]!)
            assert.equal(batchesStored.get(batch), pointsPerBatch, `acknowledged batch ${batch} of writer ${index} is not all there`);
          for (const [batch, count] of batchesStored) {
            assert.equal(
              count,
              pointsPerBatch,
              `batch ${batch} of writer ${index} is there in part (${count} of ${pointsPerBatch} points)`,
            );
            assert.ok(sent[index]!.includes(batch), `batch ${batch} was never sent`);
          }
          // At most the one batch in flight at the kill may have landed without its acknowledgement.
          assert.ok(batchesStored.size - acknowledged[index]!.length <= 1);
        }
      } finally {
        await second.stop();
        await removeHome(first.home);
        await database.drop();
      }
    });
  });
}
