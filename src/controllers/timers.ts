/** An opaque handle of a scheduled callback. */
export type TimerHandle = unknown;

/** Where controllers get time and timers from: the real ones in the server, a fake clock in tests. */
export interface Timers {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once after `ms`; a pending one never keeps the process alive. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a callback not yet called (a handle already called or cleared is ignored). */
  clearTimeout(handle: TimerHandle): void;
}

/** The process's own clock and timers (unref'd, so a controller's timer never holds the process open). */
export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
