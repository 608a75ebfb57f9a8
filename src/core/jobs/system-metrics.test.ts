import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cpuPercentOfOneCore,
  jobSample,
  parseGpuDevices,
  parseGpuProcesses,
  parseMachineCpu,
  parseProcessStat,
  parseResidentBytes,
  selectJobGpus,
  selectJobProcesses,
  systemMetricValues,
  type JobSample,
  type ProcessStat,
} from './system-metrics.js';

// Captured from Linux 6.x: a command name with spaces and parentheses, as python sets it.
const statText =
  '4133 (python (data loader) 1) S 4131 4120 4120 0 -1 4194304 98 0 0 0 250 40 7 3 20 0 5 0 399717 3133440 406 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n';

const procStat = [
  'cpu  365819 0 59300 362216 3410 0 1382 2589 120 0',
  'cpu0 154525 0 26543 213915 663 0 281 1318 60 0',
  'cpu1 211294 0 32756 148301 2746 0 1101 1270 60 0',
  'intr 1 2 3',
  'ctxt 99',
  '',
].join('\n');

// nvidia-smi 550 on a two-GPU node, the second a MIG-enabled board (utilization is [N/A] there).
const gpuText =
  '0, GPU-5c1d8a52-7e11-9d3b-2b5e-0a1f3c9d4e21, 87, 30521, 81559\n1, GPU-0f2e6b71-4c3a-11aa-93b2-7f5d0c2e8a10, [N/A], 0, 81559\n';
const appsText = '4133, GPU-5c1d8a52-7e11-9d3b-2b5e-0a1f3c9d4e21, 30000\n9001, GPU-5c1d8a52-7e11-9d3b-2b5e-0a1f3c9d4e21, 500\n';

function stat(pid: number, processGroup: number, cpuTicks: number, startTicks = String(pid * 10), session = processGroup): ProcessStat {
  return { pid, state: 'S', processGroup, session, cpuTicks, startTicks };
}

describe('parseProcessStat', () => {
  it('reads the group, session, CPU time (own and reaped children) and start time after the command name', () => {
    assert.deepEqual(parseProcessStat(4133, statText), {
      pid: 4133,
      state: 'S',
      processGroup: 4120,
      session: 4120,
      cpuTicks: 250 + 40 + 7 + 3,
      startTicks: '399717',
    });
  });

  it('refuses text that is no stat line (the process vanished mid-read)', () => {
    assert.equal(parseProcessStat(1, ''), undefined);
    assert.equal(parseProcessStat(1, '1 (bash) S 0 1'), undefined);
  });
});

describe('parseResidentBytes', () => {
  it('reads VmRSS in KiB, and counts 0 for a kernel thread without one', () => {
    assert.equal(parseResidentBytes('Name:\tpython\nVmPeak:\t  900 kB\nVmRSS:\t    2160 kB\nThreads:\t5\n'), 2160 * 1024);
    assert.equal(parseResidentBytes('Name:\tkworker/0:1\nThreads:\t1\n'), 0);
  });
});

describe('parseMachineCpu', () => {
  it('sums user to steal (guest is already in user) and counts the CPUs', () => {
    assert.deepEqual(parseMachineCpu(procStat), { totalTicks: 365819 + 59300 + 362216 + 3410 + 1382 + 2589, cpuCount: 2 });
    assert.equal(parseMachineCpu('intr 1\n'), undefined);
  });
});

describe('selectJobProcesses', () => {
  const all = [stat(100, 100, 5), stat(101, 100, 50), stat(102, 102, 7, '1020', 100), stat(200, 200, 9), stat(300, 300, 1, '3000')];

  it("takes every process in a slot's group, and one that left it for its own group but kept the session", () => {
    assert.deepEqual(
      selectJobProcesses(all, [{ leaderPid: 100, startTicks: '1000' }]).map((process) => process.pid),
      [100, 101, 102],
    );
  });

  it('takes the members of a group whose leader exited, and none when the leader pid now names another process', () => {
    assert.deepEqual(
      selectJobProcesses([stat(101, 100, 1)], [{ leaderPid: 100, startTicks: '1000' }]).map((process) => process.pid),
      [101],
    );
    assert.deepEqual(selectJobProcesses(all, [{ leaderPid: 300, startTicks: '42' }]), []);
    assert.deepEqual(
      selectJobProcesses(all, [{ leaderPid: 300, startTicks: '' }]).map((process) => process.pid),
      [300],
    );
  });
});

describe('cpuPercentOfOneCore', () => {
  const machine = (totalTicks: number) => ({ totalTicks, cpuCount: 4 });
  const sample = (jobTicks: number, totalTicks: number): JobSample => ({ jobTicks, machine: machine(totalTicks), residentBytes: 0 });

  it('divides the job ticks by the wall time, which is the machine ticks per CPU', () => {
    // 10 s on 4 CPUs at 100 ticks/s: 4000 machine ticks; the job used 1.5 cores.
    assert.equal(cpuPercentOfOneCore(sample(0, 0), sample(1500, 4000)), 150);
  });

  it('has no figure when no time passed, and never goes below zero when a process took its time away', () => {
    assert.equal(cpuPercentOfOneCore(sample(0, 10), sample(5, 10)), undefined);
    assert.equal(cpuPercentOfOneCore(sample(500, 0), sample(100, 4000)), 0);
  });

  it('counts a child reaped between samples once: its time moves into the parent', () => {
    const before = jobSample(
      [
        { ...stat(100, 100, 10), residentBytes: 0 },
        { ...stat(101, 100, 50), residentBytes: 0 },
      ],
      machine(0),
    );
    // The child ran 20 more ticks, then exited; the parent added its 70 to cutime and ran 10 itself.
    const after = jobSample([{ ...stat(100, 100, 10 + 70 + 10), residentBytes: 0 }], machine(400));
    assert.equal(cpuPercentOfOneCore(before, after), 30);
  });
});

describe('nvidia-smi', () => {
  it('parses the devices, leaving [N/A] values out', () => {
    assert.deepEqual(parseGpuDevices(gpuText), [
      { index: 0, uuid: 'GPU-5c1d8a52-7e11-9d3b-2b5e-0a1f3c9d4e21', utilizationPercent: 87, memoryUsedMib: 30521, memoryTotalMib: 81559 },
      {
        index: 1,
        uuid: 'GPU-0f2e6b71-4c3a-11aa-93b2-7f5d0c2e8a10',
        utilizationPercent: undefined,
        memoryUsedMib: 0,
        memoryTotalMib: 81559,
      },
    ]);
    assert.deepEqual(parseGpuDevices('No devices were found\n'), []);
  });

  it('parses the compute apps; none is an empty list', () => {
    assert.deepEqual(parseGpuProcesses(appsText), [
      { pid: 4133, gpuUuid: 'GPU-5c1d8a52-7e11-9d3b-2b5e-0a1f3c9d4e21', usedMemoryMib: 30000 },
      { pid: 9001, gpuUuid: 'GPU-5c1d8a52-7e11-9d3b-2b5e-0a1f3c9d4e21', usedMemoryMib: 500 },
    ]);
    assert.deepEqual(parseGpuProcesses(''), []);
  });

  it("keeps the devices the job's processes hold memory on, with the memory they hold", () => {
    const devices = parseGpuDevices(gpuText);
    const processes = parseGpuProcesses(appsText);
    const visible = new Set([4133, 9001, 1]);
    const gpus = selectJobGpus(devices, processes, new Set([4120, 4133]), visible);
    assert.deepEqual(
      gpus.devices.map((device) => device.index),
      [0],
    );
    assert.equal(gpus.jobMemoryMib, 30000);
    assert.deepEqual(selectJobGpus(devices, processes, new Set([77]), visible), { devices: [], jobMemoryMib: undefined });
    assert.deepEqual(selectJobGpus(devices, [], new Set([4133]), visible), { devices: [], jobMemoryMib: undefined });
  });

  it("reports every device when nvidia-smi's pids are not this pid namespace's", () => {
    const devices = parseGpuDevices(gpuText);
    assert.deepEqual(selectJobGpus(devices, parseGpuProcesses(appsText), new Set([10]), new Set([10, 11])), {
      devices,
      jobMemoryMib: undefined,
    });
  });
});

describe('systemMetricValues', () => {
  const previous: JobSample = { jobTicks: 0, machine: { totalTicks: 0, cpuCount: 8 }, residentBytes: 0 };
  const current: JobSample = { jobTicks: 2000, machine: { totalTicks: 8000, cpuCount: 8 }, residentBytes: 3 * 2 ** 30 };

  it('names the metrics as MLflow does, CPU as a share of the size and of one core, memory of the size', () => {
    const devices = parseGpuDevices(gpuText).slice(0, 1);
    const metrics = systemMetricValues({
      previous,
      current,
      size: { vcpus: 4, memoryGiB: 12 },
      machineMemoryBytes: 64 * 2 ** 30,
      gpus: { devices, jobMemoryMib: 30000 },
    });
    assert.deepEqual(Object.fromEntries(metrics), {
      'system/cpu_utilization_percentage': 50,
      'system/process_cpu_percentage': 200,
      'system/system_memory_usage_megabytes': 3221.2,
      'system/system_memory_usage_percentage': 25,
      'system/gpu_0_utilization_percentage': 87,
      'system/gpu_0_memory_usage_megabytes': 32003.6,
      'system/gpu_0_memory_usage_percentage': 37.4,
      'system/process_gpu_memory_megabytes': 31457.3,
    });
  });

  it('has no CPU figure on the first sample, and takes this machine as the node without a size', () => {
    const metrics = systemMetricValues({ previous: undefined, current, size: undefined, machineMemoryBytes: 6 * 2 ** 30, gpus: undefined });
    assert.deepEqual(Object.fromEntries(metrics), {
      'system/system_memory_usage_megabytes': 3221.2,
      'system/system_memory_usage_percentage': 50,
    });
    const second = systemMetricValues({ previous, current, size: undefined, machineMemoryBytes: 6 * 2 ** 30, gpus: undefined });
    assert.equal(second.get('system/cpu_utilization_percentage'), 25);
  });
});
