import { access, constants, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { delimiter, join, posix } from 'node:path';
import { type Logger, pino } from 'pino';
import { parseCpuList, type CgroupVersion, type LimitSupport, type NodeLimits } from '../../core/compute/node-limits.js';
import { hasCode } from '../../core/error-codes.js';

/**
 * What the local backend needs from Linux to hold a node to its size: where it may create
 * cgroups (v2 or v1, nested under the server's own cgroup so a job never escapes the limits the
 * server runs under), whether taskset exists, and which CPUs the server may use. Probed once;
 * the decisions are made by core/compute/node-limits.ts.
 */

type Controller = 'cpu' | 'memory';

/** Where new cgroups for a controller go, and in which hierarchy. */
export interface CgroupBase {
  version: CgroupVersion;
  dir: string;
}

export interface MachineLimits {
  support: LimitSupport;
  bases: Partial<Record<Controller, CgroupBase>>;
  /** Absolute path of taskset, when installed. */
  taskset?: string | undefined;
}

export interface MountEntry {
  /** The cgroup path the mount shows at its mount point (not `/` in some containers). */
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** The entries of /proc/self/mountinfo (man 5 proc), with the kernel's octal escapes undone. */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    const separator = fields.indexOf('-');
    if (separator < 6 || fields.length < separator + 4) continue;
    entries.push({
      root: unescapeMount(fields[3]!),
      mountPoint: unescapeMount(fields[4]!),
      fsType: fields[separator + 1]!,
      superOptions: fields[separator + 3]!.split(','),
    });
  }
  return entries;
}

function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The process's cgroups from /proc/self/cgroup: its v2 path, and its v1 path per controller. */
export function parseProcCgroup(text: string): { v2?: string; v1: Map<string, string> } {
  let v2: string | undefined;
  const v1 = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, hierarchy = '', controllers = '', path = ''] = match;
    if (hierarchy === '0' && controllers === '') v2 = path;
    else for (const controller of controllers.split(',')) if (controller) v1.set(controller, path);
  }
  return v2 === undefined ? { v1 } : { v2, v1 };
}

/** Where a cgroup path lies on disk under a mount that shows `mount.root` at its mount point; undefined outside it. */
export function cgroupDir(mount: Pick<MountEntry, 'root' | 'mountPoint'>, path: string): string | undefined {
  const relative = posix.relative(mount.root, path);
  if (relative.startsWith('..')) return undefined;
  return join(mount.mountPoint, relative);
}

/** The files that set a controller's limit, per hierarchy. */
const limitFile: Record<Controller, Record<CgroupVersion, string>> = {
  cpu: { 1: 'cpu.cfs_quota_us', 2: 'cpu.max' },
  memory: { 1: 'memory.limit_in_bytes', 2: 'memory.max' },
};

/** Probes this machine once: which limits Trellis can enforce here, and how (`logger` hears a probe cgroup left behind). */
export async function probeMachineLimits(logger: Logger = pino()): Promise<MachineLimits> {
  const [mountInfo, ownCgroups, status] = await Promise.all([
    readText('/proc/self/mountinfo', logger),
    readText('/proc/self/cgroup', logger),
    readText('/proc/self/status', logger),
  ]);
  const mounts = parseMountInfo(mountInfo ?? '');
  const own = parseProcCgroup(ownCgroups ?? '');
  const bases: MachineLimits['bases'] = {};
  const why: Partial<Record<Controller, string>> = {};
  for (const controller of ['cpu', 'memory'] as const) {
    const found =
      (await findV2Base(controller, mounts, own.v2, logger)) ?? (await findV1Base(controller, mounts, own.v1.get(controller), logger));
    if ('dir' in found) bases[controller] = found;
    else why[controller] = found.unavailable;
  }
  const allowedText = /^Cpus_allowed_list:\s*(\S+)/m.exec(status ?? '')?.[1];
  const allowedCpus = allowedText ? parseCpuList(allowedText) : Array.from({ length: availableParallelism() }, (_, cpu) => cpu);
  const taskset = await findExecutable('taskset');
  const versionOf = (controller: Controller) => {
    const base = bases[controller];
    return base ? { version: base.version } : { unavailable: why[controller] ?? `no cgroup hierarchy offers the ${controller} controller` };
  };
  return {
    support: { cpuCgroup: versionOf('cpu'), memoryCgroup: versionOf('memory'), hasTaskset: taskset !== undefined, allowedCpus },
    bases,
    taskset,
  };
}

/**
 * A v2 base: the server's own cgroup, else the hierarchy's root, whichever already gives new
 * children the controller and lets Trellis create them. Undefined when no v2 hierarchy has the
 * controller at all (a v1 or hybrid machine), so v1 is tried next.
 */
async function findV2Base(
  controller: Controller,
  mounts: MountEntry[],
  ownPath: string | undefined,
  logger: Logger,
): Promise<CgroupBase | { unavailable: string } | undefined> {
  const mount = mounts.find((entry) => entry.fsType === 'cgroup2');
  if (!mount) return undefined;
  const candidates = [
    ...new Set([ownPath !== undefined ? cgroupDir(mount, ownPath) : undefined, mount.mountPoint].filter((dir) => dir !== undefined)),
  ];
  let unavailable: string | undefined;
  for (const dir of candidates) {
    const available = (await readText(join(dir, 'cgroup.controllers'), logger))?.split(/\s+/) ?? [];
    if (!available.includes(controller)) continue;
    // Enabling a controller is left to whoever owns the hierarchy (systemd's Delegate=yes, a
    // container runtime): at the root it would change every cgroup on the machine.
    const enabled = (await readText(join(dir, 'cgroup.subtree_control'), logger))?.split(/\s+/) ?? [];
    if (!enabled.includes(controller)) {
      unavailable = `the cgroup v2 ${controller} controller is not enabled for children of ${dir} (cgroup.subtree_control)`;
      continue;
    }
    const problem = await tryChild(dir, limitFile[controller][2], logger);
    if (!problem) return { version: 2, dir };
    unavailable = problem;
  }
  return unavailable ? { unavailable } : undefined;
}

async function findV1Base(
  controller: Controller,
  mounts: MountEntry[],
  ownPath: string | undefined,
  logger: Logger,
): Promise<CgroupBase | { unavailable: string }> {
  const mount = mounts.find((entry) => entry.fsType === 'cgroup' && entry.superOptions.includes(controller));
  if (!mount) return { unavailable: `no cgroup hierarchy (v2 or v1) offers the ${controller} controller to this process` };
  const dir = cgroupDir(mount, ownPath ?? '/') ?? mount.mountPoint;
  const problem = await tryChild(dir, limitFile[controller][1], logger);
  return problem ? { unavailable: problem } : { version: 1, dir };
}

/** Creates and removes a child cgroup of `dir` to see that Trellis may, and that it has `file`; the problem if not. */
async function tryChild(dir: string, file: string, logger: Logger): Promise<string | undefined> {
  const probe = join(dir, `trellis-probe-${process.pid}`);
  try {
    await mkdir(probe);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      return `${dir} does not take new cgroups (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  try {
    await access(join(probe, file), constants.W_OK);
    return undefined;
  } catch (error) {
    return `a new cgroup under ${dir} has no writable ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  } finally {
    await rmdir(probe).catch((error: unknown) => {
      if (!hasCode(error, 'ENOENT'))
        logger.warn(
          { err: error, cgroup: probe },
          `local backend: the probe cgroup ${probe} could not be removed; remove it by hand with rmdir`,
        );
    });
  }
}

/**
 * Creates the cgroup(s) of one node under the machine's bases and writes its limits. Returns the
 * directories its processes join (one for v2, one per controller for v1).
 */
export async function createNodeCgroups(machine: MachineLimits, name: string, limits: NodeLimits, logger: Logger): Promise<string[]> {
  const dirs: string[] = [];
  const make = async (base: CgroupBase) => {
    const dir = join(base.dir, name);
    await mkdir(dir, { recursive: true });
    if (!dirs.includes(dir)) dirs.push(dir);
    return dir;
  };
  try {
    if (limits.cpu.method === 'cgroup' && machine.bases.cpu) {
      const dir = await make(machine.bases.cpu);
      if (limits.cpu.version === 2) await writeFile(join(dir, 'cpu.max'), `${limits.cpu.quotaMicros} ${limits.cpu.periodMicros}`);
      else {
        await writeFile(join(dir, 'cpu.cfs_period_us'), String(limits.cpu.periodMicros));
        await writeFile(join(dir, 'cpu.cfs_quota_us'), String(limits.cpu.quotaMicros));
      }
    }
    if (limits.memory.method === 'cgroup' && machine.bases.memory) {
      const dir = await make(machine.bases.memory);
      const bytes = String(limits.memory.bytes);
      if (limits.memory.version === 2) {
        await writeFile(join(dir, 'memory.max'), bytes);
        // Swap would let the node go past its memory instead of failing as the VM would.
        await writeFile(join(dir, 'memory.swap.max'), '0').catch((error: unknown) => swapNotLimited(logger, dir, error));
      } else {
        await writeFile(join(dir, 'memory.limit_in_bytes'), bytes);
        await writeFile(join(dir, 'memory.memsw.limit_in_bytes'), bytes).catch((error: unknown) => swapNotLimited(logger, dir, error));
      }
    }
    return dirs;
  } catch (error) {
    await removeCgroups(dirs);
    throw error;
  }
}

/** Without swap accounting in the kernel (no such file) the node may swap; that is the machine's setting, so only debug says it. */
function swapNotLimited(logger: Logger, dir: string, error: unknown): void {
  const message = `local backend: swap is not limited for cgroup ${dir}; its processes may swap past the node's memory instead of failing`;
  if (hasCode(error, 'ENOENT')) logger.debug({ cgroup: dir }, message);
  else logger.warn({ err: error, cgroup: dir }, message);
}

/** How many times the kernel's OOM killer struck in these cgroups. */
export async function oomKills(dirs: string[], logger: Logger): Promise<number> {
  let kills = 0;
  for (const dir of dirs) {
    // v2 counts in memory.events, v1 (kernel 4.13+) in memory.oom_control.
    const text = (await readText(join(dir, 'memory.events'), logger)) ?? (await readText(join(dir, 'memory.oom_control'), logger)) ?? '';
    kills += Number(/^oom_kill (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return kills;
}

/** Kills every process left in the cgroups, even those that left their process group. */
export async function killCgroups(dirs: string[], logger: Logger): Promise<void> {
  for (const dir of dirs) {
    // v2 (Linux 5.14+) kills the whole cgroup at once; v1 and older kernels go pid by pid.
    if (
      await writeFile(join(dir, 'cgroup.kill'), '1').then(
        () => true,
        () => false,
      )
    )
      continue;
    for (const pid of ((await readText(join(dir, 'cgroup.procs'), logger)) ?? '').split('\n').filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (error) {
        if (!hasCode(error, 'ESRCH'))
          logger.warn(
            { err: error, pid, cgroup: dir },
            `local backend: process ${pid} of cgroup ${dir} could not be killed; it may still run`,
          );
      }
    }
  }
}

/** Trellis's cgroups on this machine (of any server) that hold no process now. */
export async function emptyTrellisCgroups(machine: MachineLimits, logger: Logger): Promise<string[]> {
  const empty: string[] = [];
  for (const base of new Set(Object.values(machine.bases).map((entry) => entry.dir))) {
    const names = await readdir(base).catch((error: unknown) => {
      if (!hasCode(error, 'ENOENT'))
        logger.warn(
          { err: error, cgroup: base },
          `local backend: the cgroups under ${base} could not be listed; stale ones there stay until the next sweep`,
        );
      return [] as string[];
    });
    for (const name of names.filter((candidate) => candidate.startsWith('trellis-'))) {
      const procs = await readText(join(base, name, 'cgroup.procs'), logger);
      if (procs !== undefined && procs.trim() === '') empty.push(join(base, name));
    }
  }
  return empty;
}

/** Removes the cgroups; those still holding live processes stay. Returns whether all are gone. */
export async function removeCgroups(dirs: string[]): Promise<boolean> {
  let removed = true;
  for (const dir of dirs) {
    await rmdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') removed = false;
    });
  }
  return removed;
}

/** The file's text; undefined where it cannot be read, which for /proc and cgroup files means the feature is absent here. */
async function readText(path: string, logger: Logger): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    // No such file: no such controller or kernel feature, or a cgroup just removed. Anything else is unexpected, and said.
    if (!hasCode(error, 'ENOENT', 'ENOTDIR'))
      logger.warn({ err: error, path }, `local backend: ${path} could not be read; Trellis goes on as if it did not exist`);
    return undefined;
  }
}

async function findExecutable(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, name);
    if (
      await access(path, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  return undefined;
}
