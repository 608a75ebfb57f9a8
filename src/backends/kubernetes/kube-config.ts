import { KubeConfig } from '@kubernetes/client-node';
import { TrellisError } from '../../core/errors.js';

/**
 * How Trellis reaches an attached cluster, from the `properties` of a `type: kubernetes`
 * compute: `kubeconfig` (the file's text, inline), or `kubeconfig_path` (a file on the Trellis
 * server), optionally with `context` to pick one of its contexts. Without either, the usual
 * places: $KUBECONFIG, ~/.kube/config, or the in-cluster service account when Trellis itself
 * runs in a pod.
 */
export function loadKubeConfig(properties: Record<string, unknown> = {}): KubeConfig {
  const config = new KubeConfig();
  const { kubeconfig, kubeconfig_path: path, context } = properties;
  try {
    if (typeof kubeconfig === 'string') config.loadFromString(kubeconfig);
    else if (typeof path === 'string') config.loadFromFile(path);
    else config.loadFromDefault();
    if (typeof context === 'string') config.setCurrentContext(context);
  } catch (error) {
    throw new TrellisError(
      'InvalidComputeProperties',
      422,
      `could not load the kubeconfig of this kubernetes compute: ${error instanceof Error ? error.message : String(error)}; set properties.kubeconfig or properties.kubeconfig_path`,
      { cause: error },
    );
  }
  if (typeof context === 'string' && !config.getContexts().some((candidate) => candidate.name === context)) {
    throw new TrellisError(
      'InvalidComputeProperties',
      422,
      `the kubeconfig has no context '${context}'; it has: ${
        config
          .getContexts()
          .map((candidate) => candidate.name)
          .join(', ') || 'none'
      }`,
    );
  }
  if (!config.getCurrentCluster())
    throw new TrellisError(
      'InvalidComputeProperties',
      422,
      'the kubeconfig names no cluster; set properties.kubeconfig or properties.kubeconfig_path',
    );
  return config;
}
