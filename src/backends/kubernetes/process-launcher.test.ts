import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { processLayout } from '../../core/jobs/process-layout.js';
import { planLauncher } from './process-launcher.js';
import { waitFor } from '../../../test/support/wait-for.js';

const scratch = mkdtempSync(join(tmpdir(), 'trellis-launcher-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The folders and variables of pod `index`: its log folder and the folder it shares with the upload container. */
function podEnv(index: number, command: string, sharedEnv: Record<string, string>) {
  const pod = join(scratch, `pod-${index}-${Math.random().toString(36).slice(2)}`);
  const logDir = join(pod, 'user_logs');
  const stateDir = join(pod, '.trellis');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...sharedEnv,
    JOB_COMPLETION_INDEX: String(index),
    TRELLIS_COMMAND: command,
    TRELLIS_LOG_DIR: logDir,
    TRELLIS_STATE_DIR: stateDir,
  };
  return { logDir, stateDir, env };
}

function logsOf(logDir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(logDir).map((file) => [file, readFileSync(join(logDir, file), 'utf8').trim()]));
}

/** Runs the launcher as pod `index` would, with bash on this machine. */
function runPod(script: string, index: number, command: string, sharedEnv: Record<string, string>) {
  const { logDir, stateDir, env } = podEnv(index, command, sharedEnv);
  const result = spawnSync('bash', ['-c', script], { env, encoding: 'utf8' });
  const exitCode = existsSync(join(stateDir, 'exit_code')) ? readFileSync(join(stateDir, 'exit_code'), 'utf8').trim() : undefined;
  return { status: result.status, stdout: result.stdout, logs: logsOf(logDir), exitCode };
}

describe('planLauncher', () => {
  const pytorch = processLayout(
    { type: 'pytorch', process_count_per_instance: 2 },
    { instanceCount: 3, hosts: ['node-0', 'node-1', 'node-2'], masterPort: 29500 },
  );

  it('shares what every process has and points the rendezvous at the given host', () => {
    const { sharedEnv } = planLauncher(pytorch, 3, 'job-0.job');
    assert.deepEqual(sharedEnv, { LOCAL_WORLD_SIZE: '2', MASTER_ADDR: 'job-0.job', MASTER_PORT: '29500', WORLD_SIZE: '6' });
  });

  it('gives each process of a pod the rank the job runner computed for it', () => {
    const { script, sharedEnv } = planLauncher(pytorch, 3, 'job-0.job');
    const pod = runPod(script, 1, 'echo "$RANK $LOCAL_RANK $NODE_RANK $GROUP_RANK $WORLD_SIZE $MASTER_ADDR"', sharedEnv);
    assert.equal(pod.status, 0);
    assert.deepEqual(pod.logs, { 'std_log_process_2.txt': '2 0 1 1 6 job-0.job', 'std_log_process_3.txt': '3 1 1 1 6 job-0.job' });
    // The same lines reach the container's stdout, for `kubectl logs`.
    assert.deepEqual(pod.stdout.trim().split('\n').sort(), ['2 0 1 1 6 job-0.job', '3 1 1 1 6 job-0.job']);
    const expected = pytorch
      .filter((slot) => slot.node === 1)
      .map((slot) => `${slot.env.RANK} ${slot.env.LOCAL_RANK} ${slot.env.NODE_RANK}`);
    assert.deepEqual(
      Object.values(pod.logs).map((line) => line.split(' ').slice(0, 3).join(' ')),
      expected,
    );
  });

  it("exits with a failing process's code after every process has ended", () => {
    const { script, sharedEnv } = planLauncher(pytorch, 3, 'job-0.job');
    const pod = runPod(script, 2, 'if [ "$LOCAL_RANK" = 1 ]; then exit 7; fi; sleep 0.2; echo done', sharedEnv);
    assert.equal(pod.status, 7);
    assert.equal(pod.logs['std_log_process_4.txt'], 'done');
    // The upload container's cue: every process has ended, with this code.
    assert.equal(pod.exitCode, '7');
  });

  it('passes TERM on and waits for the processes to finish saving, keeping their exit code', async () => {
    const single = processLayout(undefined, { instanceCount: 1, hosts: ['localhost'], masterPort: 1 });
    const { script, sharedEnv } = planLauncher(single, 1, 'localhost');
    const command = `trap 'kill $!; sleep 0.5; echo saved; exit 3' TERM; echo started; sleep 30 & wait`;
    const { logDir, stateDir, env } = podEnv(0, command, sharedEnv);
    const launcher = spawn('bash', ['-c', script], { env, stdio: 'ignore' });
    const exited = once(launcher, 'exit');
    const log = join(logDir, 'std_log.txt');
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('started'), {
      what: 'the command to start',
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    assert.ok(existsSync(join(stateDir, 'alive')), 'the heartbeat runs while the processes do');
    assert.equal(existsSync(join(stateDir, 'exit_code')), false);
    launcher.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 3);
    assert.deepEqual(logsOf(logDir), { 'std_log.txt': 'started\nsaved' });
    assert.equal(readFileSync(join(stateDir, 'exit_code'), 'utf8'), '3\n');
  });

  it('writes std_log.txt for a job of one process', () => {
    const single = processLayout(undefined, { instanceCount: 1, hosts: ['localhost'], masterPort: 1 });
    const { script, sharedEnv } = planLauncher(single, 1, 'localhost');
    assert.deepEqual(sharedEnv, { NODE_RANK: '0' });
    const pod = runPod(script, 0, 'echo hello', sharedEnv);
    assert.deepEqual([pod.status, pod.logs, pod.exitCode], [0, { 'std_log.txt': 'hello' }, '0']);
  });

  it('lets the upload container read what the job wrote for its owner only', () => {
    const single = processLayout(undefined, { instanceCount: 1, hosts: ['localhost'], masterPort: 1 });
    const { script, sharedEnv } = planLauncher(single, 1, 'localhost');
    const { stateDir, env } = podEnv(
      0,
      'umask 077; mkdir -p "$TRELLIS_STATE_DIR/../checkpoints/run" && echo 5 > "$TRELLIS_STATE_DIR/../checkpoints/run/step.txt"',
      sharedEnv,
    );
    assert.equal(spawnSync('bash', ['-c', script], { env }).status, 0);
    assert.equal(statSync(join(stateDir, '..', 'checkpoints', 'run')).mode & 0o005, 0o005);
    assert.equal(statSync(join(stateDir, '..', 'checkpoints', 'run', 'step.txt')).mode & 0o004, 0o004);
  });

  it('derives Open MPI ranks and the node rank of a job without distribution', () => {
    const mpi = processLayout({ type: 'mpi', process_count_per_instance: 2 }, { instanceCount: 2, hosts: ['a', 'b'], masterPort: 1 });
    const { script, sharedEnv } = planLauncher(mpi, 2, 'job-0.job');
    assert.equal(sharedEnv.AZ_BATCHAI_MPI_MASTER_NODE, 'job-0.job');
    assert.equal(sharedEnv.AZ_BATCH_MASTER_NODE, 'job-0.job:1');
    // Open MPI's NODE_RANK is the rank among the node's processes, as LOCAL_RANK.
    assert.match(
      script,
      /OMPI_COMM_WORLD_LOCAL_RANK="\$trellis_local" OMPI_COMM_WORLD_NODE_RANK="\$trellis_local" OMPI_COMM_WORLD_RANK="\$trellis_rank"/,
    );
    const perNode = processLayout(undefined, { instanceCount: 3, hosts: ['a', 'b', 'c'], masterPort: 1 });
    const pod = runPod(planLauncher(perNode, 3, 'x').script, 2, 'echo "$NODE_RANK"', {});
    assert.deepEqual(pod.logs, { 'std_log_process_2.txt': '2' });
  });

  it('refuses nodes with different numbers of processes', () => {
    const uneven = [
      { node: 0, rank: 0, env: {} },
      { node: 0, rank: 1, env: {} },
      { node: 1, rank: 2, env: {} },
    ];
    assert.throws(() => planLauncher(uneven, 2, 'x'), /same number of processes \(got 2, 1 per node\)/);
  });
});
