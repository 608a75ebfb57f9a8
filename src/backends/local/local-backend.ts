import { type ChildProcess, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { appendFile, type FileHandle, mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, pino } from 'pino';
import {
  describeNodeLimits,
  formatCpuList,
  isOverMemory,
  outOfMemoryReason,
  planNodeLimits,
  type NodeLimits,
} from '../../core/compute/node-limits.js';
import { TrellisError } from '../../core/errors.js';
import type { AttemptState, ComputeBackend, LaunchRequest } from '../compute-backend.js';
import {
  createNodeCgroups,
  emptyTrellisCgroups,
  killCgroups,
  oomKills,
  probeMachineLimits,
  removeCgroups,
  type MachineLimits,
} from './cgroups.js';
import { hasCode } from '../../core/error-codes.js';
import { sessionUsage } from './process-table.js';

/**
 * Runs an attempt on this machine, one process per process slot, each `bash -c <command>` in its
 * own process group (so a stop reaches everything the command started: data loaders, workers).
 * Processes are detached and write straight to their log files, so they outlive a server that is
 * killed; a small wrapper records each exit code in a file, so the result is known even when the
 * server was down at the moment the command ended. The handle is the attempt's folder.
 *
 * Each node is held to the compute size's CPUs and memory (core/compute/node-limits.ts decides
 * how, from what the machine allows): its processes join the node's cgroup, or are pinned with
 * taskset, and where no cgroup limits memory, `poll` sums their resident memory and kills the
 * node's processes over the limit. The first line of every log says which limits applied.
 */

interface ProcessRecord {
  rank: number;
  pid: number;
  /** The kernel's start time of the process (/proc/<pid>/stat field 22): a reused pid does not match. */
  startTicks: string;
  /** The process's node (absent in records written before nodes had limits). */
  node?: number;
  logPath?: string;
}

/** One node of an attempt, as launched: its limits and the cgroups holding its processes. */
interface NodeRecord {
  node: number;
  limits: NodeLimits;
  cgroups: string[];
}

// The wrapper survives the group's SIGTERM (the command, its child, still gets it: a trapped
// signal is reset to the default in children) and, since bash runs a trap only after the
// foreground command ends, records the command's own exit status when it ends: one write of a
// few bytes, with no temp file and `mv` (a process fewer on every job's path), since readExitCode
// takes a file still empty for one not written yet.
// Before the command starts, it joins the node's cgroups (the folders $5...) and CPUs ($4, with
// taskset at $3), so everything the command starts is inside the limits from its first
// instruction. In a cgroup v1 hierarchy it moves its one thread through `tasks` (0 names the
// writer): moving a whole process through cgroup.procs makes the kernel wait for an RCU grace
// period first, about 5 ms a cgroup on every job's path; cgroup.procs stays the way in v2 and
// where `tasks` cannot be written.
// It starts only when told to: it waits for a line on file descriptor 3, which the server writes
// once the attempt's process record is on disk, so a server killed in between leaves either a
// record (the next server adopts the attempt) or a wrapper that reads end of file and exits
// without running the command (the next server launches it): never a command running
// unrecorded, run twice. Not stdin: Node's pipes are sockets, and bash given a socket as stdin
// reads ~/.bashrc as if started by sshd.
export const jobWrapper = [
  "trap ':' TERM",
  'IFS= read -r go <&3 || exit 0',
  'exec 3<&-',
  'command=$1 exit_file=$2 taskset=$3 cpus=$4',
  'shift 4',
  'for dir in "$@"; do',
  '  { [ -e "$dir/tasks" ] && echo 0 2>/dev/null > "$dir/tasks"; } || echo $$ 2>/dev/null > "$dir/cgroup.procs" ||',
  '    echo "trellis: could not join the cgroup $dir; its limits do not hold for this process" >&2',
  'done',
  'if [ -n "$cpus" ]; then "$taskset" -cp "$cpus" $$ > /dev/null || echo "trellis: taskset could not pin this process to CPUs $cpus" >&2; fi',
  'bash -c "$command"',
  'code=$?',
  'printf "%s" "$code" > "$exit_file"',
  'exit "$code"',
].join('\n');

/** The pipe a job's wrapper waits on before it starts its command (its file descriptor 3). */
function startSignal(child: ChildProcess): Writable {
  return child.stdio[3] as Writable;
}

export interface LocalBackendOptions {
  /** Replaces the probe of this machine's cgroups and taskset (tests use it to force a fallback). */
  probeLimits?: () => Promise<MachineLimits>;
  /** How far apart two sweeps of stale cgroups are (a minute). */
  sweepIntervalMs?: number;
  /** Called when a process this server started ends, so the runner can poll at once instead of at its next tick. */
  onProcessExit?: () => void;
  /** Hears what went wrong in the background (a signal not delivered, a cgroup not removed); the server passes its own. */
  logger?: Logger;
}

export class LocalBackend implements ComputeBackend {
  private machine: Promise<MachineLimits> | undefined;
  private lastSweep = 0;
  private emptyAtLastSweep = new Set<string>();
  private readonly logger: Logger;

  /** After a restart, polling alone finds the ends of processes started before it (`onProcessExit` hears only this server's). */
  constructor(private readonly options: LocalBackendOptions = {}) {
    this.logger = options.logger ?? pino();
  }

  async launch(request: LaunchRequest): Promise<{ handle: string }> {
    const exitDir = join(request.workDir, 'exit');
    await mkdir(exitDir, { recursive: true });
    await mkdir(request.logDir, { recursive: true });
    const distributed = request.processes.length > 1;
    await this.sweepStaleCgroups();
    const nodes = await this.limitNodes(request);
    await writeAtomically(join(request.workDir, 'nodes.json'), JSON.stringify(nodes));
    const records: ProcessRecord[] = [];
    const children: ChildProcess[] = [];
    try {
      for (const slot of request.processes) {
        const logPath = join(request.logDir, distributed ? `std_log_process_${slot.rank}.txt` : 'std_log.txt');
        const node = nodes.find((candidate) => candidate.node === slot.node);
        const log = openSync(logPath, 'a');
        try {
          if (node)
            writeSync(
              log,
              `trellis: node ${node.node}${request.nodes?.[node.node] ? ` (${request.nodes[node.node]})` : ''} ${describeNodeLimits(node.limits)}\n`,
            );
          const cpu = node?.limits.cpu;
          const pinning =
            cpu?.method === 'taskset' ? [(await this.machineLimits()).taskset ?? 'taskset', formatCpuList(cpu.cpus)] : ['', ''];
          const child = spawn(
            'bash',
            ['-c', jobWrapper, 'trellis-job', request.command, join(exitDir, String(slot.rank)), ...pinning, ...(node?.cgroups ?? [])],
            {
              cwd: request.codeDir,
              env: { ...request.env, ...slot.env },
              detached: true,
              stdio: ['ignore', log, log, 'pipe'],
            },
          );
          // A wrapper gone before it is told to start (killed from outside) must not fail the server with EPIPE.
          startSignal(child).on('error', () => {});
          children.push(child);
          const pid = child.pid;
          if (pid === undefined)
            throw new TrellisError(
              'LaunchFailed',
              500,
              `could not start bash for job '${request.jobName}' (working directory ${request.codeDir})`,
            );
          const onExit = this.options.onProcessExit;
          if (onExit) child.once('exit', () => onExit());
          child.unref();
          records.push({ rank: slot.rank, pid, startTicks: (await startTicks(pid, this.logger)) ?? '', node: slot.node, logPath });
        } finally {
          closeSync(log);
        }
      }
      await writeAtomically(join(request.workDir, 'processes.json'), JSON.stringify(records));
    } catch (error) {
      // Their start pipes close unwritten: each wrapper exits without running the command.
      for (const child of children) startSignal(child).destroy();
      await removeCgroups(nodes.flatMap((node) => node.cgroups));
      throw error;
    }
    // Recorded: now they may start.
    for (const child of children) startSignal(child).end('go\n');
    return { handle: `local:${request.workDir}` };
  }

  /** The limits of each node of the attempt, with its cgroups made; a node whose cgroups cannot be made falls back as if the machine had none. */
  private async limitNodes(request: LaunchRequest): Promise<NodeRecord[]> {
    const machine = await this.machineLimits();
    const records: NodeRecord[] = [];
    for (const node of [...new Set(request.processes.map((slot) => slot.node))].sort((a, b) => a - b)) {
      const nodeKey = request.nodes?.[node] ?? `${request.workDir}#${node}`;
      const limits = planNodeLimits(request.resources, machine.support, nodeKey);
      if (limits.cpu.method !== 'cgroup' && limits.memory.method !== 'cgroup') {
        records.push({ node, limits, cgroups: [] });
        continue;
      }
      try {
        records.push({ node, limits, cgroups: await createNodeCgroups(machine, cgroupName(request, node), limits, this.logger) });
      } catch (error) {
        const unavailable = `creating the node's cgroup failed (${(error as Error).message})`;
        const fallback = planNodeLimits(
          request.resources,
          { ...machine.support, cpuCgroup: { unavailable }, memoryCgroup: { unavailable } },
          nodeKey,
        );
        records.push({ node, limits: fallback, cgroups: [] });
      }
    }
    return records;
  }

  /**
   * Removes node cgroups that nobody will: those of attempts that ended while their server was
   * gone for good. Only what was empty at two sweeps a minute apart goes, so a cgroup that
   * another launch has just made and is about to fill is never touched.
   */
  private async sweepStaleCgroups(): Promise<void> {
    if (Date.now() - this.lastSweep < (this.options.sweepIntervalMs ?? 60_000)) return;
    this.lastSweep = Date.now();
    const empty = await emptyTrellisCgroups(await this.machineLimits(), this.logger);
    await removeCgroups(empty.filter((dir) => this.emptyAtLastSweep.has(dir)));
    this.emptyAtLastSweep = new Set(empty);
  }

  private machineLimits(): Promise<MachineLimits> {
    this.machine ??= this.options.probeLimits ? this.options.probeLimits() : probeMachineLimits(this.logger);
    return this.machine;
  }

  async poll(handle: string): Promise<AttemptState> {
    const workDir = folderOf(handle);
    const records = await readRecords(workDir, this.logger);
    if (records === undefined)
      return { state: 'lost', reason: 'the attempt has no process record (it never started, or its folder is gone)' };
    const nodes = await readNodes(workDir, this.logger);
    await enforceAccountedMemory(workDir, records, nodes, this.logger);
    let running = false;
    let missing = false;
    const codes: Array<{ rank: number; code: number }> = [];
    for (const record of records) {
      let code: number | null | undefined = await readExitCode(workDir, record.rank, this.logger);
      if (code === undefined && !(await isAlive(record, this.logger)))
        // The wrapper may have written its code and exited between the two reads: read it once more.
        code = (await readExitCode(workDir, record.rank, this.logger)) ?? null;
      if (typeof code === 'number') codes.push({ rank: record.rank, code });
      else if (code === undefined) running = true;
      else missing = true;
    }
    // The first failing process decides: the caller stops the others.
    const failed = codes.find(({ code }) => code !== 0);
    let state: AttemptState;
    if (failed !== undefined) {
      const reason = await failureReason(workDir, records.find((record) => record.rank === failed.rank)!, nodes, this.logger);
      state = { state: 'exited', exitCode: failed.code, ...(reason ? { reason } : {}) };
    } else if (running) return { state: 'running' };
    else if (missing) state = { state: 'lost', reason: "the job's processes ended without an exit status (the node was lost)" };
    else state = { state: 'exited', exitCode: 0 };
    // With every process ended, the cgroups empty within moments (a wrapper is still exiting after
    // it wrote its code); cgroups whose processes still run (the other ranks of a failed
    // attempt) go when `stop` ends them.
    await removeCgroupsSoon(
      nodes.flatMap((node) => node.cgroups),
      running ? 0 : 2000,
    );
    return state;
  }

  /** An attempt is launched once its process record is written (launch writes it after starting every process). */
  async adopt(workDir: string): Promise<string | undefined> {
    return (await readRecords(workDir, this.logger)) === undefined ? undefined : `local:${workDir}`;
  }

  async stop(handle: string, graceSeconds: number): Promise<void> {
    const workDir = folderOf(handle);
    const records = (await readRecords(workDir, this.logger)) ?? [];
    const live = async () =>
      (await Promise.all(records.map(async (record) => ((await isAlive(record, this.logger)) ? record : undefined)))).filter(
        (record) => record !== undefined,
      );
    for (const record of await live()) signalGroup(record.pid, 'SIGTERM', this.logger);
    const deadline = Date.now() + graceSeconds * 1000;
    while (Date.now() < deadline && (await live()).length > 0) await sleep(100);
    for (const record of await live()) signalGroup(record.pid, 'SIGKILL', this.logger);
    // What left its process group (a daemon that called setsid) is still in the node's cgroup.
    const cgroups = (await readNodes(workDir, this.logger)).flatMap((node) => node.cgroups);
    if (cgroups.length === 0) return;
    await killCgroups(cgroups, this.logger);
    await removeCgroupsSoon(cgroups, 2000);
  }
}

/**
 * The process groups of a local attempt, one per process slot: each is led by (and numbered
 * after) the pid recorded at launch, with that process's start time. `undefined` for another
 * backend's handle, or an attempt whose record is gone (`logger` hears a record that is there but unreadable).
 */
export async function processGroupsOf(
  handle: string,
  logger: Logger,
): Promise<Array<{ leaderPid: number; startTicks: string }> | undefined> {
  if (!handle.startsWith('local:')) return undefined;
  return (await readRecords(folderOf(handle), logger))?.map((record) => ({ leaderPid: record.pid, startTicks: record.startTicks }));
}

function folderOf(handle: string): string {
  if (!handle.startsWith('local:')) throw new TrellisError('InvalidHandle', 500, `'${handle}' is not a handle of the local backend`);
  return handle.slice('local:'.length);
}

/** The attempt's process records; undefined when it has none (it never started, or its folder is gone). */
async function readRecords(workDir: string, logger: Logger): Promise<ProcessRecord[] | undefined> {
  return readJson<ProcessRecord[]>(join(workDir, 'processes.json'), logger, 'its processes are taken as lost');
}

/** The attempt's nodes with their limits; none for an attempt launched before nodes had limits. */
async function readNodes(workDir: string, logger: Logger): Promise<NodeRecord[]> {
  return (await readJson<NodeRecord[]>(join(workDir, 'nodes.json'), logger, 'its node limits and cgroups are not known')) ?? [];
}

/** A JSON file the backend wrote atomically; undefined when it is not there, and also (said in the log, with `lost`) when it is unreadable. */
async function readJson<T>(file: string, logger: Logger, lost: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if (!hasCode(error, 'ENOENT', 'ENOTDIR')) logger.warn({ err: error, file }, `local backend: ${file} could not be read; ${lost}`);
    return undefined;
  }
}

/** Removes the cgroups, waiting up to `waitMs` for the processes still leaving them. */
async function removeCgroupsSoon(dirs: string[], waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!(await removeCgroups(dirs)) && Date.now() < deadline) await sleep(50);
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

/** A cgroup name unique on this machine (the attempt's folder is) and readable in `systemd-cgls`. */
function cgroupName(request: LaunchRequest, node: number): string {
  const job = request.jobName.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
  const unique = createHash('sha256').update(request.workDir).digest('hex').slice(0, 8);
  return `trellis-${job}-a${request.attempt}-n${node}-${unique}`;
}

/**
 * Where no cgroup limits a node's memory, Trellis does: a node whose processes together hold more
 * resident memory than its size kills them all, as a VM's kernel would, and they exit with 137
 * (128 + SIGKILL) and the reason. Checked at each poll, so a fast allocation can overshoot
 * briefly; cgroups, where the machine has them, do not.
 */
async function enforceAccountedMemory(workDir: string, records: ProcessRecord[], nodes: NodeRecord[], logger: Logger): Promise<void> {
  const accounted = nodes.filter((node) => node.limits.memory.method === 'accounting');
  if (accounted.length === 0) return;
  const usage = await sessionUsage(
    records.filter((record) => accounted.some((node) => node.node === record.node)).map((record) => record.pid),
    logger,
  );
  for (const node of accounted) {
    const ranks = records.filter((record) => record.node === node.node);
    const resident = ranks.reduce((sum, record) => sum + (usage.get(record.pid)?.residentBytes ?? 0), 0);
    if (!isOverMemory(resident, node.limits.memory)) continue;
    const reason = outOfMemoryReason(node.limits, node.node);
    for (const record of ranks) {
      for (const pid of usage.get(record.pid)?.pids ?? []) signalProcess(pid, 'SIGKILL', logger);
      signalGroup(record.pid, 'SIGKILL', logger);
    }
    for (const record of ranks) {
      if ((await readExitCode(workDir, record.rank, logger)) !== undefined) continue;
      await writeFile(join(workDir, 'exit', `${record.rank}.reason`), reason);
      await writeAtomically(join(workDir, 'exit', String(record.rank)), '137');
      if (record.logPath)
        await appendToJobLog(record.logPath, `trellis: ${reason} (resident memory ${(resident / 1024 ** 3).toFixed(2)} GiB)`, logger);
    }
  }
}

/**
 * Why a process failed, when more is known than its exit code: the reason Trellis recorded, the
 * node's memory cgroup saw the kernel's OOM killer (recorded then, as the cgroup goes soon), or
 * else the last line the process wrote to its log (a Python traceback ends with the error), as
 * Azure ML's job errors quote the end of the log.
 */
async function failureReason(workDir: string, record: ProcessRecord, nodes: NodeRecord[], logger: Logger): Promise<string | undefined> {
  const file = join(workDir, 'exit', `${record.rank}.reason`);
  const recorded = await readFile(file, 'utf8').catch((error: unknown) => {
    if (!hasCode(error, 'ENOENT'))
      logger.warn({ err: error, file }, `local backend: ${file} could not be read; the job's reason is looked for elsewhere`);
    return undefined;
  });
  if (recorded !== undefined) return recorded;
  const node = nodes.find((candidate) => candidate.node === record.node);
  if (node && node.limits.memory.method === 'cgroup' && (await oomKills(node.cgroups, logger)) > 0) {
    const reason = outOfMemoryReason(node.limits, node.node);
    await writeFile(file, reason);
    if (record.logPath) await appendToJobLog(record.logPath, `trellis: ${reason}`, logger);
    return reason;
  }
  return record.logPath ? lastLogLine(record.logPath, logger) : undefined;
}

/** Adds a line to a job's log; a log that cannot be written loses only that line (the job's reason records it too). */
async function appendToJobLog(path: string, line: string, logger: Logger): Promise<void> {
  await appendFile(path, `${line}\n`).catch((error: unknown) =>
    logger.warn({ err: error, path, line }, `local backend: a line could not be added to the job's log ${path}; it is lost from the log`),
  );
}

/** The last non-empty line of a log (its last 8 KiB read), cut to 500 characters; undefined when there is none. */
async function lastLogLine(path: string, logger: Logger): Promise<string | undefined> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    const length = Math.min(size, 8192);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const line = buffer
      .toString('utf8')
      .split('\n')
      .map((text) => text.trim())
      .filter((text) => text !== '')
      .pop();
    return line === undefined ? undefined : line.length > 500 ? `${line.slice(0, 497)}...` : line;
  } catch (error) {
    if (!hasCode(error, 'ENOENT'))
      logger.warn(
        { err: error, path },
        `local backend: the log ${path} could not be read; the job's failure is reported by its exit code alone`,
      );
    return undefined;
  } finally {
    await handle?.close();
  }
}

/** The exit code a process's wrapper recorded; undefined while it runs (no file yet, or one the wrapper is still writing). */
async function readExitCode(workDir: string, rank: number, logger: Logger): Promise<number | undefined> {
  const file = join(workDir, 'exit', String(rank));
  try {
    const text = (await readFile(file, 'utf8')).trim();
    return text === '' ? undefined : Number(text);
  } catch (error) {
    if (!hasCode(error, 'ENOENT'))
      logger.warn({ err: error, file }, `local backend: ${file} could not be read; the process is taken as not having ended`);
    return undefined;
  }
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces); undefined once the process is gone. */
async function statFields(pid: number, logger: Logger): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch (error) {
    // ENOENT/ESRCH: the process is gone. Otherwise /proc cannot be read here, and callers decide without it (a reused pid goes unnoticed).
    if (!hasCode(error, 'ENOENT', 'ESRCH'))
      logger.debug({ err: error, pid }, `local backend: /proc/${pid}/stat could not be read; the process's start time is not checked`);
    return undefined;
  }
}

async function startTicks(pid: number, logger: Logger): Promise<string | undefined> {
  return (await statFields(pid, logger))?.[19];
}

/** Alive and the same process: the pid answers, is no zombie, and its start time matches the record. */
async function isAlive(record: ProcessRecord, logger: Logger): Promise<boolean> {
  try {
    process.kill(record.pid, 0);
  } catch (error) {
    // ESRCH: gone. EPERM: the pid now belongs to another user's process, so not ours either.
    if (!hasCode(error, 'ESRCH', 'EPERM'))
      logger.warn({ err: error, pid: record.pid }, `local backend: process ${record.pid} could not be checked; taken as ended`);
    return false;
  }
  const fields = await statFields(record.pid, logger);
  if (fields === undefined) return true;
  if (fields[0] === 'Z') return false;
  return record.startTicks === '' || fields[19] === record.startTicks;
}

function signalProcess(pid: number, signal: NodeJS.Signals, logger: Logger): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if (!hasCode(error, 'ESRCH'))
      logger.warn({ err: error, pid, signal }, `local backend: ${signal} could not be sent to process ${pid}; it may still run`);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals, logger: Logger): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if (!hasCode(error, 'ESRCH'))
      logger.warn(
        { err: error, pid, signal },
        `local backend: ${signal} could not be sent to process group ${pid}; its processes may still run`,
      );
  }
}
