import type { ServingAccess } from '../api/route-options.js';
import { serversToRouteTo } from '../core/endpoints/serving-placement.js';
import type { LabTarget } from '../controllers/compute-instances/jupyter-lab-process.js';
import type { ServingMetrics } from '../serving/serving-metrics.js';
import type { Context } from '../services/context.js';
import type { BudgetHolds } from '../services/cost/budget-holds.js';
import type { Subscription } from '../store/signals.js';
import { ControllerTerm, type ControllerTermOptions, type ControllerTopic, controllerTopics } from './controller-term.js';

/**
 * Where this server's controllers live between terms: the current term's controllers while this
 * server leads, none while another server does. What the API holds (wakes, the serving router,
 * compute instances' JupyterLab targets, budget holds) goes through here, so it reaches the
 * current term's controllers — or, on a server that does not lead, becomes a signal to the one
 * that does (store/signals.ts), whose controllers then reconcile at once.
 */
export class ControllerHost {
  private term: ControllerTerm | undefined;
  private subscription: Subscription | undefined;

  constructor(
    private readonly context: Context,
    private readonly termOptions: Omit<ControllerTermOptions, 'context'>,
  ) {}

  /** Hears wakes from every server (each server listens; only one with a term acts on them). */
  async listen(): Promise<void> {
    const logger = this.context.logger;
    this.subscription = await this.context.store.signals.subscribe(controllerTopics, {
      onMessage: (topic) => this.term?.wake(topicOf(topic)),
      // Wakes sent while the connection was down were missed: one pass of everything catches up.
      onReconnect: () => {
        for (const topic of controllerTopics) this.term?.wake(topic);
      },
      onError: (error) =>
        logger.warn({ err: error }, "controller wakes: the database connection that hears other servers' wakes failed; connecting again"),
    });
  }

  /** Starts a term's controllers (this server took the lease). */
  async begin(): Promise<void> {
    if (this.term) return;
    this.term = await ControllerTerm.start({ context: this.context, ...this.termOptions });
  }

  /** Stops the term's controllers (the lease was lost, or the server stops). */
  async end(): Promise<void> {
    const term = this.term;
    this.term = undefined;
    await term?.close();
  }

  /** Whether this server's controllers run now. */
  isRunning(): boolean {
    return this.term !== undefined;
  }

  /** Stops the term, if any, and stops listening. */
  async close(): Promise<void> {
    await this.end();
    await this.subscription?.close();
  }

  /** Wakes the controller of `topic`: here when this server leads, else on the leader, through the database. */
  wake(topic: ControllerTopic): void {
    if (this.term) {
      this.term.wake(topic);
      return;
    }
    this.context.store.signals
      .publish(topic)
      .catch((error: unknown) =>
        this.context.logger.warn(
          { err: error, topic },
          `controller wakes: the leader could not be woken for ${topic}; its next tick does it`,
        ),
      );
  }

  /** What routes wake: `{ wake() }` of one controller. */
  waker(topic: ControllerTopic): { wake(): void } {
    return { wake: () => this.wake(topic) };
  }

  /**
   * Online serving as routes see it (see ServingAccess). With `self` (several servers on one
   * database), a scoring call this server cannot answer goes to a server whose placement says it
   * has a ready instance: fresh means said within `freshMs`.
   */
  servingAccess(metrics: ServingMetrics, placements?: { self: string; freshMs: number }): ServingAccess {
    const repository = this.context.store.repositories.servingPlacements;
    return {
      metrics,
      ...(placements
        ? {
            elsewhere: {
              self: placements.self,
              serversFor: async (workspace: string, endpoint: string) => {
                const found = await repository.ofEndpoint(workspace, endpoint);
                return serversToRouteTo(found.placements, {
                  now: found.databaseNow,
                  freshMs: placements.freshMs,
                  self: placements.self,
                  random: Math.random(),
                });
              },
            },
          }
        : {}),
      local: () => this.term?.serving,
      wake: () => this.wake('serving'),
      refresh: async () => {
        const serving = this.term?.serving;
        if (serving) await serving.refresh();
        else this.wake('serving');
      },
    };
  }

  /** Compute instances as routes see them: JupyterLab runs on the leader; elsewhere none is running here. */
  computeInstanceAccess(): { wake(): void; targetOf(workspace: string, name: string): LabTarget | undefined } {
    return {
      wake: () => this.wake('compute-instances'),
      targetOf: (workspace, name) => this.term?.computeInstances.targetOf(workspace, name),
    };
  }

  /** Budget holds as the scheduler and the budget routes see them: the leader's watcher measures. */
  budgetHolds(): BudgetHolds {
    return {
      holdOf: (workspace) => this.term?.budgets.holdOf(workspace),
      refresh: async (workspace) => {
        const budgets = this.term?.budgets;
        if (budgets) await budgets.refresh(workspace);
        else this.wake('budget-watcher');
      },
    };
  }
}

function topicOf(topic: string): ControllerTopic {
  const found = controllerTopics.find((candidate) => candidate === topic);
  if (!found) throw new Error(`'${topic}' is not a controller's topic`);
  return found;
}
