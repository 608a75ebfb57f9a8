import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { KubernetesComputeSpec } from '../../core/azureml/compute-schema.js';
import { findSku } from '../../core/compute/sku-catalogue.js';
import { computeSpecOf } from '../../core/compute/compute-spec.js';
import { TrellisError } from '../../core/errors.js';
import type { Resource } from '../../core/resources/resource.js';
import type { AttemptState, ComputeBackend } from '../compute-backend.js';
import { attemptTransferUrls } from './attempt-token.js';
import { loadKubeConfig } from './kube-config.js';
import { createKubernetesBackend, type KubernetesBackendOptions } from './kubernetes-backend.js';

/**
 * The Kubernetes backends of one server: a `type: kubernetes` compute becomes a backend (made
 * once per compute and settings) that runs attempts in the compute's namespace with its
 * kubeconfig, and gives each pod the URLs, signed for its attempt, where it downloads the
 * attempt's folder and sends back what the attempt left. Attempts whose compute was deleted are
 * polled and stopped by handle through the last backend made for their namespace.
 */

export interface KubernetesComputes {
  /** The backend for a `type: kubernetes` compute; never throws (a bad kubeconfig fails the launch, with the reason). */
  backendFor(compute: Resource): ComputeBackend;
  /** A backend for attempts whose compute is gone: `<namespace>/<name>` handles here, every other handle to `otherHandles`. It launches nothing. */
  byHandle(otherHandles: ComputeBackend): ComputeBackend;
}

export interface KubernetesComputesOptions {
  /** How pods reach this server (config public_url); read when a backend is made, after the server listens. */
  publicUrl: () => string;
  /** The server's secret that signs each attempt's transfer token (attempt-token.ts). */
  secret: Buffer;
  /** Where errors that cannot be thrown (a failed stop) are told: the server's logger. */
  logger: Logger;
  /** Reads a compute's kubeconfig; tests may pass their own. */
  kubeConfigFor?: (properties: Record<string, unknown> | undefined) => KubeConfig;
}

/** A Kubernetes attempt handle: `<namespace>/<object name>`, both DNS labels. */
const handlePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The options of the backend for a stored `type: kubernetes` compute, less its kubeconfig. Pure. */
export function kubernetesBackendOptions(
  spec: KubernetesComputeSpec,
  publicUrl: string,
  secret: Buffer,
): Omit<KubernetesBackendOptions, 'kubeConfig'> {
  const sku = spec.size === undefined ? undefined : findSku(spec.size);
  const transferImage = spec.properties?.transfer_image;
  return {
    namespace: spec.namespace,
    trellisUrl: publicUrl,
    bundleUrl: (request) =>
      attemptTransferUrls(publicUrl, secret, { workspace: request.workspace, jobName: request.jobName, attempt: request.attempt })
        .bundleUrl,
    resultsUrl: (request) =>
      attemptTransferUrls(publicUrl, secret, { workspace: request.workspace, jobName: request.jobName, attempt: request.attempt })
        .resultsUrl,
    skuFor: () => sku,
    isLowPriority: spec.tier === 'low_priority',
    ...(typeof transferImage === 'string' ? { transferImage } : {}),
  };
}

export function createKubernetesComputes(options: KubernetesComputesOptions): KubernetesComputes {
  const made = new Map<string, { settings: string; backend: ComputeBackend }>();
  // Poll and stop need only the cluster and the handle: the last backend made for a namespace serves its orphans.
  const byNamespace = new Map<string, ComputeBackend>();
  const { logger } = options;
  const kubeConfigFor = options.kubeConfigFor ?? ((properties) => loadKubeConfig(properties));

  // The job runner does not wait for a stop; a rejected one must not end the server.
  const quietStop = (backend: ComputeBackend): ComputeBackend => ({
    ...backend,
    stop: (handle, graceSeconds) =>
      backend
        .stop(handle, graceSeconds)
        .catch((error: unknown) =>
          logger.warn(
            { err: error, handle },
            `kubernetes: could not stop ${handle}: ${(error as Error).message}; the Kubernetes Job may still run until it is polled as ended`,
          ),
        ),
  });

  return {
    backendFor(compute) {
      const spec = computeSpecOf(compute, 'kubernetes');
      const key = `${compute.workspace}/${compute.name}`;
      const settings = JSON.stringify([spec.namespace, spec.properties, spec.size, spec.tier]);
      const cached = made.get(key);
      if (cached?.settings === settings) return cached.backend;
      let backend: ComputeBackend;
      try {
        backend = quietStop(
          createKubernetesBackend({
            ...kubernetesBackendOptions(spec, options.publicUrl(), options.secret),
            kubeConfig: kubeConfigFor(spec.properties),
          }),
        );
        byNamespace.set(spec.namespace, backend);
      } catch (error) {
        backend = unusable(error);
      }
      made.set(key, { settings, backend });
      return backend;
    },

    byHandle(otherHandles) {
      const clusterOf = (handle: string) =>
        handlePattern.test(handle) ? (byNamespace.get(handle.split('/')[0]!) ?? 'unknown') : undefined;
      return {
        launch: async (request) => {
          throw new TrellisError(
            'ComputeNotFound',
            404,
            `job '${request.jobName}' cannot start: its compute was deleted; submit it again to an existing compute`,
          );
        },
        poll: async (handle): Promise<AttemptState> => {
          const backend = clusterOf(handle);
          if (backend === undefined) return otherHandles.poll(handle);
          if (backend === 'unknown')
            return {
              state: 'lost',
              reason: `its kubernetes compute was deleted and this server no longer has its kubeconfig; the Kubernetes Job ${handle} may still run: delete it with kubectl delete job -n ${handle.replace('/', ' ')}`,
            };
          return backend.poll(handle);
        },
        stop: async (handle, graceSeconds) => {
          const backend = clusterOf(handle);
          if (backend === undefined) return otherHandles.stop(handle, graceSeconds);
          if (backend === 'unknown')
            return logger.warn(
              { handle },
              `kubernetes: cannot stop ${handle}: its compute was deleted and this server no longer has its kubeconfig; the Kubernetes Job may still run: delete it with kubectl delete job -n ${handle.replace('/', ' ')}`,
            );
          return backend.stop(handle, graceSeconds);
        },
      };
    },
  };
}

/** A backend for a compute whose kubeconfig cannot be read: launches fail with the reason, polls too. */
function unusable(error: unknown): ComputeBackend {
  const fail = async (): Promise<never> => {
    throw error;
  };
  return { launch: fail, poll: fail, stop: async () => undefined };
}
