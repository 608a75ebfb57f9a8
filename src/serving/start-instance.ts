import { startInferenceServerInstance } from './inference-server-instance.js';
import type { InstanceSpec, ScoringInstance } from './scoring-instance.js';
import { startInstance as startWorkerInstance } from './worker-instance.js';

/**
 * Starts one instance of a deployment with the implementation its runtime needs: Azure ML's
 * inference server (azmlinfsrv) for runtime azureml-inference-server, a Trellis worker process
 * for the others.
 */
export function startInstance(spec: InstanceSpec): ScoringInstance {
  return spec.runtime === 'azureml-inference-server' ? startInferenceServerInstance(spec) : startWorkerInstance(spec);
}
