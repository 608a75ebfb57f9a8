/** What both process-backed scoring instances (worker processes and azmlinfsrv) do with their process group. */

/** Signals the whole process group led by `pid` (a worker, or gunicorn and its workers); a group already gone is no error. */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** Resolves with the promise's value, or with false after `ms`. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | false> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
