/**
 * How a local "node" (a slot on this machine) is held to its VM size's CPU and memory, decided
 * from what the machine lets Trellis do: cgroups where they are writable, CPU pinning with
 * taskset otherwise, and for memory, Trellis's own accounting of the node's resident memory.
 * Pure: the local backend probes the machine and carries the plan out.
 */

export type CgroupVersion = 1 | 2;

/** What this machine offers for limiting a group of processes; probed once by the local backend. */
export interface LimitSupport {
  /** The cgroup hierarchy in which Trellis can create a group with a CPU quota, or why it cannot. */
  cpuCgroup: { version: CgroupVersion } | { unavailable: string };
  /** The same for a memory limit. */
  memoryCgroup: { version: CgroupVersion } | { unavailable: string };
  /** Whether util-linux's taskset is on the PATH. */
  hasTaskset: boolean;
  /** The CPUs this process may run on (its affinity), ascending. */
  allowedCpus: number[];
}

export type CpuLimit =
  | { method: 'cgroup'; version: CgroupVersion; quotaMicros: number; periodMicros: number }
  | { method: 'taskset'; cpus: number[] }
  | { method: 'none'; why: string };

export type MemoryLimit =
  /** The kernel enforces the limit: over it, its OOM killer ends a process (exit 137). */
  | { method: 'cgroup'; version: CgroupVersion; bytes: number }
  /** Trellis sums the resident memory of the node's processes when it polls and kills them over the limit. */
  | { method: 'accounting'; bytes: number; why: string };

export interface NodeLimits {
  vcpus: number;
  memoryGiB: number;
  /** The CPUs this machine gives Trellis: a size with more is not held back by a quota. */
  machineCpus: number;
  cpu: CpuLimit;
  memory: MemoryLimit;
}

/** The CFS period the CPU quota is expressed in: 100 ms, the kernel's default. */
export const cpuPeriodMicros = 100_000;

const gib = 1024 ** 3;

/**
 * The limits of one node of a size with `vcpus` and `memoryGiB`, given what the machine supports.
 * `nodeKey` (the node's id) chooses which CPUs taskset pins to, so one node keeps its CPUs and
 * different nodes spread over the machine.
 */
export function planNodeLimits(resources: { vcpus: number; memoryGiB: number }, support: LimitSupport, nodeKey: string): NodeLimits {
  const { vcpus, memoryGiB } = resources;
  return {
    vcpus,
    memoryGiB,
    machineCpus: support.allowedCpus.length,
    cpu: planCpu(vcpus, support, nodeKey),
    memory: planMemory(memoryGiB, support),
  };
}

function planCpu(vcpus: number, support: LimitSupport, nodeKey: string): CpuLimit {
  if ('version' in support.cpuCgroup) {
    // A quota, not pinning: the node gets `vcpus` CPUs' worth of time on whichever CPUs are free.
    return {
      method: 'cgroup',
      version: support.cpuCgroup.version,
      quotaMicros: Math.max(1000, Math.round(vcpus * cpuPeriodMicros)),
      periodMicros: cpuPeriodMicros,
    };
  }
  const whyNoCgroup = support.cpuCgroup.unavailable;
  if (!support.hasTaskset) return { method: 'none', why: `${whyNoCgroup}, and taskset (util-linux) is not installed` };
  const count = Math.ceil(vcpus);
  if (count >= support.allowedCpus.length)
    return {
      method: 'none',
      why: `${whyNoCgroup}, and pinning to ${count} CPUs limits nothing on a machine with ${support.allowedCpus.length}`,
    };
  return { method: 'taskset', cpus: pickCpus(support.allowedCpus, count, nodeKey) };
}

function planMemory(memoryGiB: number, support: LimitSupport): MemoryLimit {
  const bytes = Math.round(memoryGiB * gib);
  if ('version' in support.memoryCgroup) return { method: 'cgroup', version: support.memoryCgroup.version, bytes };
  return { method: 'accounting', bytes, why: support.memoryCgroup.unavailable };
}

/**
 * `count` consecutive CPUs (wrapping around) from `allowed`, starting at a place chosen by `key`:
 * stable for one node, spread across nodes.
 */
export function pickCpus(allowed: number[], count: number, key: string): number[] {
  if (count >= allowed.length) return [...allowed];
  const start = hashOf(key) % allowed.length;
  return Array.from({ length: count }, (_, index) => allowed[(start + index) % allowed.length]!).sort((a, b) => a - b);
}

/** FNV-1a: small, stable across runs and platforms. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The CPUs of a kernel CPU list such as `0-3,8,10-11` (Cpus_allowed_list, cpuset.cpus). */
export function parseCpuList(text: string): number[] {
  const cpus = new Set<number>();
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const [first, last] = part.split('-').map(Number);
    if (first === undefined || !Number.isInteger(first)) throw new Error(`'${text}' is not a CPU list`);
    const end = last === undefined ? first : last;
    if (!Number.isInteger(end) || end < first) throw new Error(`'${text}' is not a CPU list`);
    for (let cpu = first; cpu <= end; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** A CPU list as the kernel and taskset write it: `0-3,8`. */
export function formatCpuList(cpus: number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (let index = 0; index < sorted.length; ) {
    let end = index;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end]! + 1) end++;
    ranges.push(end === index ? String(sorted[index]) : `${sorted[index]}-${sorted[end]}`);
    index = end + 1;
  }
  return ranges.join(',');
}

/** The line the job's log starts with: what the node may use, and how (or why not) that is enforced. */
export function describeNodeLimits(limits: NodeLimits): string {
  const cpus = `${formatAmount(limits.vcpus)} vCPU${limits.vcpus === 1 ? '' : 's'}`;
  const memory = `${formatAmount(limits.memoryGiB)} GiB`;
  const cpu =
    limits.cpu.method === 'cgroup'
      ? `${cpus} via cgroup ${limits.cpu.version === 2 ? 'cpu.max' : 'v1 cpu.cfs_quota_us'}${limits.vcpus > limits.machineCpus ? ` (this machine has ${limits.machineCpus})` : ''}`
      : limits.cpu.method === 'taskset'
        ? `${cpus} via taskset (CPUs ${formatCpuList(limits.cpu.cpus)})`
        : `${cpus} not enforced: ${limits.cpu.why}`;
  const mem =
    limits.memory.method === 'cgroup'
      ? `${memory} via cgroup ${limits.memory.version === 2 ? 'memory.max' : 'v1 memory.limit_in_bytes'}`
      : `${memory} accounted by Trellis (resident memory checked at each poll; no cgroup: ${limits.memory.why})`;
  return `limits: ${cpu}, ${mem}`;
}

/** Why a process of a node ended, when the node ran out of memory; shown in the log and the job's reason. */
export function outOfMemoryReason(limits: Pick<NodeLimits, 'memoryGiB' | 'memory'>, node: number): string {
  const how = limits.memory.method === 'cgroup' ? "the kernel's OOM killer stopped it" : 'Trellis stopped its processes';
  return `out of memory: node ${node} went over its ${formatAmount(limits.memoryGiB)} GiB (the compute size's memory) and ${how}; use a larger size or use less memory per node`;
}

/** Whether a node's processes, at `residentBytes` in all, are over the accounted limit. */
export function isOverMemory(residentBytes: number, limit: MemoryLimit): boolean {
  return limit.method === 'accounting' && residentBytes > limit.bytes;
}

function formatAmount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/0+$/, '');
}
