/** What both process-backed scoring instances (worker processes and azmlinfsrv) do with their process group. */
import type { ServingLogger } from './serving-logger.js';
import { hasCode } from '../core/error-codes.js';

/** Signals the whole process group led by `pid` (a worker, or gunicorn and its workers); a group already gone is no error. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals, logger: ServingLogger): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    // ESRCH: the group is gone already, which is what the signal was for.
    if (!hasCode(error, 'ESRCH'))
      logger.warn({ err: error, pid, signal }, `serving: ${signal} could not be sent to process group ${pid}; its processes may still run`);
  }
}

/** Resolves with the promise's value, or with false after `ms`. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | false> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
