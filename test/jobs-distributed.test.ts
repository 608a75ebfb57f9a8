import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { freemem } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { JobBody } from '../src/client/trellis-client.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { alive, finished, waitForJob } from './support/jobs.js';
import { waitFor } from './support/wait-for.js';

/**
 * Distributed command jobs on local compute, end to end: the processes of a pytorch or mpi job
 * find each other through the variables Azure ML sets (a real TCP rendezvous, no torch needed),
 * one failing rank fails the job and stops the others, and a node is held to its size's memory.
 * SQLite only: what is under test is the runner and the local backend, not the store.
 */

const fixtures = join(repositoryRoot, 'test', 'fixtures', 'jobs');
const gib = 1024 ** 3;

const clusters = [
  'name: cpu-cluster\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 2\nidle_time_before_scale_down: 2\n',
  // The smallest size in the catalogue: 2 vCPUs and 7 GiB per node.
  'name: small-cluster\ntype: amlcompute\nsize: Standard_DS2_v2\nmin_instances: 0\nmax_instances: 1\nidle_time_before_scale_down: 2\n',
];

describe('distributed command jobs on local compute', () => {
  let trellis: TrellisProcess;

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_JOB_TICK_MS: '200', TRELLIS_JOB_GRACE_SECONDS: '2' } });
    for (const text of clusters) await trellis.client.apply('default', { fileName: 'compute.yml', text, kind: 'compute' });
  });

  after(async () => {
    await trellis.stop();
    await removeHome(trellis.home);
  });

  const attemptLogs = (name: string, attempt = 1) => join(trellis.home, 'jobs', 'default', name, `attempt-${attempt}`, 'user_logs');

  async function submit(file: string): Promise<string> {
    const submitted = await runCli(['job', 'create', '--file', file, '-o', 'json'], { url: trellis.url });
    assert.equal(submitted.code, 0, submitted.stderr);
    return (JSON.parse(submitted.stdout) as JobBody).name;
  }

  async function processLogs(name: string, count: number): Promise<string[]> {
    return Promise.all(
      Array.from({ length: count }, (_, rank) => readFile(join(attemptLogs(name), `std_log_process_${rank}.txt`), 'utf8')),
    );
  }

  for (const launcher of ['pytorch', 'mpi'] as const) {
    it(`runs 2 nodes × 2 processes of a ${launcher} job that rendezvous at the master, one log per rank`, async () => {
      const name = await submit(join(fixtures, 'rendezvous', launcher === 'pytorch' ? 'job.yml' : 'mpi-job.yml'));
      const job = await waitForJob(trellis.client, name, finished);
      const logs = await processLogs(name, 4).catch((error: Error) => [error.message]);
      assert.equal(job.state, 'Completed', `${job.reason}\n${logs.join('\n---\n')}`);
      assert.equal(job.nodes.length, 0);

      // Each rank's log: the node's limits first, then what the rank saw.
      logs.forEach((log, rank) => {
        const node = Math.floor(rank / 2);
        assert.match(
          log,
          new RegExp(`^trellis: node ${node} \\(cpu-cluster-[0-9a-f]+\\) limits: 4 vCPUs (via|not enforced)[^,]*, 14 GiB `),
          log,
        );
        assert.match(log, new RegExp(`rank=${rank} local_rank=${rank % 2} world_size=4 node=${node} master=127\\.0\\.0\\.1:\\d+`), log);
      });
      assert.match(logs[0]!, /rendezvous complete: ranks \[1, 2, 3\] joined rank 0/);
      for (const rank of [1, 2, 3]) assert.match(logs[rank]!, new RegExp(`rank ${rank} joined: master says world 4`));
      // Two nodes, not one node with four processes: each node states its own limits and slot.
      const slots = logs.map((log) => /^trellis: node \d \((\S+)\)/.exec(log)?.[1]);
      assert.equal(slots[0], slots[1]);
      assert.equal(slots[2], slots[3]);
      assert.notEqual(slots[0], slots[2]);

      // The logs are the run's artifacts, as on Azure ML.
      const run = (await (await fetch(`${trellis.url}/api/2.0/mlflow/artifacts/list?run_id=${job.runId}&path=user_logs`)).json()) as {
        files: Array<{ path: string }>;
      };
      for (const rank of [0, 1, 2, 3])
        assert.ok(
          run.files.some((file) => file.path === `user_logs/std_log_process_${rank}.txt`),
          JSON.stringify(run.files),
        );
      // A node's time is counted per node: 2 nodes for the job's running time.
      assert.ok(job.nodeSeconds > 0);
    });
  }

  it('fails the whole job when one rank fails, and stops the other ranks', async () => {
    // Every rank starts a sleep and records its pid; rank 1 waits until all four have, then fails.
    const command = [
      'sleep 120 & echo $! > "$TRELLIS_OUTPUTS_DIR/sleep_$RANK.pid";',
      'if [ "$RANK" = 1 ]; then',
      '  for i in $(seq 100); do [ "$(ls "$TRELLIS_OUTPUTS_DIR" | grep -c pid)" = 4 ] && break; sleep 0.1; done;',
      '  echo "rank 1 gives up"; exit 3;',
      'fi;',
      'wait',
    ].join(' ');
    const text = `command: ${JSON.stringify(command)}\nenvironment:\n  image: library/python:latest\ncompute: azureml:cpu-cluster\nresources:\n  instance_count: 2\ndistribution:\n  type: pytorch\n  process_count_per_instance: 2\n`;
    const submitted = await trellis.client.submitJob('default', { fileName: 'one-fails.yml', text, uploads: {}, inlined: {} });
    const job = await waitForJob(trellis.client, submitted.name, finished);
    assert.equal(job.state, 'Failed', job.reason ?? '');
    assert.equal(job.exitCode, 3);
    assert.match(job.reason ?? '', /code 3/);
    const outputs = join(trellis.home, 'jobs', 'default', submitted.name, 'attempt-1', 'outputs');
    const pids = await Promise.all([0, 1, 2, 3].map(async (rank) => Number(await readFile(join(outputs, `sleep_${rank}.pid`), 'utf8'))));
    assert.ok(
      pids.every((pid) => pid > 0),
      String(pids),
    );
    // The other ranks were stopped (SIGTERM, then SIGKILL after the grace period), not left to sleep.
    await waitFor(() => pids.filter(alive), { what: 'the other ranks to end', until: (living) => living.length === 0, timeoutMs: 10_000 });
    assert.match(await readFile(join(attemptLogs(submitted.name), 'std_log_process_1.txt'), 'utf8'), /rank 1 gives up/);
  });

  // The node's limit is 7 GiB (Standard_DS2_v2): the job really fills it, so the machine needs that
  // much free *now* plus room for everything else running, or the kernel's own OOM killer may pick
  // another process (a server of a test running beside this one) instead of the job.
  it("fails a job whose node goes over its size's memory, saying it ran out of memory", {
    skip:
      freemem() < 14 * gib
        ? `this machine has ${(freemem() / gib).toFixed(1)} GiB available now; the test needs 14 to let a 7 GiB node overflow without crowding other processes`
        : false,
  }, async () => {
    const name = await submit(join(fixtures, 'memory-hog', 'job.yml'));
    const job = await waitForJob(trellis.client, name, finished);
    const log = await readFile(join(attemptLogs(name), 'std_log.txt'), 'utf8');
    assert.equal(job.state, 'Failed', log);
    assert.equal(job.exitCode, 137, log);
    assert.match(log, /^trellis: node 0 \(small-cluster-[0-9a-f]+\) limits: 2 vCPUs [^,]+, 7 GiB (via cgroup|accounted by Trellis)/);
    assert.match(log, /trellis: out of memory: node 0 went over its 7 GiB/);
    assert.doesNotMatch(log, /survived/);
    assert.match(job.reason ?? '', /out of memory/);
  });
});
