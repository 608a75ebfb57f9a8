import { readdir, readFile } from 'node:fs/promises';

/**
 * Reads /proc for the processes of given sessions: each process a job rank starts stays in the
 * session of its wrapper (the backend starts every wrapper with setsid), unless it calls setsid
 * itself. Used to account a node's memory where no cgroup can.
 */

export interface SessionUsage {
  pids: number[];
  /** Resident memory (VmRSS) of all the session's live processes. */
  residentBytes: number;
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces): [state, ppid, pgrp, session, ...]. */
export function statFieldsOf(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The VmRSS line of /proc/<pid>/status, in bytes; 0 for kernel threads and zombies. */
export function residentBytesOf(status: string): number {
  const kib = /^VmRSS:\s*(\d+)\s*kB/m.exec(status)?.[1];
  return kib ? Number(kib) * 1024 : 0;
}

/** The live processes of each session in `sessions`, and their resident memory. */
export async function sessionUsage(sessions: Iterable<number>): Promise<Map<number, SessionUsage>> {
  const usage = new Map<number, SessionUsage>([...sessions].map((session) => [session, { pids: [], residentBytes: 0 }]));
  if (usage.size === 0) return usage;
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFieldsOf(await readFile(`/proc/${entry}/stat`, 'utf8'));
      const session = usage.get(Number(fields[3]));
      if (!session || fields[0] === 'Z') continue;
      session.pids.push(Number(entry));
      session.residentBytes += residentBytesOf(await readFile(`/proc/${entry}/status`, 'utf8'));
    } catch {
      // the process ended while we looked
    }
  }
  return usage;
}
