import type { OnlineDeploymentSpec } from '../core/azureml/online-deployment-schema.js';
import type { PoolSettings } from './deployment-pool.js';

type DeploymentSettings = Pick<OnlineDeploymentSpec, 'instance_count' | 'request_settings' | 'liveness_probe' | 'readiness_probe'>;

/**
 * A deployment's request_settings and probes (YAML, seconds) as the pool's settings
 * (milliseconds). A model must load within the longer of the probes' windows (initial_delay +
 * period × failure_threshold: 310 s with Azure's defaults), as a container still loading then
 * would be restarted by its liveness probe.
 */
export function poolSettingsFor(deployment: DeploymentSettings): Partial<PoolSettings> {
  const { request_settings: requests, liveness_probe: liveness, readiness_probe: readiness } = deployment;
  const window = (probe: typeof liveness) => (probe.initial_delay + probe.period * probe.failure_threshold) * 1000;
  return {
    instanceCount: deployment.instance_count ?? 1,
    maxConcurrentRequestsPerInstance: requests.max_concurrent_requests_per_instance,
    maxQueueWaitMs: requests.max_queue_wait_ms,
    requestTimeoutMs: requests.request_timeout_ms,
    loadTimeoutMs: Math.max(window(liveness), window(readiness)),
    livenessProbe: {
      initialDelayMs: liveness.initial_delay * 1000,
      periodMs: liveness.period * 1000,
      timeoutMs: liveness.timeout * 1000,
      failureThreshold: liveness.failure_threshold,
    },
  };
}
