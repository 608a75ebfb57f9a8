import { readdir, readFile } from 'node:fs/promises';
import { hasCode } from '../core/error-codes.js';

/**
 * CPU time and resident memory of a serving instance: the processes of its process group (a
 * worker, or gunicorn with its workers, each instance leads its own group), read from Linux's
 * /proc. Elsewhere there is no /proc, and the figures are unknown (undefined), not zero.
 */
export interface GroupUsage {
  /** User plus system CPU seconds of the group's live processes since they started. */
  cpuSeconds: number;
  /** Resident memory of the group's processes now, bytes. */
  residentBytes: number;
}

// Linux reports CPU time in clock ticks of USER_HZ, which is 100 on every architecture it runs on
// (sysconf(_SC_CLK_TCK)); Node cannot ask sysconf, so this is that constant.
const ticksPerSecond = 100;

/** The usage of the process groups led by `leaders` (instance pids), by leader; undefined without /proc. */
export async function processGroupUsage(leaders: readonly number[]): Promise<Map<number, GroupUsage> | undefined> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return undefined;
  }
  const wanted = new Set(leaders);
  const usage = new Map<number, GroupUsage>(leaders.map((leader) => [leader, { cpuSeconds: 0, residentBytes: 0 }]));
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (pid) => {
        const stat = await readOfLiveProcess(`/proc/${pid}/stat`);
        const fields = stat === undefined ? undefined : statFields(stat);
        if (!fields || !wanted.has(fields.group)) return;
        const status = (await readOfLiveProcess(`/proc/${pid}/status`)) ?? '';
        const total = usage.get(fields.group)!;
        total.cpuSeconds += fields.cpuTicks / ticksPerSecond;
        total.residentBytes += residentKilobytes(status) * 1024;
      }),
  );
  return usage;
}

/** A /proc file; undefined when its process exited since readdir (ENOENT, or ESRCH while it goes): it uses nothing now. */
async function readOfLiveProcess(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (hasCode(error, 'ENOENT') || hasCode(error, 'ESRCH')) return undefined;
    throw error;
  }
}

/** The process group and CPU ticks of a /proc/<pid>/stat line; the command name in parentheses may hold spaces. */
export function statFields(stat: string): { group: number; cpuTicks: number } | undefined {
  const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state(3) ppid(4) pgrp(5) ... utime(14) stime(15), numbered as proc(5) does.
  const group = Number(afterName[2]);
  const cpuTicks = Number(afterName[11]) + Number(afterName[12]);
  return Number.isFinite(group) && Number.isFinite(cpuTicks) ? { group, cpuTicks } : undefined;
}

/** VmRSS of a /proc/<pid>/status text, in kB; 0 for a kernel thread or a zombie, which have none. */
export function residentKilobytes(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : 0;
}
