import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sessionUsage } from './process-table.js';

describe('process table', () => {
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
