import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TrellisError } from '../../core/errors.js';
import type { AttemptState, ComputeBackend, LaunchRequest } from '../compute-backend.js';

/**
 * Runs an attempt on this machine, one process per process slot, each `bash -c <command>` in its
 * own process group (so a stop reaches everything the command started: data loaders, workers).
 * Processes are detached and write straight to their log files, so they outlive a server that is
 * killed; a small wrapper records each exit code in a file, so the result is known even when the
 * server was down at the moment the command ended. The handle is the attempt's folder.
 */

interface ProcessRecord {
  rank: number;
  pid: number;
  /** The kernel's start time of the process (/proc/<pid>/stat field 22): a reused pid does not match. */
  startTicks: string;
}

// The wrapper survives the group's SIGTERM (the command, its child, still gets it: a trapped
// signal is reset to the default in children) and, since bash runs a trap only after the
// foreground command ends, records the command's own exit status atomically when it ends.
const wrapper = [
  "trap ':' TERM",
  'bash -c "$1"',
  'code=$?',
  'printf "%s" "$code" > "$2.tmp" && mv "$2.tmp" "$2"',
  'exit "$code"',
].join('\n');

export class LocalBackend implements ComputeBackend {
  async launch(request: LaunchRequest): Promise<{ handle: string }> {
    const exitDir = join(request.workDir, 'exit');
    await mkdir(exitDir, { recursive: true });
    await mkdir(request.logDir, { recursive: true });
    const distributed = request.processes.length > 1;
    const records: ProcessRecord[] = [];
    for (const slot of request.processes) {
      const logPath = join(request.logDir, distributed ? `std_log_process_${slot.rank}.txt` : 'std_log.txt');
      const log = openSync(logPath, 'a');
      try {
        const child = spawn('bash', ['-c', wrapper, 'trellis-job', request.command, join(exitDir, String(slot.rank))], {
          cwd: request.codeDir,
          env: { ...request.env, ...slot.env },
          detached: true,
          stdio: ['ignore', log, log],
        });
        const pid = child.pid;
        if (pid === undefined) throw new TrellisError('LaunchFailed', 500, `could not start bash for job '${request.jobName}' (working directory ${request.codeDir})`);
        child.unref();
        records.push({ rank: slot.rank, pid, startTicks: (await startTicks(pid)) ?? '' });
      } finally {
        closeSync(log);
      }
    }
    const file = join(request.workDir, 'processes.json');
    await writeFile(`${file}.tmp`, JSON.stringify(records));
    await rename(`${file}.tmp`, file);
    return { handle: `local:${request.workDir}` };
  }

  async poll(handle: string): Promise<AttemptState> {
    const workDir = folderOf(handle);
    const records = await readRecords(workDir);
    if (records === undefined) return { state: 'lost', reason: 'the attempt has no process record (it never started, or its folder is gone)' };
    let running = false;
    let missing = false;
    const codes: number[] = [];
    for (const record of records) {
      const code = await readExitCode(workDir, record.rank);
      if (code !== undefined) codes.push(code);
      else if (await isAlive(record)) running = true;
      else missing = true;
    }
    // The first failing process decides: the caller stops the others.
    const failed = codes.find((code) => code !== 0);
    if (failed !== undefined) return { state: 'exited', exitCode: failed };
    if (running) return { state: 'running' };
    if (missing) return { state: 'lost', reason: "the job's processes ended without an exit status (the node was lost)" };
    return { state: 'exited', exitCode: 0 };
  }

  async stop(handle: string, graceSeconds: number): Promise<void> {
    const records = (await readRecords(folderOf(handle))) ?? [];
    const live = async () => (await Promise.all(records.map(async (record) => ((await isAlive(record)) ? record : undefined)))).filter((record) => record !== undefined);
    for (const record of await live()) signalGroup(record.pid, 'SIGTERM');
    const deadline = Date.now() + graceSeconds * 1000;
    while (Date.now() < deadline) {
      if ((await live()).length === 0) return;
      await sleep(100);
    }
    for (const record of await live()) signalGroup(record.pid, 'SIGKILL');
  }
}

function folderOf(handle: string): string {
  if (!handle.startsWith('local:')) throw new TrellisError('InvalidHandle', 500, `'${handle}' is not a handle of the local backend`);
  return handle.slice('local:'.length);
}

async function readRecords(workDir: string): Promise<ProcessRecord[] | undefined> {
  try {
    return JSON.parse(await readFile(join(workDir, 'processes.json'), 'utf8')) as ProcessRecord[];
  } catch {
    return undefined;
  }
}

async function readExitCode(workDir: string, rank: number): Promise<number | undefined> {
  try {
    const text = (await readFile(join(workDir, 'exit', String(rank)), 'utf8')).trim();
    return text === '' ? undefined : Number(text);
  } catch {
    return undefined;
  }
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces). */
async function statFields(pid: number): Promise<string[] | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

async function startTicks(pid: number): Promise<string | undefined> {
  return (await statFields(pid))?.[19];
}

/** Alive and the same process: the pid answers, is no zombie, and its start time matches the record. */
async function isAlive(record: ProcessRecord): Promise<boolean> {
  try {
    process.kill(record.pid, 0);
  } catch {
    return false;
  }
  const fields = await statFields(record.pid);
  if (fields === undefined) return true;
  if (fields[0] === 'Z') return false;
  return record.startTicks === '' || fields[19] === record.startTicks;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}
