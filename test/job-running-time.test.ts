import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { finished, waitForJob } from './support/jobs.js';

const environmentCache = join(repositoryRoot, '.cache', 'environments');
const spotCluster =
  'name: spot-cluster\ntype: amlcompute\nsize: Standard_DS3_v2\ntier: low_priority\nmin_instances: 0\nmax_instances: 1\nidle_time_before_scale_down: 2\n';
const job = 'command: sleep 2\nenvironment:\n  image: library/python:latest\ncompute: azureml:spot-cluster\n';

for (const dialect of testDialects()) {
  describe(`a job's running time over attempts on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({
        databaseUrl: database.url,
        env: { TRELLIS_ENV_CACHE: environmentCache, TRELLIS_JOB_TICK_MS: '200', TRELLIS_JOB_GRACE_SECONDS: '1' },
      });
      await trellis.client.apply('default', { fileName: 'compute.yml', text: spotCluster, kind: 'compute' });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    it('shows the total over an evicted attempt and its resumed one, and each attempt, not the last attempt alone', async () => {
      const submitted = await trellis.client.submitJob('default', { fileName: 'job.yml', text: job, uploads: {}, inlined: {} });
      await waitForJob(trellis.client, submitted.name, (current) => current.state === 'Running', 120_000);
      // Part of what is measured: the first attempt runs for 1.5 s before its eviction (asserted as >= 1.4 s below).
      await sleep(1_500);
      assert.equal((await trellis.client.evict('default', 'spot-cluster')).evicted.length, 1);
      const ended = await waitForJob(trellis.client, submitted.name, finished, 120_000);
      assert.equal(ended.state, 'Completed', ended.reason ?? '');
      assert.equal(ended.attempt, 2);

      const time = ended.runningTime;
      assert.ok(time, 'GET job has runningTime');
      assert.deepEqual(
        time.attempts.map((attempt) => [attempt.attempt, attempt.endedAs]),
        [
          [1, 'Queued'],
          [2, 'Completed'],
        ],
      );
      assert.ok(time.attempts[0]!.seconds >= 1.4, JSON.stringify(time));
      assert.ok(time.attempts[1]!.seconds >= 1.9, JSON.stringify(time));
      assert.ok(Math.abs(time.seconds - time.attempts[0]!.seconds - time.attempts[1]!.seconds) < 1e-9);
      // The old answer, the last attempt's startedAt..endedAt, is the second attempt alone.
      assert.ok(
        time.seconds > (ended.endedAt! - ended.startedAt!) / 1000 + 1.4,
        JSON.stringify({ time, startedAt: ended.startedAt, endedAt: ended.endedAt }),
      );

      const shown = await runCli(['job', 'show', '--name', submitted.name], { url: trellis.url });
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(
        shown.stdout,
        new RegExp(
          `duration: +${time.seconds.toFixed(1)} s over 2 attempts \\(${time.attempts[0]!.seconds.toFixed(1)} s until requeued, ${time.attempts[1]!.seconds.toFixed(1)} s\\)`,
        ),
        shown.stdout,
      );
    });
  });
}
