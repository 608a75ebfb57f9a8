import type { Logger } from 'pino';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { InstallationFacts } from '../core/policy/policy-target.js';
import type { Store } from '../store/store.js';
import type { BudgetHolds } from './cost/budget-holds.js';
import type { MonitorObservers } from './monitoring/monitor-observers.js';

/** What every service needs, passed in rather than imported, so tests build their own. */
export interface Context {
  store: Store;
  /** Each workspace has its own artifact space: content is deduplicated within it, never shared across. */
  artifactsFor(workspace: string): ArtifactStore;
  clock: () => Date;
  /** The server's logger (the one fastify logs requests with): what went wrong in the background, and what it cost. */
  logger: Logger;
  /** Who hears of each model monitor run (Prometheus gauges, Alertmanager); none in tests that do not ask. */
  monitorObservers?: MonitorObservers;
  /** What policies read about this installation (where it listens); a context without it listens on loopback only. */
  installation?: InstallationFacts;
  /** Enforcing budgets spent: the scheduler keeps a held workspace's new jobs queued; none in tests that do not ask. */
  budgetHolds?: BudgetHolds;
}

/** Who made a request and which request it was: written to the audit log. */
export interface Caller {
  actor: string;
  requestId: string | null;
}
