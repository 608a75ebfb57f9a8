import { readdir, readFile } from 'node:fs/promises';
import { type Logger, pino } from 'pino';
import { parseProcessStat, parseResidentBytes } from '../../core/jobs/system-metrics.js';
import { hasCode } from '../../core/error-codes.js';

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

/** The live processes of each session in `sessions`, and their resident memory (`logger` hears a /proc that cannot be read). */
export async function sessionUsage(sessions: Iterable<number>, logger: Logger = pino()): Promise<Map<number, SessionUsage>> {
  const usage = new Map<number, SessionUsage>([...sessions].map((session) => [session, { pids: [], residentBytes: 0 }]));
  if (usage.size === 0) return usage;
  const entries = await readdir('/proc').catch((error: unknown) => {
    logger.warn({ err: error }, 'local backend: /proc could not be listed; memory is not accounted, so no node is held to its memory size');
    return [] as string[];
  });
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseProcessStat(Number(entry), await readFile(`/proc/${entry}/stat`, 'utf8'));
      const session = stat && usage.get(stat.session);
      if (!session || stat.state === 'Z') continue;
      session.pids.push(stat.pid);
      session.residentBytes += parseResidentBytes(await readFile(`/proc/${entry}/status`, 'utf8'));
    } catch (error) {
      // ENOENT/ESRCH: the process ended while we looked. Otherwise its memory goes uncounted this time.
      if (!hasCode(error, 'ENOENT', 'ESRCH'))
        logger.warn({ err: error, pid: entry }, `local backend: /proc/${entry} could not be read; its memory is not counted in this check`);
    }
  }
  return usage;
}
