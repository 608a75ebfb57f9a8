import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runProcessGroup } from './process-group.js';

const cwd = mkdtempSync(join(tmpdir(), 'trellis-process-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runProcessGroup', () => {
  it('runs a command with its environment and working directory, streaming its output', async () => {
    let output = '';
    const running = runProcessGroup({ command: 'echo "$GREETING from $(pwd)"; echo oops >&2; exit 3', cwd, env: { ...env, GREETING: 'hello' }, onStdout: (chunk) => (output += chunk.toString()), onStderr: (chunk) => (output += chunk.toString()) });
    const result = await running.result;
    assert.equal(result.exitCode, 3);
    assert.equal(result.stoppedFor, null);
    assert.match(output, new RegExp(`hello from ${cwd}`));
    assert.match(output, /oops/);
  });

  it('stops the whole process tree at the timeout, children included', async () => {
    let childPid = 0;
    const running = runProcessGroup({
      command: 'sleep 60 & echo $!; wait',
      cwd,
      env,
      timeoutSeconds: 1,
      graceSeconds: 1,
      onStdout: (chunk) => (childPid = Number(chunk.toString().trim())),
    });
    const result = await running.result;
    assert.equal(result.stoppedFor, 'timeout');
    assert.ok(result.durationMs < 10_000);
    assert.ok(childPid > 0);
    assert.equal(alive(childPid), false, 'the background sleep was stopped with its group');
  });

  it('escalates to SIGKILL when the command ignores SIGTERM past the grace period', async () => {
    const running = runProcessGroup({ command: "trap '' TERM; sleep 30 & wait; sleep 30", cwd, env, graceSeconds: 1 });
    setTimeout(() => running.stop('canceled'), 300);
    const result = await running.result;
    assert.equal(result.stoppedFor, 'canceled');
    assert.equal(result.signal, 'SIGKILL');
  });

  it('lets a command save its work on SIGTERM before it exits (eviction)', async () => {
    const marker = join(cwd, 'checkpoint-saved');
    const running = runProcessGroup({ command: `trap 'echo saved > ${marker}; exit 0' TERM; sleep 30 & wait`, cwd, env, graceSeconds: 5 });
    setTimeout(() => running.stop('evicted'), 300);
    const result = await running.result;
    assert.equal(result.stoppedFor, 'evicted');
    assert.equal(result.exitCode, 0);
    assert.equal(execFileSync('cat', [marker]).toString().trim(), 'saved');
  });
});
