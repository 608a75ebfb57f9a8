import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LaunchRequest } from '../compute-backend.js';
import { LocalBackend } from './local-backend.js';

const backend = new LocalBackend();

function request(command: string, processes = 1): LaunchRequest {
  const workDir = mkdtempSync(join(tmpdir(), 'trellis-local-'));
  const codeDir = join(workDir, 'code');
  mkdirSync(codeDir);
  return {
    workspace: 'default',
    jobName: 'job',
    attempt: 1,
    command,
    workDir,
    codeDir,
    logDir: join(workDir, 'user_logs'),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GREETING: 'hello' },
    processes: Array.from({ length: processes }, (_, rank) => ({ node: 0, rank, env: { RANK: String(rank) } })),
    instanceCount: 1,
    resources: { vcpus: 1, memoryGiB: 1, gpus: 0 },
  };
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(50);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('LocalBackend', () => {
  it('runs the command in the code folder with its environment, output in std_log.txt, and reports the exit code', async () => {
    const launch = request('echo "$GREETING from $(pwd)"; echo oops >&2; exit 3');
    const { handle } = await backend.launch(launch);
    await until(async () => (await backend.poll(handle)).state !== 'running');
    assert.deepEqual(await backend.poll(handle), { state: 'exited', exitCode: 3 });
    const log = readFileSync(join(launch.logDir, 'std_log.txt'), 'utf8');
    assert.match(log, new RegExp(`hello from ${launch.codeDir}`));
    assert.match(log, /oops/);
  });

  it('gives each process of a distributed attempt its own variables and log, and succeeds when all exit 0', async () => {
    const launch = request('echo "rank $RANK"', 2);
    const { handle } = await backend.launch(launch);
    await until(async () => (await backend.poll(handle)).state !== 'running');
    assert.deepEqual(await backend.poll(handle), { state: 'exited', exitCode: 0 });
    assert.equal(readFileSync(join(launch.logDir, 'std_log_process_0.txt'), 'utf8').trim(), 'rank 0');
    assert.equal(readFileSync(join(launch.logDir, 'std_log_process_1.txt'), 'utf8').trim(), 'rank 1');
  });

  it('lets the command save its work on SIGTERM, and records the exit status it chose', async () => {
    const launch = request(`trap 'echo saved > "$PWD/checkpoint"; exit 0' TERM; touch "$PWD/ready"; sleep 30 & wait`);
    const { handle } = await backend.launch(launch);
    // Signal only once the trap is set: before that, SIGTERM simply ends bash.
    await until(async () => existsSync(join(launch.codeDir, 'ready')));
    assert.deepEqual(await backend.poll(handle), { state: 'running' });
    await backend.stop(handle, 5);
    assert.equal(readFileSync(join(launch.codeDir, 'checkpoint'), 'utf8').trim(), 'saved');
    assert.deepEqual(await backend.poll(handle), { state: 'exited', exitCode: 0 });
  });

  it('stops the whole process tree, escalating to SIGKILL when SIGTERM is ignored', async () => {
    const launch = request(`trap '' TERM; sleep 60 & echo $! > "$PWD/child.pid"; wait; sleep 60`);
    const { handle } = await backend.launch(launch);
    await until(async () => existsSync(join(launch.codeDir, 'child.pid')));
    const childPid = Number(readFileSync(join(launch.codeDir, 'child.pid'), 'utf8'));
    const started = Date.now();
    await backend.stop(handle, 1);
    await until(async () => !alive(childPid));
    assert.ok(Date.now() - started < 8000);
    // Killed hard, the wrapper died too: no exit status, so the attempt reads as lost.
    await until(async () => (await backend.poll(handle)).state !== 'running');
    assert.equal((await backend.poll(handle)).state, 'lost');
  });

  it('finds a finished attempt by its handle alone, as a restarted server does', async () => {
    const launch = request('exit 0');
    const { handle } = await backend.launch(launch);
    await until(async () => existsSync(join(launch.workDir, 'exit', '0')));
    assert.deepEqual(await new LocalBackend().poll(handle), { state: 'exited', exitCode: 0 });
  });
});
