import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { LaunchRequest } from '../compute-backend.js';
import { probeMachineLimits, type MachineLimits } from './cgroups.js';
import { jobWrapper, LocalBackend } from './local-backend.js';
import { waitFor } from '../../../test/support/wait-for.js';

const backend = new LocalBackend();
const machine = await probeMachineLimits();
/** This machine as if it had no writable cgroup: CPUs pinned with taskset, memory accounted by Trellis. */
const withoutCgroups: MachineLimits = {
  support: {
    ...machine.support,
    cpuCgroup: { unavailable: 'cgroups left out by the test' },
    memoryCgroup: { unavailable: 'cgroups left out by the test' },
  },
  bases: {},
  taskset: machine.taskset,
};

/** The log without the first line, in which the backend states the node's limits. */
function output(log: string): string {
  assert.match(log, /^trellis: node \d+ limits: /);
  return log.slice(log.indexOf('\n') + 1);
}

// Allocates (and touches) 32 MiB every 20 ms, up to 2 GiB, then says so.
const memoryHog = `python3 -c "
import time
chunks = []
for _ in range(64):
    chunks.append(b'x' * (32 << 20))
    time.sleep(0.02)
print('survived', flush=True)
"`;

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

async function until(check: () => Promise<boolean>, timeoutMs = 10_000, what = 'the condition'): Promise<void> {
  await waitFor(check, { what, timeoutMs, intervalMs: 50 });
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
    // The reason is the last line the command wrote (a traceback ends with the error).
    assert.deepEqual(await backend.poll(handle), { state: 'exited', exitCode: 3, reason: 'oops' });
    const log = readFileSync(join(launch.logDir, 'std_log.txt'), 'utf8');
    assert.match(log, new RegExp(`hello from ${launch.codeDir}`));
    assert.match(log, /oops/);
  });

  it('gives each process of a distributed attempt its own variables and log, and succeeds when all exit 0', async () => {
    const launch = request('echo "rank $RANK"', 2);
    const { handle } = await backend.launch(launch);
    await until(async () => (await backend.poll(handle)).state !== 'running');
    assert.deepEqual(await backend.poll(handle), { state: 'exited', exitCode: 0 });
    assert.equal(output(readFileSync(join(launch.logDir, 'std_log_process_0.txt'), 'utf8')).trim(), 'rank 0');
    assert.equal(output(readFileSync(join(launch.logDir, 'std_log_process_1.txt'), 'utf8')).trim(), 'rank 1');
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

  it('starts every log with the node limits that apply and how they are enforced', async () => {
    const launch = request('true');
    const { handle } = await backend.launch(launch);
    await until(async () => (await backend.poll(handle)).state !== 'running');
    const first = readFileSync(join(launch.logDir, 'std_log.txt'), 'utf8').split('\n')[0]!;
    assert.match(first, /^trellis: node 0 limits: 1 vCPU (via|not enforced)[^,]*, 1 GiB via /);
    if ('version' in machine.support.memoryCgroup) assert.match(first, /1 GiB via cgroup (memory\.max|v1 memory\.limit_in_bytes)/);
  });

  it('puts the processes of one node in one cgroup and removes it when the attempt ends', {
    skip: 'version' in machine.support.memoryCgroup ? false : `no memory cgroup here: ${JSON.stringify(machine.support.memoryCgroup)}`,
  }, async () => {
    const launch = request('cat /proc/self/cgroup', 2);
    const { handle } = await backend.launch(launch);
    await until(async () => (await backend.poll(handle)).state !== 'running');
    const cgroupsOf = (rank: number) =>
      output(readFileSync(join(launch.logDir, `std_log_process_${rank}.txt`), 'utf8'))
        .split('\n')
        .filter((line) => /memory/.test(line) || line.startsWith('0::'));
    const [first, second] = [cgroupsOf(0), cgroupsOf(1)];
    assert.ok(
      first.some((line) => /trellis-job-a1-n0-/.test(line)),
      first.join('\n'),
    );
    assert.deepEqual(first, second);
    const dir = join(machine.bases.memory!.dir, /(trellis-job-a1-n0-[0-9a-f]+)/.exec(first.join('\n'))![1]!);
    assert.equal(existsSync(dir), false, `${dir} is still there`);
  });

  it('removes node cgroups left empty by a server that went away, once seen empty at two sweeps', {
    skip: machine.bases.memory ? false : 'no memory cgroup here',
  }, async () => {
    const stale = join(machine.bases.memory!.dir, `trellis-stale-${process.pid}`);
    mkdirSync(stale);
    try {
      const sweeping = new LocalBackend({ sweepIntervalMs: 0 });
      const run = async () => {
        const { handle } = await sweeping.launch(request('true'));
        await until(async () => (await sweeping.poll(handle)).state !== 'running');
      };
      await run();
      assert.equal(existsSync(stale), true, 'removed at the first sight');
      await run();
      assert.equal(existsSync(stale), false);
    } finally {
      if (existsSync(stale)) rmdirSync(stale);
    }
  });

  it('fails a node that goes over its memory with 137 and says it ran out of memory (cgroup)', {
    skip: 'version' in machine.support.memoryCgroup ? false : 'no memory cgroup here',
  }, async () => {
    const launch = { ...request(memoryHog), resources: { vcpus: 1, memoryGiB: 0.25, gpus: 0 } };
    const { handle } = await backend.launch(launch);
    await until(async () => (await backend.poll(handle)).state !== 'running', 30_000);
    const ended = (await backend.poll(handle)) as { state: string; exitCode?: number; reason?: string };
    const log = readFileSync(join(launch.logDir, 'std_log.txt'), 'utf8');
    assert.equal(ended.state, 'exited', log);
    assert.equal(ended.exitCode, 137, log);
    assert.match(ended.reason ?? '', /^out of memory: node 0 went over its 0\.25 GiB .*OOM killer/);
    assert.match(log, /trellis: out of memory/);
    assert.doesNotMatch(log, /survived/);
  });

  it("without cgroups, accounts the node's resident memory and kills it over the limit", async () => {
    const accounting = new LocalBackend({ probeLimits: async () => withoutCgroups });
    const launch = { ...request(memoryHog), resources: { vcpus: 1, memoryGiB: 0.25, gpus: 0 } };
    const { handle } = await accounting.launch(launch);
    await until(async () => (await accounting.poll(handle)).state !== 'running', 30_000);
    const ended = (await accounting.poll(handle)) as { state: string; exitCode?: number; reason?: string };
    const log = readFileSync(join(launch.logDir, 'std_log.txt'), 'utf8');
    assert.match(log, /^trellis: node 0 limits: .*0\.25 GiB accounted by Trellis/);
    assert.deepEqual([ended.state, ended.exitCode], ['exited', 137], log);
    assert.match(ended.reason ?? '', /^out of memory: node 0 went over its 0\.25 GiB .*Trellis stopped its processes/);
    assert.match(log, /trellis: out of memory: .*resident memory 0\.\d+ GiB/);
    assert.doesNotMatch(log, /survived/);
  });

  it('without cgroups, pins a node to as many CPUs as its size has with taskset', {
    skip: machine.taskset && machine.support.allowedCpus.length > 1 ? false : 'needs taskset and 2 CPUs or more',
  }, async () => {
    const pinned = new LocalBackend({ probeLimits: async () => withoutCgroups });
    const launch = request('grep Cpus_allowed_list /proc/self/status');
    const { handle } = await pinned.launch(launch);
    await until(async () => (await pinned.poll(handle)).state !== 'running');
    const log = readFileSync(join(launch.logDir, 'std_log.txt'), 'utf8');
    const planned = /via taskset \(CPUs (\d+)\)/.exec(log)?.[1];
    assert.ok(planned !== undefined, log);
    assert.match(output(log), new RegExp(`Cpus_allowed_list:\\s+${planned}\\n`));
  });
});

describe("a job's wrapper starts its command only when the server says so", () => {
  /** Runs the wrapper as launch does, writing `stdin` to its start pipe (or closing it unwritten); resolves when it exits. */
  const runWrapper = (folder: string, stdin: string | null) =>
    new Promise<number | null>((resolve) => {
      const child = spawn('bash', ['-c', jobWrapper, 'trellis-job', `echo ran >> ${join(folder, 'ran')}`, join(folder, 'exit'), '', ''], {
        stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      });
      child.once('exit', (code) => resolve(code));
      const start = child.stdio[3] as Writable;
      if (stdin === null) start.destroy();
      else start.end(stdin);
    });

  it('runs nothing and writes no exit code when the server died before recording it (its start pipe closed unwritten)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'trellis-wrapper-'));
    assert.equal(await runWrapper(folder, null), 0);
    assert.equal(existsSync(join(folder, 'ran')), false);
    assert.equal(existsSync(join(folder, 'exit')), false);
  });

  it('runs the command once told to, and records its exit code', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'trellis-wrapper-'));
    assert.equal(await runWrapper(folder, 'go\n'), 0);
    assert.equal(readFileSync(join(folder, 'ran'), 'utf8'), 'ran\n');
    assert.equal(readFileSync(join(folder, 'exit'), 'utf8'), '0');
  });
});
