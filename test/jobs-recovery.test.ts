import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { finished, waitForJob } from './support/jobs.js';
import { assertStaysTrue, waitFor } from './support/wait-for.js';

/**
 * What the job runner keeps across a kill -9 of the server, and the limits it enforces without
 * failing anyone: workspace quotas and the simulated eviction rate of low-priority nodes.
 */

const jobSettings = { TRELLIS_JOB_TICK_MS: '200', TRELLIS_JOB_GRACE_SECONDS: '2' };

/** A job that appends a line to `tally` each time it starts, then sleeps. */
function countingJob(name: string, tally: string, seconds: number, compute = 'one-node'): string {
  return [
    `name: ${name}`,
    `command: echo started >> ${tally} && sleep ${seconds} && echo done`,
    `compute: azureml:${compute}`,
    'environment:',
    '  image: library/python:latest',
    '',
  ].join('\n');
}

const cluster = (name: string, extra = '') =>
  `name: ${name}\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 1\nidle_time_before_scale_down: 1\n${extra}`;

async function lines(path: string): Promise<number> {
  return (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}

for (const dialect of testDialects()) {
  describe(`jobs across a kill -9 of the server on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    let scratch: string;

    before(async () => {
      database = await createTestDatabase(dialect);
      scratch = await mkdtemp(join(tmpdir(), 'trellis-recovery-'));
      trellis = await startTrellis({ databaseUrl: database.url, env: jobSettings });
      await trellis.client.apply('default', { fileName: 'compute.yml', text: cluster('one-node'), kind: 'compute' });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await rm(scratch, { recursive: true, force: true });
      await database.drop();
    });

    it('records a job that finished while the server was down, runs the queued one, and runs nothing twice', async () => {
      const tallies = { done: join(scratch, 'done.count'), running: join(scratch, 'running.count'), queued: join(scratch, 'queued.count') };
      // One job completes before the kill: it must not run again after the restart.
      const done = await trellis.client.submitJob('default', {
        fileName: 'done.yml',
        text: countingJob('finished-before', tallies.done, 0),
        uploads: {},
        inlined: {},
      });
      assert.equal((await waitForJob(trellis.client, done.name, finished)).state, 'Completed');
      // One job runs on the only node when the server dies and ends while it is down; one waits behind it.
      const running = await trellis.client.submitJob('default', {
        fileName: 'running.yml',
        text: countingJob('running-at-kill', tallies.running, 3),
        uploads: {},
        inlined: {},
      });
      const queued = await trellis.client.submitJob('default', {
        fileName: 'queued.yml',
        text: countingJob('queued-at-kill', tallies.queued, 0),
        uploads: {},
        inlined: {},
      });
      await waitForJob(trellis.client, running.name, (job) => job.state === 'Running');
      assert.equal((await trellis.client.getJob('default', queued.name)).state, 'Queued');

      await trellis.stop('SIGKILL');
      // The running job finishes with nobody watching.
      const log = join(trellis.home, 'jobs', 'default', running.name, 'attempt-1', 'user_logs', 'std_log.txt');
      await waitFor(async () => (await readFile(log, 'utf8').catch(() => '')).includes('done'), {
        what: 'the running job to finish while the server was down',
        timeoutMs: 30_000,
        intervalMs: 200,
      });
      trellis = await startTrellis({ databaseUrl: database.url, home: trellis.home, env: jobSettings });

      const ranDuringOutage = await waitForJob(trellis.client, running.name, finished);
      assert.equal(ranDuringOutage.state, 'Completed', ranDuringOutage.reason ?? '');
      assert.equal(ranDuringOutage.exitCode, 0);
      assert.equal(ranDuringOutage.attempt, 1);
      const ranAfter = await waitForJob(trellis.client, queued.name, finished);
      assert.equal(ranAfter.state, 'Completed', ranAfter.reason ?? '');
      assert.equal((await trellis.client.getJob('default', done.name)).state, 'Completed');
      // Give the runner a few more ticks (200 ms each) to do anything twice, counting the starts throughout: nothing
      // outside the runner shows that a tick passed, so this is a named window.
      const starts = async () => ({
        done: await lines(tallies.done),
        running: await lines(tallies.running),
        queued: await lines(tallies.queued),
      });
      await assertStaysTrue(starts, {
        what: 'each job started once',
        holds: (counts) => counts.done === 1 && counts.running === 1 && counts.queued === 1,
        describe: (counts) => JSON.stringify(counts),
        forMs: 1_000,
      });
      const events = (await trellis.client.jobEvents('default', running.name)).items.map((event) => event.state);
      assert.deepEqual(events, ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed']);
      // The MLflow run of the job that ended during the outage is closed too.
      const run = (await (await fetch(`${trellis.url}/api/2.0/mlflow/runs/get?run_id=${ranDuringOutage.runId}`)).json()) as {
        run: { info: { status: string } };
      };
      assert.equal(run.run.info.status, 'FINISHED');
    });
  });
}

describe('workspace quotas and simulated evictions', () => {
  let trellis: TrellisProcess | undefined;

  after(async () => {
    if (trellis) {
      await trellis.stop();
      await removeHome(trellis.home);
    }
  });

  it('keeps a job over the workspace quota queued with the quota as its reason, then runs it when room frees up', async () => {
    const home = await mkdtemp(join(tmpdir(), 'trellis-home-'));
    await writeFile(
      join(home, 'config.yaml'),
      'quotas:\n  default:\n    max_nodes: 1\n    max_vcpus_per_family:\n      standardFSv2Family: 0\n',
    );
    trellis = await startTrellis({ home, env: jobSettings });
    // Made from flags, as `az ml compute create --name ... --size ...` does; a bad flag names its field and creates nothing.
    const refused = await runCli(['compute', 'create', '--name', 'first', '--max-instances', 'one'], { url: trellis.url });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /max_instances: expected a number/);
    const created = await runCli(
      [
        'compute',
        'create',
        '--name',
        'first',
        '--size',
        'Standard_DS3_v2',
        '--min-instances',
        '0',
        '--max-instances',
        '1',
        '--idle-time-before-scale-down',
        '1',
      ],
      { url: trellis.url },
    );
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual((await trellis.client.get('default', 'compute', 'first', null)).spec, {
      type: 'amlcompute',
      size: 'Standard_DS3_v2',
      tier: 'dedicated',
      min_instances: 0,
      max_instances: 1,
      idle_time_before_scale_down: 1,
    });
    await trellis.client.apply('default', { fileName: 'second.yml', text: cluster('second'), kind: 'compute' });
    await trellis.client.apply('default', {
      fileName: 'f.yml',
      text: cluster('fsv2').replace('Standard_DS3_v2', 'Standard_F4s_v2'),
      kind: 'compute',
    });
    const tally = join(home, 'tally');
    const first = await trellis.client.submitJob('default', {
      fileName: 'a.yml',
      text: countingJob('uses-the-quota', tally, 4, 'first'),
      uploads: {},
      inlined: {},
    });
    await waitForJob(trellis.client, first.name, (job) => job.state === 'Running');
    const second = await trellis.client.submitJob('default', {
      fileName: 'b.yml',
      text: countingJob('waits-for-quota', tally, 0, 'second'),
      uploads: {},
      inlined: {},
    });
    const waiting = await waitForJob(trellis.client, second.name, (job) => (job.reason ?? '').includes('quota'), 10_000);
    assert.equal(waiting.state, 'Queued');
    assert.match(waiting.reason ?? '', /max_nodes quota/);
    const family = await trellis.client.submitJob('default', {
      fileName: 'c.yml',
      text: countingJob('no-family-quota', tally, 0, 'fsv2'),
      uploads: {},
      inlined: {},
    });
    const blocked = await waitForJob(trellis.client, family.name, (job) => (job.reason ?? '').includes('quota'), 10_000);
    assert.match(blocked.reason ?? '', /vCPU quota for the standardFSv2Family family/);

    const usage = await runCli(['compute', 'list-usage', '-o', 'json'], { url: trellis.url });
    assert.equal(usage.code, 0, usage.stderr);
    const lines = (
      JSON.parse(usage.stdout) as { usages: Array<{ name: string; family: string | null; current: number; limit: number | null }> }
    ).usages;
    assert.deepEqual(
      lines.find((line) => line.name === 'nodes'),
      { name: 'nodes', family: null, current: 1, limit: 1 },
    );
    assert.deepEqual(
      lines.find((line) => line.family === 'standardFSv2Family'),
      { name: 'vcpus', family: 'standardFSv2Family', current: 0, limit: 0 },
    );

    const nodes = await runCli(['compute', 'list-nodes', '-n', 'first'], { url: trellis.url });
    assert.equal(nodes.code, 0, nodes.stderr);
    assert.match(nodes.stdout, new RegExp(`first-[0-9a-f]{8}\\s+busy\\s+${first.name}`));
    // The first job ends, its node scales down after 1 s, and the second gets the room: it waited, it never failed.
    const ran = await waitForJob(trellis.client, second.name, finished, 60_000);
    assert.equal(ran.state, 'Completed', ran.reason ?? '');
    // A family with a vCPU quota of 0 never gets a node, and its job is still only waiting.
    const still = await trellis.client.getJob('default', family.name);
    assert.equal(still.state, 'Queued');
    await trellis.client.cancelJob('default', family.name);
    await trellis.stop();
    await removeHome(home);
    trellis = undefined;
  });

  it('evicts busy low-priority nodes at the simulated rate and fails the job once its infrastructure retries are spent', async () => {
    // 36,000 evictions per node-hour: about one every 100 ms of node time, so every attempt is evicted.
    trellis = await startTrellis({
      env: { ...jobSettings, TRELLIS_SIMULATED_EVICTIONS_PER_NODE_HOUR: '36000', TRELLIS_JOB_MAX_RETRIES: '1' },
    });
    await trellis.client.apply('default', { fileName: 'spot.yml', text: cluster('spot', 'tier: low_priority\n'), kind: 'compute' });
    await trellis.client.apply('default', { fileName: 'steady.yml', text: cluster('steady'), kind: 'compute' });
    const tally = join(trellis.home, 'tally');
    const spot = await trellis.client.submitJob('default', {
      fileName: 'spot-job.yml',
      text: countingJob('on-spot', tally, 60, 'spot'),
      uploads: {},
      inlined: {},
    });
    const steady = await trellis.client.submitJob('default', {
      fileName: 'steady-job.yml',
      text: countingJob('on-dedicated', join(trellis.home, 'steady-tally'), 1, 'steady'),
      uploads: {},
      inlined: {},
    });
    const ended = await waitForJob(trellis.client, spot.name, finished, 60_000);
    assert.equal(ended.state, 'Failed');
    assert.match(ended.reason ?? '', /simulated eviction rate/);
    assert.equal(ended.attempt, 2);
    const events = (await trellis.client.jobEvents('default', spot.name)).items.map((event) => event.state);
    assert.deepEqual(events.slice(0, 4), ['Queued', 'Preparing', 'Running', 'Queued']);
    // Dedicated nodes are never evicted.
    const dedicated = await waitForJob(trellis.client, steady.name, finished, 60_000);
    assert.equal(dedicated.state, 'Completed', dedicated.reason ?? '');
    assert.equal(dedicated.attempt, 1);
  });
});
