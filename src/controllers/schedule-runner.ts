import type { Context } from '../services/context.js';
import { fireDueSchedules, submitPendingFirings } from '../services/schedules/fire-schedule.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { realTimers, type Timers } from './timers.js';

export interface ScheduleRunnerOptions {
  /** How often it looks for due schedules: a slot fires within this long of its time. */
  tickMs: number;
  /** Wakes the job and pipeline runners: a job just submitted is scheduled at once. */
  wakeRunners: () => void;
  timers?: Timers;
}

/**
 * The scheduler: at each tick, fires the schedules whose next slot has come (each slot claimed
 * once, across restarts and servers: see fireDueSchedules) and submits firings that a pass
 * stopped before submitting. Its first pass, at start, fires the slots missed while no server
 * ran, once each schedule.
 */
export class ScheduleRunner {
  private readonly loop: ReconcileLoop;

  constructor(
    private readonly context: Context,
    private readonly options: ScheduleRunnerOptions,
  ) {
    this.loop = new ReconcileLoop({
      name: 'scheduler',
      reconcile: () => this.reconcile(),
      intervalMs: options.tickMs,
      timers: options.timers ?? realTimers,
      logger: context.logger,
    });
  }

  start(): void {
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  async close(): Promise<void> {
    await this.loop.close();
  }

  private async reconcile(): Promise<boolean> {
    const now = this.context.clock().getTime();
    const fired = await fireDueSchedules(this.context, now);
    const retried = await submitPendingFirings(this.context, now);
    if (fired.length + retried > 0) this.options.wakeRunners();
    return fired.length + retried > 0;
  }
}
