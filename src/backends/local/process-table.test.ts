import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { residentBytesOf, sessionUsage, statFieldsOf } from './process-table.js';

describe('process table', () => {
  it('reads stat fields after a command name with spaces and parentheses', () => {
    const fields = statFieldsOf('4242 (my (odd) name) S 1 4242 4240 0 -1 4194560');
    assert.deepEqual(fields.slice(0, 4), ['S', '1', '4242', '4240']);
  });

  it('reads VmRSS in bytes, and 0 where there is none', () => {
    assert.equal(residentBytesOf('Name:\tpython3\nVmRSS:\t  204800 kB\nThreads: 1\n'), 204800 * 1024);
    assert.equal(residentBytesOf('Name:\tkthreadd\n'), 0);
  });

  it("finds a session's processes, children included, and sums their memory", async () => {
    const leader = spawn('bash', ['-c', 'sleep 5 & sleep 5 & wait'], { detached: true, stdio: 'ignore' });
    try {
      await sleep(300);
      const usage = (await sessionUsage([leader.pid!])).get(leader.pid!)!;
      assert.equal(usage.pids.length, 3, JSON.stringify(usage));
      assert.ok(usage.pids.includes(leader.pid!));
      assert.ok(usage.residentBytes > 0);
      assert.deepEqual((await sessionUsage([])).size, 0);
    } finally {
      process.kill(-leader.pid!, 'SIGKILL');
    }
  });
});
