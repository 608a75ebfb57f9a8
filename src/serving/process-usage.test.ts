import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { processGroupUsage, residentKilobytes, statFields } from './process-usage.js';

describe('process usage from /proc', () => {
  it('reads the group and CPU ticks after a command name with spaces and parentheses', () => {
    const stat = '4242 (python (worker) 1) S 1 4200 4200 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 123 456 789';
    assert.deepEqual(statFields(stat), { group: 4200, cpuTicks: 300 });
  });

  it('reads VmRSS, and 0 where a process has none', () => {
    assert.equal(residentKilobytes('Name:\tnode\nVmRSS:\t  51200 kB\nThreads: 7\n'), 51200);
    assert.equal(residentKilobytes('Name:\tkthreadd\n'), 0);
  });

  it("measures this test's own process group, on Linux", async (t) => {
    if (process.platform !== 'linux') return t.skip('no /proc here');
    const group = Number((await import('node:fs')).readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[2]);
    const usage = (await processGroupUsage([group]))!.get(group)!;
    assert.ok(usage.cpuSeconds > 0, `CPU seconds ${usage.cpuSeconds}`);
    assert.ok(usage.residentBytes > 10 * 1024 * 1024, `resident ${usage.residentBytes} bytes`);
  });
});
