import type { V1Deployment, V1EnvVar, V1Probe, V1ResourceRequirements, V1Secret, V1Service, V1Volume } from '@kubernetes/client-node';
import type { OnlineDeploymentSpec } from '../../core/azureml/online-deployment-schema.js';
import { describeUnknownSize, findSku, type Sku } from '../../core/compute/sku-catalogue.js';
import { TrellisError } from '../../core/errors.js';
import { credentialsSecretName, podScheduling, podShareOfNode, secretVariables } from './job-manifest.js';
import { labelValue, onlineObjectName } from './object-name.js';
import { fetchBundleScript } from './pod-transfer.js';

/**
 * Renders the instances of one version of an online deployment on a `type: kubernetes` compute:
 * an apps/v1 Deployment (replicas = the instances wanted) whose pods run Azure ML's inference
 * server (azmlinfsrv) on the scoring script, a v1 Service (ClusterIP) that Trellis sends scoring
 * calls to, and a v1 Secret with the version's workload token (read by secretKeyRef, so it is in
 * no Deployment). The model and code reach each pod either through an init container that
 * downloads the version's bundle from Trellis (a URL with a token scoped to that version), or from
 * a volume claim that already holds them. Probes are the deployment's liveness_probe and
 * readiness_probe as httpGet on azmlinfsrv's health route. Pure: the backend sends what this returns.
 */

/** Where the model and code are in each pod, as on Azure ML (`/var/azureml-app`). */
export const appDir = '/var/azureml-app';
/** azmlinfsrv's port, as on Azure ML. */
export const scoringPort = 5001;
/** azmlinfsrv answers 200 on GET / once init() has run. */
export const healthPath = '/';
/** Azure ML's inference image: Python with azureml-inference-server-http, used when the environment names no image. */
export const defaultInferenceImage = 'mcr.microsoft.com/azureml/minimal-ubuntu22.04-py39-cpu-inference:latest';
export const scoringContainerName = 'inference-server';
/** Azure ML's `defaultinstancetype` on an attached cluster: what an instance gets when neither resources nor a size says. */
export const defaultInstanceResources: V1ResourceRequirements = {
  requests: { cpu: '100m', memory: '2Gi' },
  limits: { cpu: '2', memory: '2Gi' },
};

/** How the pods get the model and code: downloaded from Trellis, or from a claim that holds them. */
export type ModelDelivery =
  | { kind: 'bundle'; url: string; transferImage: string }
  | { kind: 'volume'; claimName: string; subPath?: string | undefined };

export interface OnlineManifestInput {
  workspace: string;
  endpoint: string;
  deployment: string;
  /** The version (etag) these objects serve: each version has objects of its own. */
  version: string;
  namespace: string;
  spec: Pick<OnlineDeploymentSpec, 'instance_type' | 'resources' | 'liveness_probe' | 'readiness_probe' | 'code_configuration'>;
  /** Instances wanted now (instance_count, or what the autoscaler chose). */
  replicas: number;
  /** The environment's image; Azure ML's inference image when undefined. */
  image?: string | undefined;
  /** The compute's size, used when the deployment gives neither resources nor instance_type. */
  computeSize?: Sku | undefined;
  /** Run on spot nodes (the compute's tier low_priority). */
  isLowPriority?: boolean;
  /**
   * Variables of the scoring container: the deployment's environment_variables and Trellis's own,
   * with paths relative to `appDir` already (AZUREML_MODEL_DIR is set here). TRELLIS_TOKEN and
   * MLFLOW_TRACKING_TOKEN go in the Secret.
   */
  env: Record<string, string>;
  /** The model's folder under `appDir`, e.g. `azureml-models/churn/3` (AZUREML_MODEL_DIR). */
  modelFolder: string;
  /** The code's folder under `appDir` (code_configuration.code), e.g. `code`. */
  codeFolder: string;
  delivery: ModelDelivery;
  /** Seconds between SIGTERM and SIGKILL when an instance is stopped. */
  terminationGraceSeconds?: number;
}

export interface OnlineManifests {
  /** The name of the Deployment, the Service and (with `-credentials`) the Secret. */
  name: string;
  deployment: V1Deployment;
  service: V1Service;
  secret?: V1Secret | undefined;
}

/** The label every object and pod of one version carries; the Deployment and the Service select on it. */
export const instanceSetLabel = 'trellis.dev/instance-set';

/** The Deployment, Service and Secret that run `input`'s instances. */
export function renderOnlineManifests(input: OnlineManifestInput): OnlineManifests {
  const { namespace, spec } = input;
  if (!Number.isInteger(input.replicas) || input.replicas < 0)
    throw new TrellisError('InvalidInput', 422, `the instance count must be 0 or more, got ${input.replicas}`);
  const scoringScript = spec.code_configuration?.scoring_script;
  if (!scoringScript)
    throw new TrellisError(
      'InvalidInput',
      422,
      `deployment ${input.endpoint}/${input.deployment} has no code_configuration.scoring_script: on a kubernetes compute its instances run Azure ML's inference server, which needs a scoring script`,
    );
  const name = onlineObjectName(input.workspace, input.endpoint, input.deployment, input.version);
  const labels = {
    'trellis.dev/workspace': labelValue(input.workspace),
    'trellis.dev/endpoint': labelValue(input.endpoint),
    'trellis.dev/deployment': labelValue(input.deployment),
    [instanceSetLabel]: name,
  };
  const annotations = {
    'trellis.dev/workspace-name': input.workspace,
    'trellis.dev/endpoint-name': input.endpoint,
    'trellis.dev/deployment-name': input.deployment,
    'trellis.dev/version': input.version,
  };
  const { resources, sku } = instanceResources(spec, input.computeSize);

  const env: Record<string, string> = {
    ...input.env,
    AZUREML_MODEL_DIR: `${appDir}/${input.modelFolder}`,
    AZUREML_ENTRY_SCRIPT: scoringScript,
  };
  const credentials: Record<string, string> = {};
  for (const variable of secretVariables) {
    const value = env[variable];
    if (value === undefined) continue;
    credentials[variable] = value;
    delete env[variable];
  }
  const secretName = credentialsSecretName(name);

  const appMount = {
    name: 'app',
    mountPath: appDir,
    ...(input.delivery.kind === 'volume' && input.delivery.subPath ? { subPath: input.delivery.subPath } : {}),
  };
  const volumes: V1Volume[] =
    input.delivery.kind === 'bundle'
      ? [{ name: 'app', emptyDir: {} }]
      : [{ name: 'app', persistentVolumeClaim: { claimName: input.delivery.claimName, readOnly: true } }];

  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels, annotations },
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: { [instanceSetLabel]: name } },
      template: {
        metadata: { labels, annotations },
        spec: {
          terminationGracePeriodSeconds: input.terminationGraceSeconds ?? 30,
          ...podScheduling({
            nodeType: sku?.name,
            gpus: Boolean(resources.limits?.['nvidia.com/gpu']),
            isLowPriority: input.isLowPriority,
          }),
          ...(input.delivery.kind === 'bundle'
            ? {
                initContainers: [
                  {
                    name: 'fetch-bundle',
                    image: input.delivery.transferImage,
                    command: ['sh', '-c', fetchBundleScript(appDir)],
                    env: [{ name: 'TRELLIS_BUNDLE_URL', value: input.delivery.url }],
                    volumeMounts: [appMount],
                  },
                ],
              }
            : {}),
          containers: [
            {
              name: scoringContainerName,
              image: input.image ?? defaultInferenceImage,
              command: [
                'azmlinfsrv',
                '--entry_script',
                `${appDir}/${input.codeFolder}/${scoringScript}`,
                '--model_dir',
                `${appDir}/${input.modelFolder}`,
                '--port',
                String(scoringPort),
              ],
              workingDir: `${appDir}/${input.codeFolder}`,
              ports: [{ name: 'http', containerPort: scoringPort, protocol: 'TCP' }],
              env: toEnvVars(env, credentials, secretName),
              resources,
              livenessProbe: httpProbe(spec.liveness_probe),
              readinessProbe: httpProbe(spec.readiness_probe),
              volumeMounts: [appMount],
            },
          ],
          volumes,
        },
      },
    },
  };

  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels, annotations },
    spec: {
      type: 'ClusterIP',
      selector: { [instanceSetLabel]: name },
      ports: [{ name: 'http', port: scoringPort, targetPort: 'http', protocol: 'TCP' }],
    },
  };

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

  return { name, deployment, service, secret };
}

/** The address scoring calls go to inside the cluster: the Service's DNS name and port. */
export function serviceUrl(name: string, namespace: string): string {
  return `http://${name}.${namespace}.svc.cluster.local:${scoringPort}`;
}

type Probe = OnlineManifestInput['spec']['liveness_probe'];

/** A deployment's probe (seconds) as an httpGet probe on azmlinfsrv's health route. */
function httpProbe(probe: Probe): V1Probe {
  return {
    httpGet: { path: healthPath, port: 'http' },
    initialDelaySeconds: probe.initial_delay,
    periodSeconds: probe.period,
    timeoutSeconds: probe.timeout,
    successThreshold: probe.success_threshold,
    failureThreshold: probe.failure_threshold,
  };
}

/**
 * What one instance asks for: the deployment's `resources` as given (`gpu` read as
 * `nvidia.com/gpu`); else its instance_type as a catalogue size, sized as jobs are (one pod per
 * node of that size); else the compute's size; else Azure ML's defaultinstancetype.
 */
export function instanceResources(
  spec: OnlineManifestInput['spec'],
  computeSize: Sku | undefined,
): { resources: V1ResourceRequirements; sku: Sku | undefined } {
  if (spec.resources) {
    const quantities = (given: Record<string, unknown> | undefined) => {
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(given ?? {}))
        if (typeof value === 'string') out[key === 'gpu' ? 'nvidia.com/gpu' : key] = value;
      return out;
    };
    const requests = quantities(spec.resources.requests);
    const limits = quantities(spec.resources.limits);
    return {
      resources: { ...(Object.keys(requests).length > 0 ? { requests } : {}), ...(Object.keys(limits).length > 0 ? { limits } : {}) },
      sku: undefined,
    };
  }
  let sku = computeSize;
  if (spec.instance_type !== undefined) {
    sku = findSku(spec.instance_type);
    if (!sku)
      throw new TrellisError(
        'InvalidInput',
        422,
        `instance_type: ${describeUnknownSize(spec.instance_type)}; on a kubernetes compute give one of those sizes, or resources (requests and limits)`,
      );
  }
  if (!sku) return { resources: defaultInstanceResources, sku: undefined };
  const memory = `${Math.floor(sku.memoryGiB * 1024 * podShareOfNode.memory)}Mi`;
  const gpus: Record<string, string> = sku.gpus > 0 ? { 'nvidia.com/gpu': String(sku.gpus) } : {};
  return {
    resources: {
      requests: { cpu: `${sku.vcpus * 1000 - podShareOfNode.cpuReservedMillis}m`, memory, ...gpus },
      limits: { cpu: String(sku.vcpus), memory, ...gpus },
    },
    sku,
  };
}

/** The container's variables, sorted: values as they are, credentials by reference to the version's Secret. */
function toEnvVars(values: Record<string, string>, credentials: Record<string, string>, secretName: string): V1EnvVar[] {
  const plain: V1EnvVar[] = Object.entries(values).map(([name, value]) => ({ name, value }));
  const referenced: V1EnvVar[] = Object.keys(credentials).map((name) => ({
    name,
    valueFrom: { secretKeyRef: { name: secretName, key: name } },
  }));
  return [...plain, ...referenced].sort((a, b) => a.name.localeCompare(b.name));
}
