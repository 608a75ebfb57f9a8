import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeNodeLimits,
  formatCpuList,
  isOverMemory,
  outOfMemoryReason,
  parseCpuList,
  pickCpus,
  planNodeLimits,
  type LimitSupport,
} from './node-limits.js';

const gib = 1024 ** 3;
const eightCpus = [0, 1, 2, 3, 4, 5, 6, 7];
const noCgroups: LimitSupport = {
  cpuCgroup: { unavailable: 'no writable cgroup' },
  memoryCgroup: { unavailable: 'no writable cgroup' },
  hasTaskset: true,
  allowedCpus: eightCpus,
};

describe('planNodeLimits', () => {
  it('uses a cgroup CPU quota and memory limit where the machine has them', () => {
    const limits = planNodeLimits(
      { vcpus: 4, memoryGiB: 14 },
      { ...noCgroups, cpuCgroup: { version: 2 }, memoryCgroup: { version: 2 } },
      'cpu-cluster-1',
    );
    assert.deepEqual(limits.cpu, { method: 'cgroup', version: 2, quotaMicros: 400_000, periodMicros: 100_000 });
    assert.deepEqual(limits.memory, { method: 'cgroup', version: 2, bytes: 14 * gib });
    assert.equal(describeNodeLimits(limits), 'limits: 4 vCPUs via cgroup cpu.max, 14 GiB via cgroup memory.max');
  });

  it('names the cgroup v1 files on a v1 machine', () => {
    const limits = planNodeLimits(
      { vcpus: 2, memoryGiB: 7 },
      { ...noCgroups, cpuCgroup: { version: 1 }, memoryCgroup: { version: 1 } },
      'n',
    );
    assert.equal(describeNodeLimits(limits), 'limits: 2 vCPUs via cgroup v1 cpu.cfs_quota_us, 7 GiB via cgroup v1 memory.limit_in_bytes');
  });

  it('says when a CPU quota is more than the machine has', () => {
    const limits = planNodeLimits(
      { vcpus: 16, memoryGiB: 56 },
      { ...noCgroups, cpuCgroup: { version: 2 }, memoryCgroup: { version: 2 } },
      'n',
    );
    assert.equal(describeNodeLimits(limits), 'limits: 16 vCPUs via cgroup cpu.max (this machine has 8), 56 GiB via cgroup memory.max');
  });

  it('pins to as many CPUs as the size has with taskset, and accounts memory itself, without cgroups', () => {
    const limits = planNodeLimits({ vcpus: 2, memoryGiB: 7 }, noCgroups, 'cpu-cluster-1');
    assert.equal(limits.cpu.method, 'taskset');
    assert.equal(limits.cpu.method === 'taskset' && limits.cpu.cpus.length, 2);
    assert.deepEqual(limits.memory, { method: 'accounting', bytes: 7 * gib, why: 'no writable cgroup' });
    assert.match(
      describeNodeLimits(limits),
      /^limits: 2 vCPUs via taskset \(CPUs \d(-\d|,\d)\), 7 GiB accounted by Trellis .*no cgroup: no writable cgroup/,
    );
  });

  it('says why CPU is not enforced: no taskset, or a size as large as the machine', () => {
    const noTaskset = planNodeLimits({ vcpus: 2, memoryGiB: 7 }, { ...noCgroups, hasTaskset: false }, 'n');
    assert.deepEqual(noTaskset.cpu, { method: 'none', why: 'no writable cgroup, and taskset (util-linux) is not installed' });
    const tooBig = planNodeLimits({ vcpus: 16, memoryGiB: 7 }, noCgroups, 'n');
    assert.equal(tooBig.cpu.method, 'none');
    assert.match(
      describeNodeLimits(tooBig),
      /16 vCPUs not enforced: no writable cgroup, and pinning to 16 CPUs limits nothing on a machine with 8/,
    );
  });

  it('keeps a fraction of a GiB or a vCPU readable', () => {
    const limits = planNodeLimits(
      { vcpus: 0.5, memoryGiB: 0.25 },
      { ...noCgroups, cpuCgroup: { version: 2 }, memoryCgroup: { version: 2 } },
      'n',
    );
    assert.equal(limits.cpu.method === 'cgroup' && limits.cpu.quotaMicros, 50_000);
    assert.equal(describeNodeLimits(limits), 'limits: 0.5 vCPUs via cgroup cpu.max, 0.25 GiB via cgroup memory.max');
  });
});

describe('pickCpus', () => {
  it('gives one node the same consecutive CPUs every time and spreads nodes over the machine', () => {
    assert.deepEqual(pickCpus(eightCpus, 2, 'node-a'), pickCpus(eightCpus, 2, 'node-a'));
    const starts = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((key) => pickCpus(eightCpus, 2, key).join(',')));
    assert.ok(starts.size > 2, `eight nodes all landed on ${[...starts].join(' / ')}`);
    for (const key of ['x', 'y', 'z']) {
      const cpus = pickCpus(eightCpus, 3, key);
      assert.equal(new Set(cpus).size, 3);
      assert.ok(cpus.every((cpu) => eightCpus.includes(cpu)));
    }
  });

  it('wraps around the end of the allowed list and keeps to it', () => {
    const allowed = [2, 3, 6];
    for (const key of ['a', 'b', 'c', 'd']) assert.ok(pickCpus(allowed, 2, key).every((cpu) => allowed.includes(cpu)));
    assert.deepEqual(pickCpus(allowed, 5, 'a'), allowed);
  });
});

describe('CPU lists', () => {
  it('reads and writes the kernel format', () => {
    assert.deepEqual(parseCpuList('0-3,8,10-11\n'), [0, 1, 2, 3, 8, 10, 11]);
    assert.deepEqual(parseCpuList('5'), [5]);
    assert.equal(formatCpuList([11, 0, 1, 2, 3, 8, 10]), '0-3,8,10-11');
    assert.equal(formatCpuList([4]), '4');
    assert.throws(() => parseCpuList('3-1'), /not a CPU list/);
    assert.throws(() => parseCpuList('a'), /not a CPU list/);
  });
});

describe('memory', () => {
  it('kills on accounting only when the node is over its limit', () => {
    assert.equal(isOverMemory(2 * gib, { method: 'accounting', bytes: gib, why: '' }), true);
    assert.equal(isOverMemory(gib / 2, { method: 'accounting', bytes: gib, why: '' }), false);
    // The kernel enforces a cgroup limit; Trellis does not kill on top of it.
    assert.equal(isOverMemory(2 * gib, { method: 'cgroup', version: 2, bytes: gib }), false);
  });

  it('says the node ran out of memory, its limit, and who stopped it', () => {
    const reason = outOfMemoryReason({ memoryGiB: 7, memory: { method: 'cgroup', version: 1, bytes: 7 * gib } }, 1);
    assert.match(reason, /^out of memory: node 1 went over its 7 GiB .*OOM killer/);
    assert.match(
      outOfMemoryReason({ memoryGiB: 7, memory: { method: 'accounting', bytes: 7 * gib, why: '' } }, 0),
      /Trellis stopped its processes/,
    );
  });
});
