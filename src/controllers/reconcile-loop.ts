import type { Logger } from 'pino';
import type { TimerHandle, Timers } from './timers.js';

/** What a loop runs, how often, and on what clock. */
export interface ReconcileLoopOptions {
  /** Names the loop in log lines ('job runner'). */
  name: string;
  /** One pass: read desired and observed state, act, write status. Resolves `false` when it found nothing to do (anything else: work). */
  reconcile(): Promise<unknown>;
  /** The time between two ticks. */
  intervalMs: number;
  /** The time between ticks while the last pass found nothing to do; ticks keep `intervalMs` when unset. */
  idleIntervalMs?: number;
  timers: Timers;
  logger: Logger;
}

/**
 * Runs a controller's reconcile function: at each tick, and when woken (a job's process ended, a
 * deployment changed). Never two passes at once: wakes that come during a pass fold into exactly
 * one more pass after it. A pass that throws is logged and the loop goes on; being level-triggered,
 * the next pass retries whatever it did not finish.
 */
export class ReconcileLoop {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** Whether the last pass found nothing to do (only matters with an idle interval). */
  private isIdle = false;

  constructor(private readonly options: ReconcileLoopOptions) {}

  /** Starts ticking and runs a first pass now. */
  start(): void {
    if (this.closed || this.timer !== undefined) return;
    this.schedule();
    this.wake();
  }

  /** Asks for a pass soon; calls made while one runs fold into one more. */
  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => (this.running = undefined));
  }

  /** Resolves when no pass is in flight or due (the passes woken meanwhile included). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops the ticks and wakes, and waits for the pass in flight. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    await this.idle();
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      let isIdle = false;
      try {
        isIdle = (await this.options.reconcile()) === false;
      } catch (error) {
        this.options.logger.error(
          { err: error, loop: this.options.name },
          `${this.options.name}: a reconcile pass failed; what it did not finish is retried at the next pass`,
        );
      }
      this.setIdle(isIdle);
    } while (this.again && !this.closed);
  }

  /** Ticks at `intervalMs`, as setInterval would: each tick schedules the next before it wakes the loop. */
  private schedule(): void {
    const delay = this.isIdle ? (this.options.idleIntervalMs ?? this.options.intervalMs) : this.options.intervalMs;
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      this.schedule();
      this.wake();
    }, delay);
  }

  /** Switching between busy and idle restarts the tick with the other interval, from now. */
  private setIdle(isIdle: boolean): void {
    if (isIdle === this.isIdle) return;
    this.isIdle = isIdle;
    if (this.options.idleIntervalMs === undefined || this.timer === undefined || this.closed) return;
    this.clearTimer();
    this.schedule();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
