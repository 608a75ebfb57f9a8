/**
 * How long to wait before starting a failed instance again: doubling from `initialMs` up to
 * `maxMs`, as Kubernetes does for a crash-looping container, so a model that never loads costs
 * little while its deployment keeps saying why.
 */
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
  /** After an instance stayed ready this long, its next failure starts the doubling over. */
  resetAfterMs: number;
}

export const defaultBackoff: BackoffSettings = { initialMs: 1_000, maxMs: 300_000, resetAfterMs: 600_000 };

/** The delay before restart number `consecutiveFailures` (1 for the first failure). */
export function restartDelayMs(consecutiveFailures: number, settings: BackoffSettings = defaultBackoff): number {
  if (consecutiveFailures <= 1) return Math.min(settings.initialMs, settings.maxMs);
  const delay = settings.initialMs * 2 ** Math.min(consecutiveFailures - 1, 40);
  return Math.min(delay, settings.maxMs);
}

/**
 * The failure count after one more failure: an instance that was ready for at least
 * `resetAfterMs` before it failed counts as a first failure again.
 */
export function countFailure(previousFailures: number, readyForMs: number | undefined, settings: BackoffSettings = defaultBackoff): number {
  if (readyForMs !== undefined && readyForMs >= settings.resetAfterMs) return 1;
  return previousFailures + 1;
}
