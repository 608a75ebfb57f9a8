import { readdir, readFile } from 'node:fs/promises';
import { parseProcessStat, parseResidentBytes } from '../../core/jobs/system-metrics.js';

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

/** The live processes of each session in `sessions`, and their resident memory. */
export async function sessionUsage(sessions: Iterable<number>): Promise<Map<number, SessionUsage>> {
  const usage = new Map<number, SessionUsage>([...sessions].map((session) => [session, { pids: [], residentBytes: 0 }]));
  if (usage.size === 0) return usage;
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcessStat(Number(entry), await readFile(`/proc/${entry}/stat`, 'utf8'));
      const session = stat && usage.get(stat.session);
      if (!session || stat.state === 'Z') continue;
      session.pids.push(stat.pid);
      session.residentBytes += parseResidentBytes(await readFile(`/proc/${entry}/status`, 'utf8'));
    } catch {
      // the process ended while we looked
    }
  }
  return usage;
}
