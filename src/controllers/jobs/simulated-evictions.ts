import { drawEvictions } from '../../core/compute/simulated-eviction.js';
import { tierOf } from '../../core/compute/compute-spec.js';
import type { ResourceOf } from '../../core/resources/resource.js';
import type { RunnerState } from './runner-state.js';

/** Reads a compute once per reconcile pass, however many of its nodes and jobs ask. */
export type ComputeLookup = (workspace: string, name: string) => Promise<ResourceOf<'compute'> | undefined>;

/**
 * The configured simulated eviction rate: busy low-priority nodes are evicted at random (their
 * jobs checkpoint and are requeued, as for a real eviction); idle ones are simply taken away.
 */
export class SimulatedEvictions {
  private lastEvictionDraw: number | undefined;

  constructor(private readonly state: RunnerState) {}

  /** Draws the evictions due since the last pass and asks the evicted nodes' jobs to stop. */
  async reconcile(computeOf: ComputeLookup): Promise<void> {
    const rate = this.state.options.simulatedEvictionsPerNodeHour;
    const now = this.state.now();
    const elapsed = now - (this.lastEvictionDraw ?? now);
    this.lastEvictionDraw = now;
    if (rate <= 0 || elapsed <= 0) return;
    const repositories = this.state.context.store.repositories;
    const lowPriority = [];
    for (const node of await repositories.jobs.allLiveNodes()) {
      if (node.tier !== 'low_priority') continue;
      const compute = await computeOf(node.workspace, node.compute);
      if (compute && tierOf(compute.spec) === 'low_priority') lowPriority.push(node);
    }
    for (const node of drawEvictions(lowPriority, rate, elapsed, this.state.random)) {
      const reason = `node ${node.nodeId} evicted by the simulated eviction rate (${rate} per node-hour)`;
      if (node.job) await repositories.jobs.update(node.workspace, node.job, { stopRequest: `evict:${reason}` }, now);
      else await repositories.jobs.updateNode(node.workspace, node.nodeId, { state: 'removed', removedAt: now, removedReason: reason });
    }
  }
}
