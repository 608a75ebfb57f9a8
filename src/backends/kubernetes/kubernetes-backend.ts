import { BatchV1Api, CoreV1Api, type KubeConfig, type V1Job, type V1ObjectMeta } from '@kubernetes/client-node';
import type { Sku } from '../../core/compute/sku-catalogue.js';
import { kubernetesApiError, statusOf } from './api-errors.js';
import { TrellisError } from '../../core/errors.js';
import type { AttemptState, ComputeBackend, LaunchRequest } from '../compute-backend.js';
import { renderJobManifests } from './job-manifest.js';
import { attemptState, hasFailed } from './job-status.js';

/**
 * The compute backend for `type: kubernetes` attached compute: each attempt is a batch/v1 Job
 * (plus a headless Service for several instances) in the compute's namespace. The handle is
 * `<namespace>/<name>`, and the name is derived from the workspace, job and attempt, so after a
 * restart `poll` and `stop` find the Job again, and a repeated `launch` adopts the Job it made
 * before instead of failing.
 */

export interface KubernetesBackendOptions {
  kubeConfig: KubeConfig;
  /** The compute's namespace. */
  namespace: string;
  /** How pods reach Trellis. */
  trellisUrl: string;
  /** Where a pod downloads an attempt's prepared folder as a tar. */
  bundleUrl: (request: LaunchRequest) => string;
  /** Where a pod uploads the attempt's logs, outputs and checkpoints as a tar. */
  resultsUrl: (request: LaunchRequest) => string;
  /** The VM size of the attempt's nodes; the catalogue's default size when undefined. */
  skuFor?: (request: LaunchRequest) => Sku | undefined;
  /** Schedule on spot node pools (tier low_priority). */
  isLowPriority?: boolean;
  /** Seconds between SIGTERM and SIGKILL that pods get by default. */
  terminationGraceSeconds?: number;
  /** Image of the containers that download and upload the attempt's folder (sh, curl, tar). */
  transferImage?: string | undefined;
}

/** A ComputeBackend that runs attempts as Kubernetes Jobs. */
export function createKubernetesBackend(options: KubernetesBackendOptions): ComputeBackend {
  const batch = options.kubeConfig.makeApiClient(BatchV1Api);
  const core = options.kubeConfig.makeApiClient(CoreV1Api);

  async function launch(request: LaunchRequest): Promise<{ handle: string }> {
    const namespace = options.namespace;
    const { name, job, service, secret } = renderJobManifests({
      request,
      namespace,
      sku: options.skuFor?.(request),
      isLowPriority: options.isLowPriority ?? false,
      bundleUrl: options.bundleUrl(request),
      resultsUrl: options.resultsUrl(request),
      trellisUrl: options.trellisUrl,
      transferImage: options.transferImage,
      ...(options.terminationGraceSeconds !== undefined ? { terminationGraceSeconds: options.terminationGraceSeconds } : {}),
    });
    const created = await createOrAdopt(
      () => batch.createNamespacedJob({ namespace, body: job }),
      () => batch.readNamespacedJob({ name, namespace }),
      `create Job ${namespace}/${name}`,
    );
    // The Service and the Secret are owned by the Job, so deleting the Job (stop, or by hand) deletes them too.
    // The pod's main container waits for the Secret it reads (the kubelet retries), so the Job can go first.
    const uid = created.metadata?.uid;
    const ownedByJob = <T extends { metadata?: V1ObjectMeta }>(object: T): T =>
      uid ? { ...object, metadata: { ...object.metadata, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid }] } } : object;
    if (secret) {
      const secretName = secret.metadata?.name ?? '';
      await createOrAdopt(
        () => core.createNamespacedSecret({ namespace, body: ownedByJob(secret) }),
        () => core.readNamespacedSecret({ name: secretName, namespace }),
        `create Secret ${namespace}/${secretName}`,
      );
    }
    if (service) {
      await createOrAdopt(
        () => core.createNamespacedService({ namespace, body: ownedByJob(service) }),
        () => core.readNamespacedService({ name, namespace }),
        `create Service ${namespace}/${name}`,
      );
    }
    return { handle: `${namespace}/${name}` };
  }

  async function poll(handle: string): Promise<AttemptState> {
    const { namespace, name } = parseHandle(handle);
    let job: V1Job;
    try {
      job = await batch.readNamespacedJobStatus({ name, namespace });
    } catch (error) {
      if (statusOf(error) === 404) return attemptState(undefined, []);
      throw backendError(error, `read Job ${handle}`);
    }
    if (!hasFailed(job)) return attemptState(job, []);
    try {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: `trellis.dev/run=${name}` });
      return attemptState(job, pods.items);
    } catch (error) {
      throw backendError(error, `list the pods of Job ${handle}`);
    }
  }

  async function stop(handle: string, graceSeconds: number): Promise<void> {
    const { namespace, name } = parseHandle(handle);
    const gracePeriodSeconds = Math.max(0, Math.round(graceSeconds));
    try {
      // Foreground: the Job stays visible (being deleted) until its pods are gone.
      await batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Foreground', gracePeriodSeconds });
    } catch (error) {
      if (statusOf(error) !== 404) throw backendError(error, `delete Job ${handle}`);
    }
  }

  return { launch, poll, stop };
}

/** `<namespace>/<name>` back into its parts. */
function parseHandle(handle: string): { namespace: string; name: string } {
  const [namespace, name, ...rest] = handle.split('/');
  if (!namespace || !name || rest.length > 0)
    throw new TrellisError('InvalidHandle', 500, `'${handle}' is not a kubernetes attempt handle (<namespace>/<name>)`);
  return { namespace, name };
}

/** Creates an object; when one of that name exists (a launch repeated after a restart), reads it instead. */
async function createOrAdopt<T>(create: () => Promise<T>, read: () => Promise<T>, what: string): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (statusOf(error) !== 409) throw backendError(error, what);
  }
  try {
    return await read();
  } catch (error) {
    throw backendError(error, what);
  }
}

function backendError(error: unknown, what: string): TrellisError {
  return kubernetesApiError(error, what, 'create, read and delete jobs, services, secrets and pods');
}
