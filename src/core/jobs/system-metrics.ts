/**
 * The system metrics of a running job, named as MLflow names them (mlflow/system_metrics: the
 * `system/` prefix, `cpu_utilization_percentage`, `gpu_0_utilization_percentage`, ...) and
 * computed from what Linux (/proc) and nvidia-smi report. Pure: the sampler
 * (services/jobs/system-metrics-sampler.ts) reads the files and runs the tool.
 *
 * Several jobs share this machine, so CPU and memory are those of the job's own processes (every
 * process in the process groups and sessions its slots lead), never the machine's. MLflow's
 * machine-wide names keep their meaning for a job that has a node of its compute's size to
 * itself, as on Azure ML; without a size, this machine stands in for the node:
 * - system/cpu_utilization_percentage: the job's CPU time over the interval as a share of the
 *   size's vCPUs (100 = all busy; above 100 only where the machine could not hold the job to
 *   its size).
 * - system/process_cpu_percentage: the same CPU time in MLflow's process-monitor convention
 *   (psutil): percent of one core, so 400 = four cores busy.
 * - system/system_memory_usage_megabytes: resident memory of the job's processes in MB (10^6
 *   bytes, as MLflow); pages shared between processes (forked data-loader workers) count once per
 *   process, as in MLflow's process monitor.
 * - system/system_memory_usage_percentage: that memory as a share of the size's memory.
 * GPUs are whole devices (nvidia-smi does not split a device's utilization by process): those the
 * job's processes hold memory on, each under its nvidia-smi index:
 * - system/gpu_<i>_utilization_percentage, system/gpu_<i>_memory_usage_megabytes and
 *   system/gpu_<i>_memory_usage_percentage (all processes on the device, as MLflow);
 * - system/process_gpu_memory_megabytes: the memory the job's own processes hold on them.
 */

export const metricPrefix = 'system/';

/** The fields of /proc/<pid>/stat a job's metrics need. */
export interface ProcessStat {
  pid: number;
  /** R, S, D, Z (zombie), ... */
  state: string;
  processGroup: number;
  session: number;
  /** utime + stime + cutime + cstime: CPU time of the process and of the children it reaped, in clock ticks. */
  cpuTicks: number;
  /** Field 22, ticks after boot: with the pid, it names the process (a reused pid starts at another time). */
  startTicks: string;
}

/** Parses /proc/<pid>/stat; undefined for text that is not one (a process that vanished mid-read). */
export function parseProcessStat(pid: number, text: string): ProcessStat | undefined {
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  if (fields.length < 20) return undefined;
  const at = (index: number) => Number(fields[index]);
  const stat: ProcessStat = {
    pid,
    state: fields[0] ?? '',
    processGroup: at(2),
    session: at(3),
    cpuTicks: at(11) + at(12) + at(13) + at(14),
    startTicks: fields[19] ?? '',
  };
  return Number.isFinite(stat.processGroup) && Number.isFinite(stat.session) && Number.isFinite(stat.cpuTicks) ? stat : undefined;
}

/** Resident memory in bytes from /proc/<pid>/status (VmRSS, in KiB); 0 for kernel threads and zombies, which have none. */
export function parseResidentBytes(status: string): number {
  const match = /^VmRSS:\s*(\d+)\s*kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** The machine's CPU time so far, summed over its CPUs, and how many CPUs (/proc/stat). */
export interface MachineCpu {
  totalTicks: number;
  cpuCount: number;
}

/** Parses /proc/stat's `cpu` line (and counts the `cpuN` lines); undefined when it has none. */
export function parseMachineCpu(procStat: string): MachineCpu | undefined {
  const lines = procStat.split('\n');
  const total = lines.find((line) => /^cpu\s/.test(line));
  if (!total) return undefined;
  // user nice system idle iowait irq softirq steal: guest time is already counted in user and nice.
  const ticks = total.trim().split(/\s+/).slice(1, 9).map(Number);
  if (ticks.length < 4 || ticks.some((value) => !Number.isFinite(value))) return undefined;
  const cpuCount = lines.filter((line) => /^cpu\d+\s/.test(line)).length;
  return { totalTicks: ticks.reduce((sum, value) => sum + value, 0), cpuCount: Math.max(cpuCount, 1) };
}

/** A process group a job's slot leads: the pid recorded at launch and its start time ('' when unknown). */
export interface LeadProcess {
  leaderPid: number;
  startTicks: string;
}

/**
 * The job's processes among all of this machine's: those in a process group or session one of its
 * slots leads (a command that starts its own group, or calls setsid, is still found by the other).
 * A leader whose pid now names a process that started at another time means the group is gone:
 * Linux reuses no pid while a group or session of that number has members.
 */
export function selectJobProcesses(all: ProcessStat[], leaders: LeadProcess[]): ProcessStat[] {
  const byPid = new Map(all.map((process) => [process.pid, process]));
  const ours = new Set(
    leaders
      .filter((leader) => {
        const found = byPid.get(leader.leaderPid);
        return found === undefined || leader.startTicks === '' || found.startTicks === leader.startTicks;
      })
      .map((leader) => leader.leaderPid),
  );
  return all.filter((process) => ours.has(process.processGroup) || ours.has(process.session));
}

/** One reading of a job's processes and of the machine, taken together. */
export interface JobSample {
  /** CPU time the job's processes used so far, with that of the children they reaped, in clock ticks. */
  jobTicks: number;
  machine: MachineCpu;
  residentBytes: number;
}

/** Sums what the job's processes report into one reading. */
export function jobSample(processes: Array<ProcessStat & { residentBytes: number }>, machine: MachineCpu): JobSample {
  return {
    jobTicks: processes.reduce((sum, process) => sum + process.cpuTicks, 0),
    machine,
    residentBytes: processes.reduce((sum, process) => sum + process.residentBytes, 0),
  };
}

/**
 * The job's CPU use between two readings, in percent of one core; undefined when no time passed.
 * The machine's ticks, summed over its CPUs and divided by their number, are the wall time in the
 * same unit as the job's, so the kernel's tick rate never needs to be known.
 */
export function cpuPercentOfOneCore(previous: JobSample, current: JobSample): number | undefined {
  const machineTicks = current.machine.totalTicks - previous.machine.totalTicks;
  if (machineTicks <= 0) return undefined;
  const wallTicks = machineTicks / current.machine.cpuCount;
  // A process reaped outside the job's groups takes its time with it: never below zero.
  const jobTicks = Math.max(0, current.jobTicks - previous.jobTicks);
  return (jobTicks / wallTicks) * 100;
}

/** The arguments of the two nvidia-smi queries the parsers below read. */
export const nvidiaSmiQueries = {
  devices: ['--query-gpu=index,uuid,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'],
  processes: ['--query-compute-apps=pid,gpu_uuid,used_memory', '--format=csv,noheader,nounits'],
};

export interface GpuDevice {
  index: number;
  uuid: string;
  /** undefined where nvidia-smi says [N/A] or [Not Supported] (MIG instances, some boards). */
  utilizationPercent: number | undefined;
  memoryUsedMib: number | undefined;
  memoryTotalMib: number | undefined;
}

/** A process holding memory on a GPU (a compute app). */
export interface GpuProcess {
  pid: number;
  gpuUuid: string;
  usedMemoryMib: number | undefined;
}

/** Parses `nvidia-smi` with `nvidiaSmiQueries.devices`; lines that are no device (a message) are skipped. */
export function parseGpuDevices(text: string): GpuDevice[] {
  return csvRows(text).flatMap(([index, uuid, utilization, used, total]) => {
    const number = value(index);
    if (number === undefined || !Number.isInteger(number) || uuid === undefined) return [];
    return [{ index: number, uuid, utilizationPercent: value(utilization), memoryUsedMib: value(used), memoryTotalMib: value(total) }];
  });
}

/** Parses `nvidia-smi` with `nvidiaSmiQueries.processes`; empty when no process uses a GPU. */
export function parseGpuProcesses(text: string): GpuProcess[] {
  return csvRows(text).flatMap(([pid, uuid, used]) => {
    const number = value(pid);
    if (number === undefined || !Number.isInteger(number) || uuid === undefined) return [];
    return [{ pid: number, gpuUuid: uuid, usedMemoryMib: value(used) }];
  });
}

/** The GPUs a job uses, and the memory its own processes hold on them (MiB). */
export interface JobGpus {
  devices: GpuDevice[];
  jobMemoryMib: number | undefined;
}

/**
 * The devices the job's processes hold memory on. When nvidia-smi lists processes but none of them
 * is visible here (this server runs in a container with its own pid namespace), the job's cannot be
 * told apart, and every device is reported, as MLflow does.
 */
export function selectJobGpus(
  devices: GpuDevice[],
  processes: GpuProcess[],
  jobPids: ReadonlySet<number>,
  visiblePids: ReadonlySet<number>,
): JobGpus {
  if (processes.length > 0 && !processes.some((process) => visiblePids.has(process.pid))) return { devices, jobMemoryMib: undefined };
  const ours = processes.filter((process) => jobPids.has(process.pid));
  const uuids = new Set(ours.map((process) => process.gpuUuid));
  const used = devices.filter((device) => uuids.has(device.uuid));
  if (used.length === 0) return { devices: [], jobMemoryMib: undefined };
  return { devices: used, jobMemoryMib: ours.reduce((sum, process) => sum + (process.usedMemoryMib ?? 0), 0) };
}

/** What one node of the compute's size offers. */
export interface NodeSize {
  vcpus: number;
  memoryGiB: number;
}

export interface SystemMetricsInput {
  /** The job's reading one interval ago; undefined for the first, which has no CPU figure yet. */
  previous: JobSample | undefined;
  current: JobSample;
  /** The compute's size; undefined: this machine is the node. */
  size: NodeSize | undefined;
  machineMemoryBytes: number;
  gpus: JobGpus | undefined;
}

/** The metrics of one reading, by name (with the `system/` prefix), rounded to one decimal as MLflow logs them. */
export function systemMetricValues(input: SystemMetricsInput): Map<string, number> {
  const metrics = new Map<string, number>();
  const put = (name: string, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) metrics.set(`${metricPrefix}${name}`, Math.round(value * 10) / 10);
  };
  const vcpus = input.size && input.size.vcpus > 0 ? input.size.vcpus : input.current.machine.cpuCount;
  const memoryBytes = input.size && input.size.memoryGiB > 0 ? input.size.memoryGiB * 2 ** 30 : input.machineMemoryBytes;
  const ofOneCore = input.previous ? cpuPercentOfOneCore(input.previous, input.current) : undefined;
  put('cpu_utilization_percentage', ofOneCore === undefined ? undefined : ofOneCore / vcpus);
  put('process_cpu_percentage', ofOneCore);
  put('system_memory_usage_megabytes', input.current.residentBytes / 1e6);
  put('system_memory_usage_percentage', memoryBytes > 0 ? (input.current.residentBytes / memoryBytes) * 100 : undefined);
  for (const device of input.gpus?.devices ?? []) {
    put(`gpu_${device.index}_utilization_percentage`, device.utilizationPercent);
    put(
      `gpu_${device.index}_memory_usage_megabytes`,
      device.memoryUsedMib === undefined ? undefined : mibToMegabytes(device.memoryUsedMib),
    );
    const total = device.memoryTotalMib;
    put(
      `gpu_${device.index}_memory_usage_percentage`,
      device.memoryUsedMib === undefined || !total ? undefined : (device.memoryUsedMib / total) * 100,
    );
  }
  put('process_gpu_memory_megabytes', input.gpus?.jobMemoryMib === undefined ? undefined : mibToMegabytes(input.gpus.jobMemoryMib));
  return metrics;
}

function mibToMegabytes(mib: number): number {
  return (mib * 2 ** 20) / 1e6;
}

function csvRows(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.split(',').map((cell) => cell.trim()));
}

/** A number nvidia-smi printed, or undefined for [N/A], [Not Supported] and the like. */
function value(cell: string | undefined): number | undefined {
  if (cell === undefined || cell === '' || cell.startsWith('[') || /^n\/a$/i.test(cell)) return undefined;
  const number = Number(cell);
  return Number.isFinite(number) ? number : undefined;
}
