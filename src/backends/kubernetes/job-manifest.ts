import type { V1EnvVar, V1Job, V1PodSpec, V1Secret, V1Service, V1Toleration } from '@kubernetes/client-node';
import { posix } from 'node:path';
import { computeDefaults } from '../../core/azureml/compute-schema.js';
import { findSku, type Sku } from '../../core/compute/sku-catalogue.js';
import { TrellisError } from '../../core/errors.js';
import type { LaunchRequest } from '../compute-backend.js';
import { attemptObjectName, labelValue, podHost } from './object-name.js';
import { fetchBundleScript, podStateFolder, uploadResultsScript } from './pod-transfer.js';
import { planLauncher } from './process-launcher.js';

/**
 * Renders one attempt of a command job as the Kubernetes objects that run it: a batch/v1 Job
 * (Indexed, one pod per instance, when instance_count > 1) and, for several instances, a
 * headless Service that gives pod 0 the stable name the others rendezvous with, and a Secret that
 * holds the attempt's workload token (read by the pod through secretKeyRef, so the token is in no
 * manifest and no `kubectl get job -o yaml`). Pure: the
 * backend sends what this returns. Kubernetes never retries (backoffLimit 0, restartPolicy
 * Never): a failed or evicted attempt is Trellis's to requeue, as on Azure ML.
 */

export interface ManifestInput {
  request: LaunchRequest;
  namespace: string;
  /** The VM size of the job's nodes; Azure ML's default size when undefined. */
  sku?: Sku | undefined;
  /** Run on spot nodes (amlcompute tier low_priority). */
  isLowPriority: boolean;
  /** Where the init container downloads the attempt's prepared folder as a tar. */
  bundleUrl: string;
  /** Where the upload container PUTs the attempt's logs, outputs and checkpoints as a tar. */
  resultsUrl: string;
  /** How pods reach Trellis (MLflow tracking, logs). */
  trellisUrl: string;
  /** Seconds between SIGTERM and SIGKILL when a pod is stopped. */
  terminationGraceSeconds?: number;
  /** Image of the download (init) and upload containers; it needs sh, curl and tar. */
  transferImage?: string | undefined;
}

export interface JobManifests {
  /** Also the handle's object name. */
  name: string;
  job: V1Job;
  /** Only for multi-node jobs. */
  service?: V1Service | undefined;
  /** The attempt's credentials (its workload token), when it has any; the Job's pods read them by reference. */
  secret?: V1Secret | undefined;
}

/** Variables that carry a credential: they travel in the attempt's Secret, never as a value in the Job. */
export const secretVariables = ['TRELLIS_TOKEN', 'MLFLOW_TRACKING_TOKEN'];

/** The name of the Secret that holds the credentials of the attempt whose objects are named `name`. */
export function credentialsSecretName(name: string): string {
  return `${name}-credentials`;
}

/** Where the attempt's folder is unpacked in every pod. */
export const podWorkDir = '/trellis/work';
export const defaultImage = 'python:3.11-slim';
/** The container that runs the command; its exit code is the attempt's. */
export const mainContainerName = 'main';
/** The container beside it that sends the attempt's results back to Trellis. */
export const uploadContainerName = 'upload-results';
export const defaultTransferImage = 'curlimages/curl:8.11.1';
/**
 * Variables the job runner took from the Trellis machine (its PATH, home and virtualenv, the
 * host's file of the server's certificate authority): a pod has its image's own and none of the
 * host's files, so these are left out of the pod's environment.
 */
export const hostOnlyVariables = ['PATH', 'HOME', 'VIRTUAL_ENV', 'MLFLOW_TRACKING_SERVER_CERT_PATH', 'TRELLIS_CA_FILE'];
export const instanceTypeLabel = 'node.kubernetes.io/instance-type';
/** The label and taint AKS puts on spot node pools. */
export const spotPriorityKey = 'kubernetes.azure.com/scalesetpriority';
/**
 * Where a pod may run: on nodes of its size (when one is named), tolerating GPU nodes' taint when it
 * asks for GPUs, and on spot nodes only (affinity and toleration) when it is low priority.
 */
export function podScheduling(input: {
  nodeType?: string | undefined;
  gpus: boolean;
  isLowPriority: boolean | undefined;
}): Pick<V1PodSpec, 'nodeSelector' | 'affinity' | 'tolerations'> {
  const tolerations: V1Toleration[] = [];
  if (input.gpus) tolerations.push({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
  if (input.isLowPriority) tolerations.push({ key: spotPriorityKey, operator: 'Equal', value: 'spot', effect: 'NoSchedule' });
  return {
    ...(input.nodeType ? { nodeSelector: { [instanceTypeLabel]: input.nodeType } } : {}),
    ...(input.isLowPriority
      ? {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: spotPriorityKey, operator: 'In', values: ['spot'] }] }],
              },
            },
          },
        }
      : {}),
    ...(tolerations.length > 0 ? { tolerations } : {}),
  };
}

/** What a pod asks of its node: the rest is left for the kubelet, system pods and daemon sets. */
export const podShareOfNode = { cpuReservedMillis: 500, memory: 0.75 } as const;

const rendezvousPortVariables = ['MASTER_PORT'];

/** The Job (and Service, for several instances) that run `input.request`. */
export function renderJobManifests(input: ManifestInput): JobManifests {
  const { request, namespace } = input;
  const sku = input.sku ?? findSku(computeDefaults.size)!;
  if (!Number.isInteger(request.instanceCount) || request.instanceCount < 1)
    throw new TrellisError('InvalidInput', 422, `instance_count must be 1 or more, got ${request.instanceCount}`);
  const name = attemptObjectName(request.workspace, request.jobName, request.attempt);
  const isMultiNode = request.instanceCount > 1;
  // Pods find pod 0 through the headless Service, whose name is the Job's.
  const masterHost = isMultiNode ? podHost(name, name, 0) : 'localhost';
  const launcher = planLauncher(request.processes, request.instanceCount, masterHost);
  const relocate = relocator(request.workDir);
  for (const [what, path] of [
    ['codeDir', request.codeDir],
    ['logDir', request.logDir],
  ] as const) {
    if (!relocate(path).startsWith(podWorkDir))
      throw new TrellisError(
        'InvalidInput',
        422,
        `${what} ${path} is outside the attempt folder ${request.workDir}, so the pod would not have it`,
      );
  }

  const labels = {
    'trellis.dev/workspace': labelValue(request.workspace),
    'trellis.dev/job': labelValue(request.jobName),
    'trellis.dev/attempt': String(request.attempt),
  };
  const podLabels = { ...labels, 'trellis.dev/run': name };
  const annotations = { 'trellis.dev/workspace-name': request.workspace, 'trellis.dev/job-name': request.jobName };

  const env: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(request.env)
        .filter(([key]) => !hostOnlyVariables.includes(key))
        .map(([key, value]) => [key, relocate(value)]),
    ),
    ...launcher.sharedEnv,
    TRELLIS_URL: input.trellisUrl,
    TRELLIS_COMMAND: relocate(request.command),
    TRELLIS_LOG_DIR: relocate(request.logDir),
    TRELLIS_STATE_DIR: `${podWorkDir}/${podStateFolder}`,
  };
  // The tracking URI the job runner wrote points at Trellis as this machine sees it.
  if (env.MLFLOW_TRACKING_URI) env.MLFLOW_TRACKING_URI = rebase(env.MLFLOW_TRACKING_URI, input.trellisUrl);
  const credentials: Record<string, string> = {};
  for (const variable of secretVariables) {
    const value = env[variable];
    if (value === undefined) continue;
    credentials[variable] = value;
    delete env[variable];
  }
  const secretName = credentialsSecretName(name);

  const memory = `${Math.floor(sku.memoryGiB * 1024 * podShareOfNode.memory)}Mi`;
  const cpuRequest = `${sku.vcpus * 1000 - podShareOfNode.cpuReservedMillis}m`;
  const gpus: Record<string, string> = sku.gpus > 0 ? { 'nvidia.com/gpu': String(sku.gpus) } : {};
  const transferImage = input.transferImage ?? defaultTransferImage;
  const workMount = { name: 'work', mountPath: podWorkDir };

  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels, annotations },
    spec: {
      backoffLimit: 0,
      completions: request.instanceCount,
      parallelism: request.instanceCount,
      ...(isMultiNode ? { completionMode: 'Indexed' } : {}),
      ...(request.timeoutSeconds !== undefined ? { activeDeadlineSeconds: Math.max(1, Math.ceil(request.timeoutSeconds)) } : {}),
      template: {
        metadata: { labels: podLabels, annotations: { ...annotations } },
        spec: {
          restartPolicy: 'Never',
          ...(isMultiNode ? { subdomain: name } : {}),
          terminationGracePeriodSeconds: input.terminationGraceSeconds ?? 30,
          ...podScheduling({ nodeType: sku.name, gpus: sku.gpus > 0, isLowPriority: input.isLowPriority }),
          initContainers: [
            {
              name: 'fetch-bundle',
              image: transferImage,
              command: ['sh', '-c', fetchBundleScript(podWorkDir)],
              env: [{ name: 'TRELLIS_BUNDLE_URL', value: input.bundleUrl }],
              volumeMounts: [workMount],
            },
          ],
          containers: [
            {
              name: mainContainerName,
              image: request.image ?? defaultImage,
              command: ['bash', '-c', launcher.script],
              workingDir: relocate(request.codeDir),
              env: toEnvVars(env, credentials, secretName),
              resources: {
                requests: { cpu: cpuRequest, memory, ...gpus },
                limits: { cpu: String(sku.vcpus), memory, ...gpus },
              },
              volumeMounts: [workMount, { name: 'shm', mountPath: '/dev/shm' }],
            },
            {
              name: uploadContainerName,
              image: transferImage,
              command: ['sh', '-c', uploadResultsScript(podWorkDir)],
              env: [{ name: 'TRELLIS_RESULTS_URL', value: input.resultsUrl }],
              // tar and curl stream: little memory, whatever the size of the checkpoints.
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              volumeMounts: [workMount],
            },
          ],
          volumes: [
            { name: 'work', emptyDir: {} },
            // PyTorch data loaders share tensors through /dev/shm, which containers cap at 64 MiB.
            { name: 'shm', emptyDir: { medium: 'Memory' } },
          ],
        },
      },
    },
  };

  const port = rendezvousPortVariables
    .map((variable) => Number(launcher.sharedEnv[variable]))
    .find((value) => Number.isInteger(value) && value > 0);
  const service: V1Service | undefined = isMultiNode
    ? {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace, labels, annotations },
        spec: {
          clusterIP: 'None',
          selector: { 'trellis.dev/run': name },
          // Rendezvous starts before any pod is Ready.
          publishNotReadyAddresses: true,
          ...(port ? { ports: [{ name: 'rendezvous', port, targetPort: port, protocol: 'TCP' }] } : {}),
        },
      }
    : undefined;

  const secret: V1Secret | undefined =
    Object.keys(credentials).length > 0
      ? {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'Opaque',
          metadata: { name: secretName, namespace, labels, annotations },
          stringData: credentials,
        }
      : undefined;

  return { name, job, service, secret };
}

/** The container's variables, sorted: values as they are, credentials by reference to the attempt's Secret. */
function toEnvVars(values: Record<string, string>, credentials: Record<string, string>, secretName: string): V1EnvVar[] {
  const plain: V1EnvVar[] = Object.entries(values).map(([name, value]) => ({ name, value }));
  const referenced: V1EnvVar[] = Object.keys(credentials).map((name) => ({
    name,
    valueFrom: { secretKeyRef: { name: secretName, key: name } },
  }));
  return [...plain, ...referenced].sort((a, b) => a.name.localeCompare(b.name));
}

/** Rewrites paths under the attempt's folder on this machine to the same place in the pod. */
function relocator(workDir: string): (value: string) => string {
  const root = posix.normalize(workDir).replace(/\/+$/, '');
  const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`${escaped}(?=/|$|[^A-Za-z0-9._-])`, 'g');
  return (value) => value.replace(pattern, podWorkDir);
}

/** `uri` with its origin replaced by `base` (path and query kept). */
function rebase(uri: string, base: string): string {
  try {
    const parsed = new URL(uri);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return uri;
    return `${base.replace(/\/+$/, '')}${parsed.pathname === '/' ? '' : parsed.pathname}${parsed.search}`;
  } catch {
    // Not an absolute URL (a path, say): it does not point at this server, so it is passed on as given.
    return uri;
  }
}
