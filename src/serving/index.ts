export type { InstanceSpec, InstanceState, RuntimeKind, ScoringAnswer, ScoringCall, ScoringInstance } from './scoring-instance.js';
export { startInstance } from './start-instance.js';
export { startInferenceServerInstance } from './inference-server-instance.js';
export { workerCommand } from './worker-instance.js';
export {
  DeploymentPool,
  defaultPoolSettings,
  type DeploymentPoolOptions,
  type InstanceStatus,
  type PoolSettings,
  type PoolState,
  type PoolStatus,
  type ProbeSettings,
  type ReadyInstance,
} from './deployment-pool.js';
export { poolSettingsFor } from './pool-settings.js';
export { DeploymentUnavailableError, InstanceUnavailableError, ModelLoadError, QueueFullError, TimeoutError } from './serving-errors.js';
