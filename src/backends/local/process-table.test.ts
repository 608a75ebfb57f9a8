import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { sessionUsage } from './process-table.js';
import { waitFor } from '../../../test/support/wait-for.js';

describe('process table', () => {
  it("finds a session's processes, children included, and sums their memory", async () => {
    const leader = spawn('bash', ['-c', 'sleep 5 & sleep 5 & wait'], { detached: true, stdio: 'ignore' });
    try {
      const usage = await waitFor(async () => (await sessionUsage([leader.pid!])).get(leader.pid!), {
        what: "bash and its two sleeps in the session's process table",
        until: (found) => found?.pids.length === 3,
        timeoutMs: 5_000,
        intervalMs: 50,
      });
      assert.ok(usage);
      assert.ok(usage.pids.includes(leader.pid!));
      assert.ok(usage.residentBytes > 0);
      assert.deepEqual((await sessionUsage([])).size, 0);
    } finally {
      process.kill(-leader.pid!, 'SIGKILL');
    }
  });
});
