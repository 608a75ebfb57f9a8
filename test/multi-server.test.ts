import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { TrellisClient, type JobBody } from '../src/client/trellis-client.js';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { hasHaproxy, startHaproxy } from './support/haproxy.js';
import { leaderAmong } from './support/leadership.js';
import { finished, waitForJob } from './support/jobs.js';
import { mlflowPost } from './support/mlflow-rest.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { assertStaysTrue, waitFor } from './support/wait-for.js';

/**
 * Several `trellis up` servers on one PostgreSQL and one data directory: every server answers
 * the API, the controllers run only on the one holding the lease, and a kill -9 of that one
 * mid-job and mid-schedule hands the controllers to another within seconds, with every job run
 * once and every schedule slot fired once. The lease is short here (1.5 s) to keep the test fast.
 */

const hasPostgres = testDialects().includes('postgres');
const settings = {
  TRELLIS_LEASE_TTL_MS: '1500',
  TRELLIS_JOB_TICK_MS: '200',
  TRELLIS_SCHEDULE_TICK_MS: '200',
  TRELLIS_JOB_GRACE_SECONDS: '2',
};

/** A job that appends a line to `tally` each time its command starts, then sleeps. */
function countingJob(name: string, tally: string, seconds: number): string {
  return [
    `name: ${name}`,
    `command: echo started >> ${tally} && sleep ${seconds} && echo done`,
    'compute: azureml:cpu',
    'environment:',
    '  image: library/python:latest',
    '',
  ].join('\n');
}

const cluster = 'name: cpu\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 2\nidle_time_before_scale_down: 60\n';

async function lines(path: string): Promise<number> {
  return (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}

function pidOf(holder: string): number {
  return Number(holder.split(':').at(-2));
}

describe('several servers on one PostgreSQL', { skip: !hasPostgres && 'needs PostgreSQL (npm test starts one)' }, () => {
  let database: TestDatabase;
  let home: string;
  let scratch: string;
  const servers: TrellisProcess[] = [];
  const start = async () => {
    const server = await startTrellis({ databaseUrl: database.url, home, env: settings });
    servers.push(server);
    return server;
  };
  const alive = () => servers.filter((server) => server.child.exitCode === null && server.child.signalCode === null);
  /** Kills the leader with SIGKILL; resolves to the server that leads next and how long that took (logged, not asserted). */
  const killLeader = async (leader: TrellisProcess) => {
    const killedAt = Date.now();
    await leader.stop('SIGKILL');
    const next = await leaderAmong(alive(), 'another server to take the controllers lease');
    console.log(`multi-server: a new leader's controllers ran ${Date.now() - killedAt} ms after the kill -9 (lease TTL 1500 ms)`);
    return next;
  };

  before(async () => {
    database = await createTestDatabase('postgres');
    home = await mkdtemp(join(tmpdir(), 'trellis-multi-'));
    scratch = await mkdtemp(join(tmpdir(), 'trellis-multi-scratch-'));
    // One after the other: the first migrates the database and makes the data directory's keys.
    for (let index = 0; index < 3; index++) await start();
  });

  after(async () => {
    for (const server of servers) await server.stop();
    await database.drop();
    await removeHome(home);
    await rm(scratch, { recursive: true, force: true });
  });

  it('answers on every server, with one leading and the others standing by, and all name the same leader', async () => {
    const leader = await leaderAmong(servers, 'one server to lead');
    for (const server of servers) {
      const ready = await server.client.ready();
      assert.equal(ready.status, 'ready');
      assert.equal(ready.controllers, server === leader ? 'leader' : 'standby');
      assert.deepEqual(await server.client.health(), { status: 'ok' });
      const view = await server.client.leader();
      assert.equal(view.server.mode, 'lease');
      assert.equal(view.server.isLeader, server === leader);
      assert.equal(view.lease?.address, leader.url);
      assert.equal(pidOf(view.lease?.holder ?? ''), leader.child.pid);
    }
    // A standby serves the API as well: what one writes, another reads.
    const standby = servers.find((server) => server !== leader);
    assert.ok(standby);
    const status = await runCli(['status'], { url: standby.url });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /controllers +run on another server \(this one stands by\)/);
    assert.match(status.stdout, new RegExp(`leader +\\S+:${leader.child.pid}:\\S+ at ${leader.url}`));
    await standby.client.apply('default', { fileName: 'compute.yml', text: cluster, kind: 'compute' });
    assert.equal((await leader.client.get('default', 'compute', 'cpu', null)).name, 'cpu');
    // A standby sends scoring calls on to the server running the endpoint's instances (multi-server-serving.test.ts); none here.
    const scored = await fetch(`${standby.url}/endpoints/any/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(scored.status, 404);
    assert.match(await scored.text(), /online endpoint 'any' does not exist in workspace 'default'/);
  });

  it('runs each job submitted through a standby once, across a kill -9 of the leader mid-job', async () => {
    const leader = await leaderAmong(alive(), 'one server to lead');
    const standby = alive().find((server) => server !== leader);
    assert.ok(standby);
    const tally = (name: string) => join(scratch, `${name}.count`);
    const submit = (name: string, seconds: number) =>
      standby.client.submitJob('default', {
        fileName: `${name}.yml`,
        text: countingJob(name, tally(name), seconds),
        uploads: {},
        inlined: {},
      });
    // Running on the leader's machine when it dies, then ending under the next leader.
    const running = await submit('running-at-kill', 3);
    // Two nodes: this one waits behind the two running ones.
    const second = await submit('second-running', 3);
    const queued = await submit('queued-at-kill', 0);
    await waitForJob(standby.client, running.name, (job) => job.state === 'Running', 60_000);
    await waitForJob(standby.client, second.name, (job) => job.state === 'Running', 60_000);

    const next = await killLeader(leader);
    // Acknowledged while the controllers changed hands: it runs once too.
    const during = await submit('submitted-after-kill', 0);

    const names = [running.name, second.name, queued.name, during.name];
    const ended: JobBody[] = [];
    for (const name of names) ended.push(await waitForJob(next.client, name, finished, 120_000));
    for (const job of ended) assert.equal(job.state, 'Completed', `${job.name}: ${job.reason ?? ''}`);
    // The jobs that ran through the kill kept their first attempt: adopted, not started again.
    assert.equal(ended[0]?.attempt, 1);
    assert.equal(ended[1]?.attempt, 1);
    // Each command started once: nothing outside the runner shows a tick passed, so this watches a window of ticks (200 ms each).
    await assertStaysTrue(() => Promise.all(names.map((name) => lines(tally(name)))), {
      what: 'each job started once',
      holds: (counts) => counts.every((count) => count === 1),
      describe: (counts) => JSON.stringify(Object.fromEntries(names.map((name, index) => [name, counts[index]]))),
      forMs: 1_500,
    });
    for (const name of names) {
      const states = (await next.client.jobEvents('default', name)).items.map((event) => event.state);
      assert.equal(states.filter((state) => state === 'Running').length, 1, `${name}: ${states.join(' → ')}`);
    }
  });

  it('fires each schedule slot once across a kill -9 of the leader at the slot, and a restarted server stands by', async () => {
    // The server killed above comes back on the same data, as a standby.
    const restarted = await start();
    const leader = await leaderAmong(alive(), 'one server to lead');
    assert.notEqual(leader, restarted);
    const standby = restarted;
    const schedule = (name: string, trigger: string[]) =>
      standby.client.createSchedule('default', {
        fileName: `${name}.yml`,
        text: [
          `name: ${name}`,
          'trigger:',
          '  type: recurrence',
          '  frequency: minute',
          '  interval: 1',
          ...trigger,
          'create_job:',
          '  type: command',
          `  command: echo fired >> ${join(scratch, `${name}.count`)}`,
          '  environment:',
          '    image: library/python:latest',
          '  compute: azureml:cpu',
          '',
        ].join('\n'),
      });
    // Its first slot is its creation (Azure ML runs the first job at once): fired by this leader, never again by the next.
    const firstAtOnce = await schedule('fired-before-kill', []);
    const firedBefore = await waitFor(() => standby.client.getSchedule('default', 'fired-before-kill'), {
      what: 'the first slot of fired-before-kill to fire',
      until: (found) => found.firings.some((firing) => firing.state === 'submitted'),
    });
    // The slot of this one comes right at the kill: the next leader fires it.
    const slot = Math.ceil((Date.now() + 5_000) / 1000) * 1000;
    await schedule('due-at-kill', [`  start_time: "${new Date(slot).toISOString().replace('.000Z', 'Z')}"`]);
    await sleep(Math.max(0, slot - 300 - Date.now()));
    const next = await killLeader(leader);

    const firingsOf = async (name: string) => (await next.client.getSchedule('default', name)).firings;
    const due = await waitFor(() => firingsOf('due-at-kill'), {
      what: 'the slot of due-at-kill to fire under the next leader',
      until: (firings) => firings.some((firing) => firing.state === 'submitted'),
      timeoutMs: 30_000,
    });
    const jobs = [firedBefore.firings[0]?.job ?? '', due[0]?.job ?? ''];
    for (const name of jobs) assert.equal((await waitForJob(next.client, name, finished, 60_000)).state, 'Completed', name);
    await assertStaysTrue(
      async () => ({
        before: (await firingsOf('fired-before-kill')).map((firing) => [firing.slotAt, firing.kind]),
        due: (await firingsOf('due-at-kill')).map((firing) => [firing.slotAt, firing.kind]),
        runs: [await lines(join(scratch, 'fired-before-kill.count')), await lines(join(scratch, 'due-at-kill.count'))],
      }),
      {
        what: 'each slot fired once and its job ran once',
        holds: (seen) =>
          JSON.stringify(seen) ===
          JSON.stringify({ before: [[firstAtOnce.createdAt, 'scheduled']], due: [[slot, 'scheduled']], runs: [1, 1] }),
        describe: (seen) => JSON.stringify(seen),
        forMs: 1_500,
      },
    );
  });

  it('serves the API and MLflow through HAProxy, and runs the jobs it passes on once each across a kill -9 of the leader', {
    skip: !hasHaproxy() && 'needs Debian haproxy (/usr/sbin/haproxy)',
  }, async () => {
    // Three servers again: the two left and one more.
    while (alive().length < 3) await start();
    const backends = alive();
    const balancer = await startHaproxy(backends.map((server) => server.url));
    try {
      const client = new TrellisClient(balancer.url);
      // MLflow through the balancer: each call may reach another server, all on one database.
      const { experiment_id: experimentId } = await mlflowPost<{ experiment_id: string }>(balancer.url, 'experiments/create', {
        name: 'through-the-balancer',
      });
      const { run } = await mlflowPost<{ run: { info: { run_id: string } } }>(balancer.url, 'runs/create', {
        experiment_id: experimentId,
      });
      for (let step = 0; step < 6; step++)
        await mlflowPost(balancer.url, 'runs/log-metric', {
          run_id: run.info.run_id,
          key: 'loss',
          value: 1 / (step + 1),
          timestamp: 0,
          step,
        });
      const history = await (
        await fetch(`${balancer.url}/api/2.0/mlflow/metrics/get-history?run_id=${run.info.run_id}&metric_key=loss`)
      ).json();
      assert.equal((history as { metrics: unknown[] }).metrics.length, 6);

      const leader = await leaderAmong(backends, 'one server to lead');
      const tally = (name: string) => join(scratch, `${name}.count`);
      const submit = (name: string, seconds: number) =>
        client.submitJob('default', { fileName: `${name}.yml`, text: countingJob(name, tally(name), seconds), uploads: {}, inlined: {} });
      const before = [await submit('balanced-running', 3), await submit('balanced-queued', 0)];
      await waitForJob(client, before[0]?.name ?? '', (job) => job.state === 'Running', 60_000);
      const next = await killLeader(leader);
      // Through the balancer right after the kill: a request sent to the dead server is sent on to another.
      const after = [await submit('balanced-after-kill', 0)];
      assert.equal(pidOf((await client.leader()).lease?.holder ?? ''), next.child.pid);
      const names = [...before, ...after].map((job) => job.name);
      for (const name of names) assert.equal((await waitForJob(client, name, finished, 120_000)).state, 'Completed', name);
      await assertStaysTrue(() => Promise.all(names.map((name) => lines(tally(name)))), {
        what: 'each job passed on by the balancer started once',
        holds: (counts) => counts.every((count) => count === 1),
        describe: (counts) => JSON.stringify(counts),
        forMs: 1_000,
      });
    } finally {
      await balancer.stop();
    }
  });
});

describe('wakes across servers', { skip: !hasPostgres && 'needs PostgreSQL (npm test starts one)' }, () => {
  let database: TestDatabase;
  let home: string;
  const servers: TrellisProcess[] = [];
  // The runner polls once a minute here: a job submitted through a standby starts within the wait only if the wake reaches
  // the leader. The lease lasts three minutes (a standby tries every minute): one takes it within the wait only if the
  // stopping leader gives it up and says so.
  const slowTicks = { TRELLIS_JOB_TICK_MS: '60000', TRELLIS_SCHEDULE_TICK_MS: '60000', TRELLIS_LEASE_TTL_MS: '180000' };

  before(async () => {
    database = await createTestDatabase('postgres');
    home = await mkdtemp(join(tmpdir(), 'trellis-wakes-'));
    for (let index = 0; index < 2; index++) servers.push(await startTrellis({ databaseUrl: database.url, home, env: slowTicks }));
  });

  after(async () => {
    for (const server of servers) await server.stop();
    await database.drop();
    await removeHome(home);
  });

  it("wakes the leader's job runner through PostgreSQL when a standby takes a job, and hands the lease over at once on a clean stop", async () => {
    const leader = await leaderAmong(servers, 'one server to lead');
    const standby = servers.find((server) => server !== leader);
    assert.ok(standby);
    await standby.client.apply('default', { fileName: 'compute.yml', text: cluster, kind: 'compute' });
    const tally = join(home, 'woken.count');
    const job = await standby.client.submitJob('default', {
      fileName: 'woken.yml',
      text: countingJob('woken', tally, 0),
      uploads: {},
      inlined: {},
    });
    // Well under the minute the leader's runner waits between ticks.
    const ended = await waitForJob(standby.client, job.name, finished, 20_000);
    assert.equal(ended.state, 'Completed', ended.reason ?? '');

    // A leader stopped with SIGTERM gives its lease up and says so: the standby leads long before its next try.
    await leader.stop();
    assert.equal(await leaderAmong([standby], 'the standby to take the lease given up', 20_000), standby);
    assert.equal((await standby.client.leader()).lease?.epoch, 2);
  });
});
