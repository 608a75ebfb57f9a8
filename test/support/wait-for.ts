import { inspect } from 'node:util';

/**
 * Waiting in tests on what is awaited, never on a fixed time: `waitFor` polls a probe until a
 * condition holds or a deadline passes, and `assertStaysTrue` checks that something does *not*
 * happen over a named window, failing as soon as it does. Both errors name what was awaited and
 * the last value seen, so a timeout says what the test was stuck on.
 */

export interface WaitOptions<T> {
  /** What is awaited, in words: the error says `timed out after N ms waiting for <what>`. */
  what: string;
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** Default 100 ms. */
  intervalMs?: number;
  /** When the probed value is the one awaited; default: when it is truthy. */
  until?: (value: T) => boolean;
  /** How the last value reads in the error; default: util.inspect, shortened. */
  describe?: (value: T) => string;
  /** Keep polling when the probe throws (a server still starting); the last error is reported. Default false: it fails the wait. */
  retryOnError?: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function show<T>(value: T, describe?: (value: T) => string): string {
  if (describe) return describe(value);
  const text = inspect(value, { depth: 3, breakLength: Number.POSITIVE_INFINITY });
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** Polls `probe` until `until` (default: truthiness) holds; resolves to the value that satisfied it. */
export async function waitFor<T>(probe: () => T | Promise<T>, options: WaitOptions<T>): Promise<T> {
  const { what, timeoutMs = 10_000, intervalMs = 100, until = Boolean, retryOnError = false } = options;
  const started = Date.now();
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (until(value)) return value;
      last = { value };
    } catch (error) {
      if (!retryOnError) throw error;
      last = { error };
    }
    if (Date.now() - started >= timeoutMs) {
      const seen =
        last === undefined
          ? 'nothing'
          : 'value' in last
            ? show(last.value, options.describe)
            : `an error: ${last.error instanceof Error ? last.error.message : String(last.error)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last saw ${seen}`);
    }
    await sleep(Math.min(intervalMs, Math.max(0, started + timeoutMs - Date.now())));
  }
}

export interface StaysTrueOptions<T> {
  /** What must keep holding, in words: the error says `<what> stopped holding after N ms`. */
  what: string;
  /** The window: how long it must hold. Name why in the caller, as nothing else proves the time passed. */
  forMs: number;
  /** Default 100 ms. */
  intervalMs?: number;
  /** Whether the probed value is still the expected one; default: when it is truthy. */
  holds?: (value: T) => boolean;
  /** How the offending value reads in the error; default: util.inspect, shortened. */
  describe?: (value: T) => string;
}

/**
 * For "nothing happens" where no later event can prove the window passed: checks `condition`
 * every `intervalMs` for `forMs` (default: truthy; or `holds`), and fails the moment it does not hold, naming what it saw.
 */
export async function assertStaysTrue<T>(probe: () => T | Promise<T>, options: StaysTrueOptions<T>): Promise<void> {
  const { what, forMs, intervalMs = 100, holds = Boolean } = options;
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (!holds(value))
      throw new Error(
        `${what} stopped holding after ${Date.now() - started} ms of the ${forMs} ms window; saw ${show(value, options.describe)}`,
      );
    const left = started + forMs - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(intervalMs, left));
  }
}
