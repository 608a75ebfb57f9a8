import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type JobLogEvent, TrellisClient } from '../src/client/trellis-client.js';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { cliJson, score, waitForDeployment } from './support/endpoints.js';
import { hasHaproxy, type RunningHaproxy, startHaproxy } from './support/haproxy.js';
import { finished, waitForJob } from './support/jobs.js';
import { isAlive, leaderAmong } from './support/leadership.js';
import { runPython } from './support/python.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * Three `trellis up` servers on one PostgreSQL and one data directory behind HAProxy: an online
 * endpoint deployed through the balancer runs its instances where the controllers run, says so
 * in the database, and answers a scoring call that reaches any server (sent on to those
 * instances, the caller's credential checked there); a job's log streams (SSE) from a server that
 * does not run it; the real MLflow Python client's flows pass through the balancer; after a kill -9 of the leader the next leader's instances answer from every server.
 */

const hasPostgres = testDialects().includes('postgres');
const settings = {
  TRELLIS_LEASE_TTL_MS: '1500',
  TRELLIS_JOB_TICK_MS: '200',
  TRELLIS_JOB_GRACE_SECONDS: '2',
  // Built virtualenvs are kept across runs, like a machine's image cache.
  TRELLIS_ENV_CACHE: join(repositoryRoot, '.cache', 'environments'),
};
const iris = JSON.stringify({
  data: [
    [5.1, 3.5, 1.4, 0.2],
    [6.3, 3.3, 6.0, 2.5],
  ],
});
const cluster = 'name: cpu\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 2\nidle_time_before_scale_down: 60\n';
type Keys = { primaryKey: string; secondaryKey: string };

/** The scoring calls a server's own instances answered for `endpoint` (its /metrics). */
async function answeredHere(server: TrellisProcess, endpoint: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('trellis_endpoint_requests_total{') && line.includes(`endpoint="${endpoint}"`) && line.includes('mirrored="false"'))
      total += Number(line.split(' ').at(-1));
  return total;
}

describe('online endpoints and job logs from any of several servers', {
  skip: (!hasPostgres && 'needs PostgreSQL (npm test starts one)') || (!hasHaproxy() && 'needs Debian haproxy (/usr/sbin/haproxy)'),
}, () => {
  let database: TestDatabase;
  let home: string;
  let balancer: RunningHaproxy;
  let client: TrellisClient;
  let keys: Keys;
  const servers: TrellisProcess[] = [];
  const scoreAt = (url: string, credential = keys.primaryKey) => score(`${url}/endpoints/multi-iris/score`, { credential, body: iris });

  before(async () => {
    database = await createTestDatabase('postgres');
    home = await mkdtemp(join(tmpdir(), 'trellis-multi-serving-'));
    // One after the other: the first migrates the database and makes the data directory's keys.
    for (let index = 0; index < 3; index++) servers.push(await startTrellis({ databaseUrl: database.url, home, env: settings }));
    balancer = await startHaproxy(servers.map((server) => server.url));
    client = new TrellisClient(balancer.url);
  });

  after(async () => {
    await balancer?.stop();
    for (const server of servers) await server.stop();
    await database?.drop();
    if (home) await removeHome(home);
  });

  it('deploys an endpoint through the balancer and answers its scoring calls on every server, from the instances where they run', async () => {
    const leader = await leaderAmong(servers, 'one server to lead');
    const standbys = servers.filter((server) => server !== leader);
    // Through the balancer: each CLI call may reach another server.
    await cliJson(balancer.url, ['online-endpoint', 'create', '--file', 'endpoint.yml', '--name', 'multi-iris']);
    await cliJson(balancer.url, ['online-deployment', 'create', '--file', 'blue.yml', '--endpoint-name', 'multi-iris', '--all-traffic']);
    const deployed = await waitForDeployment(client, 'multi-iris', 'blue', undefined, 120_000);
    assert.equal(deployed.state, 'Succeeded', deployed.reason ?? '');
    keys = await cliJson<Keys>(balancer.url, ['online-endpoint', 'get-credentials', '--name', 'multi-iris']);

    const expected = await scoreAt(leader.url);
    assert.equal(expected.status, 200, expected.text);
    // A standby knows where the instances are once the leader's serving controller has said so (each pass, once a second).
    for (const standby of standbys)
      await waitFor(() => scoreAt(standby.url), {
        what: `${standby.url} to send scoring calls on`,
        until: (found) => found.status === 200,
      });
    const before = await Promise.all(servers.map((server) => answeredHere(server, 'multi-iris')));

    for (const standby of standbys) {
      const scored = await scoreAt(standby.url);
      assert.equal(scored.status, 200, scored.text);
      assert.deepEqual(scored.json(), expected.json());
      // The answer's headers come back as the instances' server wrote them, with the request id this server gave the call.
      assert.equal(scored.headers.get('azureml-model-deployment'), 'blue');
      assert.match(scored.headers.get('content-type') ?? '', /application\/json/);
      assert.ok(scored.headers.get('x-request-id'));
      // The credential goes with the call and is checked where the instances run: a wrong key is refused there.
      const refused = await scoreAt(standby.url, 'not-the-key');
      assert.equal(refused.status, 401, refused.text);
      // Open Inference Protocol readiness on a standby: ready, since a server it can send calls to has a ready instance.
      assert.equal((await fetch(`${standby.url}/v2/models/multi-iris/ready`)).status, 200);
      assert.equal((await fetch(`${standby.url}/v2/health/ready`)).status, 200);
      // A call another server already sent on is not sent on again (no loops): a server that runs no instance says so.
      const looped = await fetch(`${standby.url}/endpoints/multi-iris/score`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.primaryKey}`, 'x-trellis-routed-from': 'elsewhere' },
        body: iris,
      });
      assert.equal(looped.status, 503);
      assert.match(await looped.text(), /no longer runs an instance of online endpoint 'multi-iris'/);
    }

    // Through HAProxy, round robin: the calls land on every server in turn, and every one is answered by the leader's instances.
    const calls = 30;
    for (let index = 0; index < calls; index++) {
      const scored = await scoreAt(balancer.url);
      assert.equal(scored.status, 200, `call ${index}: ${scored.text}`);
      assert.deepEqual(scored.json(), expected.json());
    }
    // The leader counts every call its instances answered: the 30 and one per standby above (refusals are not counted).
    const afterCalls = await Promise.all(servers.map((server) => answeredHere(server, 'multi-iris')));
    const answered = afterCalls.map((count, index) => count - (before[index] ?? 0));
    assert.deepEqual(
      answered,
      servers.map((server) => (server === leader ? calls + standbys.length : 0)),
      'scoring calls answered by each server',
    );
  });

  it("streams a job's log (server-sent events) from a server that does not run it", async () => {
    const leader = await leaderAmong(servers, 'one server to lead');
    const standby = servers.find((server) => server !== leader);
    assert.ok(standby);
    await client.apply('default', { fileName: 'compute.yml', text: cluster, kind: 'compute' });
    const job = await standby.client.submitJob('default', {
      fileName: 'chatty.yml',
      text: [
        'name: chatty',
        'command: for i in 1 2 3 4; do echo "line $i"; sleep 0.5; done',
        'compute: azureml:cpu',
        'environment:',
        '  image: library/python:latest',
        '',
      ].join('\n'),
      uploads: {},
      inlined: {},
    });
    await waitForJob(standby.client, job.name, (found) => found.state === 'Running', 60_000);
    // Followed on the standby while the leader's machine runs it: the standby reads the attempt's log from the shared data directory.
    const events: JobLogEvent[] = [];
    await standby.client.followJobLog('default', job.name, (event) => events.push(event), AbortSignal.timeout(60_000));
    const text = events.flatMap((event) => (event.event === 'log' ? [event.text] : [])).join('');
    for (let line = 1; line <= 4; line++) assert.match(text, new RegExp(`line ${line}\\n`));
    const states = events.flatMap((event) => (event.event === 'state' ? [event.state] : []));
    assert.equal(states.at(-1), 'Completed', states.join(' → '));
    // More than one log event: it streamed while the job ran, not only once it ended.
    assert.ok(events.filter((event) => event.event === 'log').length > 1, JSON.stringify(events));
    assert.equal((await waitForJob(client, job.name, finished)).state, 'Completed');
  });

  it('passes the MLflow tracking and model flows of the real Python client through the balancer', async () => {
    // Each of the client's calls may reach another server: a run logged on one is read, searched and loaded on the others.
    for (const flow of ['mlflow_tracking_flow.py', 'mlflow_model_flow.py']) {
      const result = await runPython(join(repositoryRoot, 'test', 'python', flow), {
        MLFLOW_TRACKING_URI: balancer.url,
        TRELLIS_TEST_SUFFIX: 'balanced',
      });
      assert.equal(result.code, 0, `${flow}:\n${result.output}`);
      assert.match(result.output, /ALL CHECKS PASSED \(\d+\)/, flow);
    }
  });

  it("answers scoring calls on every server from the next leader's instances after a kill -9 of the leader", async () => {
    const leader = await leaderAmong(servers, 'one server to lead');
    const killedAt = Date.now();
    await leader.stop('SIGKILL');
    const alive = servers.filter(isAlive);
    const next = await leaderAmong(alive, 'another server to take the controllers lease');
    // The next leader starts the endpoint's instances again; the dead server's placements are passed over.
    await waitFor(() => scoreAt(balancer.url), {
      what: 'a scoring call through the balancer to be answered after the kill',
      until: (found) => found.status === 200,
      timeoutMs: 90_000,
      intervalMs: 250,
    });
    console.log(`multi-server-serving: scoring answered again ${Date.now() - killedAt} ms after the kill -9 of the leader`);
    for (const server of alive) {
      const scored = await waitFor(() => scoreAt(server.url), {
        what: `${server.url} to answer scoring calls`,
        until: (found) => found.status === 200,
      });
      assert.equal(scored.headers.get('azureml-model-deployment'), 'blue', server === next ? 'leader' : 'standby');
    }
    for (let index = 0; index < 10; index++) assert.equal((await scoreAt(balancer.url)).status, 200);
  });
});
