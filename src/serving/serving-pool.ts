import type { PoolStatus, ReadyInstance } from './deployment-pool.js';
import type { ScoringAnswer, ScoringCall } from './scoring-instance.js';

/**
 * The instances of one version of an online deployment, as the serving controllers and the
 * router see them, wherever they run: worker processes of this server (`DeploymentPool`) or a set
 * a cluster runs behind one address (`ClusterPool`, a Kubernetes Deployment and its Service).
 */
export interface ServingPool {
  readonly name: string;
  /** Starts the instances (the pool's instance count of them). */
  start(): void;
  /** One call on a ready instance. */
  call(call: ScoringCall): Promise<ScoringAnswer>;
  /** The instances that take calls now, with their calls in flight. */
  readyInstances(): ReadyInstance[];
  /** Where the pool stands: instances wanted and ready, and why not ready. */
  status(): PoolStatus;
  /** Runs `count` instances. */
  scaleTo(count: number): Promise<void>;
  /** Takes no new calls, lets those in flight finish (up to graceMs), then stops every instance. */
  drain(graceMs?: number): Promise<void>;
}
