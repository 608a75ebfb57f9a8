import { randomBytes } from 'node:crypto';
import { decide, type QueuedJob } from '../../core/compute/cluster-scheduler.js';
import { quotaFor, quotaRoom } from '../../core/compute/workspace-quota.js';
import type { ResourceOf } from '../../core/resources/resource.js';
import type { AttemptCompletion } from './attempt-completion.js';
import type { AttemptPreparation } from './attempt-preparation.js';
import { clusterShape, toNodeState } from './cluster-shape.js';
import { jobKey, type RunnerState } from './runner-state.js';

/**
 * Schedules one cluster: asks the pure scheduler what to do with its queue and nodes, and does it —
 * adds and removes nodes, starts the jobs it placed, and records why the others wait. The queued
 * jobs of a deleted compute are canceled.
 */
export class ClusterScheduling {
  constructor(
    private readonly state: RunnerState,
    private readonly preparation: AttemptPreparation,
    private readonly completion: AttemptCompletion,
  ) {}

  /** Reconciles the cluster `computeName` of `workspace` (`compute` undefined: it was deleted). */
  async schedule(workspace: string, computeName: string, compute: ResourceOf<'compute'> | undefined): Promise<void> {
    const { context, options, busy } = this.state;
    const repositories = context.store.repositories;
    const now = this.state.now();
    const queued = (await repositories.jobs.list(workspace, { limit: 10_000, states: ['Queued'], compute: computeName })).filter(
      (job) => !busy.has(jobKey(job)),
    );
    if (!compute) {
      for (const job of queued)
        await this.completion.finish(job, { type: 'cancel', by: `the system: compute '${computeName}' was deleted` }, now);
      return;
    }
    // An enforcing budget spent: new jobs wait, the budget named as their reason (they never fail for it); nodes still scale.
    const hold = context.budgetHolds?.holdOf(workspace);
    if (hold !== undefined) {
      const held = queued.filter((job) => job.reason !== hold).map((job) => job.name);
      if (held.length > 0) await repositories.jobs.setReason(workspace, held, hold);
    }
    const schedulable = hold === undefined ? queued : [];
    const shape = clusterShape(compute);
    const quota = shape.tier === 'attached' ? {} : quotaFor(options.quotas, workspace);
    const queuedByName = new Map(schedulable.map((job) => [job.name, job]));
    const queue: QueuedJob[] = schedulable.map((job) => ({
      name: job.name,
      priority: job.priority,
      submittedAt: job.submittedAt,
      instanceCount: job.instanceCount,
    }));
    // Two passes: local nodes are ready the moment they are added, so jobs can start at once.
    for (let pass = 0; pass < 2; pass++) {
      const workspaceNodes = await repositories.jobs.liveNodes(workspace);
      const nodes = workspaceNodes.filter((node) => node.compute === computeName);
      const room = quotaRoom(quota, workspaceNodes, shape.family);
      const decision = decide(
        now,
        shape,
        nodes.map(toNodeState),
        queue.filter((job) => !busy.has(`${workspace}/${job.name}`)),
        room,
      );
      for (let index = 0; index < decision.addNodes; index++) {
        await repositories.jobs.insertNode({
          workspace,
          compute: computeName,
          nodeId: `${computeName}-${randomBytes(4).toString('hex')}`,
          state: 'idle',
          job: null,
          size: shape.size,
          tier: shape.tier,
          createdAt: now,
          idleSince: now,
          removedAt: null,
          removedReason: null,
        });
      }
      for (const nodeId of decision.removeNodes) {
        await repositories.jobs.updateNode(workspace, nodeId, {
          state: 'removed',
          removedAt: now,
          removedReason: `idle for ${shape.idleSeconds} s (idle_time_before_scale_down)`,
        });
      }
      for (const start of decision.start) {
        const job = queuedByName.get(start.job);
        if (job) await this.preparation.start(job, start.nodes, compute, now);
      }
      // Waiting reasons change for many jobs at once (the head of the queue moved): one write per distinct reason.
      const changed = new Map<string, string[]>();
      for (const waiting of decision.waiting) {
        const job = queuedByName.get(waiting.job);
        if (job && job.reason !== waiting.reason && !busy.has(jobKey(job))) {
          const names = changed.get(waiting.reason) ?? [];
          names.push(job.name);
          changed.set(waiting.reason, names);
          job.reason = waiting.reason;
        }
      }
      if (changed.size > 0) {
        await context.store.transaction(async (transaction) => {
          for (const [reason, names] of changed) await transaction.jobs.setReason(workspace, names, reason);
        });
      }
      if (decision.addNodes === 0) break;
    }
  }
}
