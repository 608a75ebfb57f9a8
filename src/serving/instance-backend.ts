import { ClusterPool, type ClusterInstanceSet } from './cluster-pool.js';
import { DeploymentPool, type DeploymentPoolOptions } from './deployment-pool.js';
import type { ServingPool } from './serving-pool.js';

/**
 * Where a deployment's instances run. The local backend starts worker processes on this machine
 * (the pool supervises, probes and restarts them); a cluster backend hands the instances to a
 * cluster that runs, probes and restarts them itself, and the pool only scales the set, reads its
 * readiness and sends calls to its address.
 */
export interface InstanceBackend {
  /** A pool for one version of a deployment; it starts nothing until `start()`. */
  createPool(options: DeploymentPoolOptions): ServingPool;
}

/** Instances as processes of this server, as ever. */
export const localInstances: InstanceBackend = {
  createPool: (options) => new DeploymentPool(options),
};

/** Instances as a set a cluster runs (a Kubernetes Deployment behind a Service): `set` is that version's. */
export function clusterInstances(set: ClusterInstanceSet): InstanceBackend {
  return { createPool: (options) => new ClusterPool({ name: options.name, set, settings: options.settings, log: options.log }) };
}
