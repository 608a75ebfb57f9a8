import type { PriceList } from '../core/cost/price-list.js';
import type { Context } from '../services/context.js';
import { type BudgetAlertTargets, alertBudget } from '../services/cost/budget-alerts.js';
import type { BudgetHolds } from '../services/cost/budget-holds.js';
import { monthStatus } from '../services/cost/budget-service.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { realTimers, type Timers } from './timers.js';

export interface BudgetWatcherOptions {
  /** How often every budget is measured. */
  tickMs: number;
  priceList: PriceList;
  alerts: BudgetAlertTargets;
  /** Wakes the job runner: a hold was lifted, so the jobs it kept queued may start now. */
  wakeJobs: () => void;
  timers?: Timers;
}

/**
 * Measures every workspace budget at each tick (and when woken: a job ended, a budget changed):
 * alerts each threshold reached once a month (Alertmanager, the budget's webhook), and keeps the
 * holds the scheduler reads — a workspace with an enforcing budget spent to 100% gets its new jobs
 * kept queued, the budget named as the reason, until the budget is raised or the month turns.
 */
export class BudgetWatcher implements BudgetHolds {
  private readonly loop: ReconcileLoop;
  private readonly holds = new Map<string, string>();

  constructor(
    private readonly context: Context,
    private readonly options: BudgetWatcherOptions,
  ) {
    this.loop = new ReconcileLoop({
      name: 'budget watcher',
      reconcile: () => this.reconcile(),
      intervalMs: options.tickMs,
      timers: options.timers ?? realTimers,
      logger: context.logger,
    });
  }

  holdOf(workspace: string): string | undefined {
    return this.holds.get(workspace);
  }

  /** Sets or lifts the workspace's hold at once; its alerts go on the pass this wakes (a slow webhook does not hold up the request). */
  async refresh(workspace: string): Promise<void> {
    await this.measure(workspace, { isAlerting: false });
    this.loop.wake();
  }

  /** One pass now, before the job runner starts: a workspace spent before a restart holds its jobs from the first pass. */
  async measureAll(): Promise<void> {
    await this.reconcile();
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
    const budgets = await this.context.store.repositories.budgets.list();
    const workspaces = new Set([...budgets.map((budget) => budget.workspace), ...this.holds.keys()]);
    for (const workspace of workspaces) {
      try {
        await this.measure(workspace, { isAlerting: true });
      } catch (error) {
        // One workspace's failure (a budget its prices cannot read) must not stop the others' alerts and holds.
        this.context.logger.error({ err: error, workspace }, 'budget watcher: the budgets of a workspace could not be measured');
      }
    }
    return budgets.length > 0;
  }

  /** Measures one workspace's budgets: alerts what they reached and sets or lifts its hold. */
  private async measure(workspace: string, { isAlerting }: { isAlerting: boolean }): Promise<void> {
    const now = this.context.clock().getTime();
    const budgets = await this.context.store.repositories.budgets.list(workspace);
    let hold: string | undefined;
    for (const budget of budgets) {
      const status = await monthStatus(this.context, this.options.priceList, budget, now);
      if (isAlerting) await alertBudget(this.context, this.options.alerts, budget, status, now);
      hold ??= status.blocking ?? undefined;
    }
    const wasHeld = this.holds.has(workspace);
    if (hold === undefined) this.holds.delete(workspace);
    else this.holds.set(workspace, hold);
    if (wasHeld && hold === undefined) this.options.wakeJobs();
  }
}
