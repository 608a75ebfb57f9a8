import { z } from 'zod';
import {
  checkScoringParts,
  codeConfigurationSchema,
  deploymentEnvironmentField,
  deploymentModelField,
  endpointNameField,
  environmentVariablesField,
  readOnlyEntries,
  wholeNumber,
  type KnownFields,
} from './endpoint-fields.js';
import { azureEnum, closedObject, flagField, freeMapping, isPlainObject, tagsField, whenMapping } from './schema-helpers.js';

/** Fields Azure ML fills in and `az ml online-deployment show` prints; accepted and dropped. */
export const onlineDeploymentReadOnlyFields = ['id', 'provisioning_state', 'creation_context', 'resourceGroup'] as const;

/** Fields that configure Azure and change nothing in Trellis, with the reason shown in a note. */
export const onlineDeploymentAzureOnlyFields: Readonly<Record<string, string>> = {
  app_insights_enabled: 'Azure Application Insights; Trellis keeps its own metrics and logs for every deployment',
  egress_public_network_access:
    'Azure network isolation of the deployment (legacy method); Trellis deployments reach what their host reaches',
  private_network_connection: 'Azure network isolation of the deployment',
};

/**
 * Azure's documented defaults (reference-yaml-deployment-managed-online, -kubernetes-online):
 * requests, probes, and the target_utilization scale settings.
 */
export const onlineDeploymentDefaults = {
  request_settings: { request_timeout_ms: 5000, max_concurrent_requests_per_instance: 1, max_queue_wait_ms: 500 },
  probe: { initial_delay: 10, period: 10, timeout: 2, success_threshold: 1, failure_threshold: 30 },
  target_utilization: { min_instances: 1, max_instances: 1, target_utilization_percentage: 70, polling_interval: 1 },
} as const;

const requestSettings = closedObject({
  request_timeout_ms: wholeNumber(1).default(onlineDeploymentDefaults.request_settings.request_timeout_ms),
  max_concurrent_requests_per_instance: wholeNumber(1).default(
    onlineDeploymentDefaults.request_settings.max_concurrent_requests_per_instance,
  ),
  // Deprecated by Azure (raise request_timeout_ms instead); still accepted.
  max_queue_wait_ms: wholeNumber(0).default(onlineDeploymentDefaults.request_settings.max_queue_wait_ms),
});

const probe = closedObject({
  initial_delay: wholeNumber(1).default(onlineDeploymentDefaults.probe.initial_delay),
  period: wholeNumber(1).default(onlineDeploymentDefaults.probe.period),
  timeout: wholeNumber(1).default(onlineDeploymentDefaults.probe.timeout),
  success_threshold: wholeNumber(1).default(onlineDeploymentDefaults.probe.success_threshold),
  failure_threshold: wholeNumber(1).default(onlineDeploymentDefaults.probe.failure_threshold),
});

const scaleTypes = ['default', 'target_utilization'] as const;

const defaultScale = closedObject({ type: z.literal('default') });
const targetUtilizationScale = closedObject({
  type: z.literal('target_utilization'),
  // 0 lets an idle deployment hold no instance; the service starts one on demand.
  min_instances: wholeNumber(0).default(onlineDeploymentDefaults.target_utilization.min_instances),
  max_instances: wholeNumber(1).default(onlineDeploymentDefaults.target_utilization.max_instances),
  target_utilization_percentage: wholeNumber(1, 100).default(onlineDeploymentDefaults.target_utilization.target_utilization_percentage),
  polling_interval: wholeNumber(1).default(onlineDeploymentDefaults.target_utilization.polling_interval),
}).superRefine((scale, context) => {
  const { min_instances: min, max_instances: max } = scale;
  if (typeof min === 'number' && typeof max === 'number' && min > max) {
    context.addIssue({ code: 'custom', path: ['min_instances'], message: `min_instances (${min}) is larger than max_instances (${max})` });
  }
}, whenMapping);

/** `type: TargetUtilization` is `target_utilization`, as azure-ai-ml's camel_to_snake reads it. */
function canonicalScaleType(value: unknown): unknown {
  if (!isPlainObject(value) || typeof value.type !== 'string') return value;
  const squashed = value.type.toLowerCase().replaceAll('_', '');
  const type = scaleTypes.find((candidate) => candidate.replaceAll('_', '') === squashed);
  return type === undefined ? value : { ...value, type };
}

const scaleSettings = z.preprocess(
  canonicalScaleType,
  z.discriminatedUnion('type', [defaultScale, targetUtilizationScale], { error: `type must be one of ${scaleTypes.join(', ')}` }),
);
export type ScaleSettings = z.output<typeof scaleSettings>;

const dataCollection = closedObject({
  enabled: flagField().default(false),
  data: z
    .union(
      [
        z.string().min(1),
        closedObject({
          name: z.string().optional(),
          path: z.string().optional(),
          version: z.preprocess((value) => (typeof value === 'number' ? String(value) : value), z.string()).optional(),
        }),
      ],
      {
        error: 'must be a data asset reference or a mapping {name, path, version}',
      },
    )
    .optional(),
  client_id: z.string().optional(),
});

/** What to collect from the deployment's traffic (Azure's model data collector): named collections, sampled. */
const dataCollector = closedObject({
  collections: z.record(z.string(), dataCollection).optional(),
  sampling_rate: z.number().min(0, 'must be between 0.0 and 1.0').max(1, 'must be between 0.0 and 1.0').default(1),
  rolling_rate: azureEnum(['minute', 'hour', 'day', 'month', 'year']).default('hour'),
  request_logging: closedObject({ capture_headers: z.array(z.string()).optional() }).optional(),
});

/** Kubernetes quantities: `cpu: "0.1"`, `memory: 200Mi`, `nvidia.com/gpu: 1` (numbers read as text). */
const quantity = z.preprocess((value) => (typeof value === 'number' ? String(value) : value), z.string().min(1));
const containerResources = closedObject({
  cpu: quantity.optional(),
  memory: quantity.optional(),
  gpu: quantity.optional(),
  'nvidia.com/gpu': quantity.optional(),
});

/**
 * A managed or Kubernetes online deployment (az ml online-deployment create), after azure-ai-ml's
 * ManagedOnlineDeploymentSchema and KubernetesOnlineDeploymentSchema: the model, the code and
 * environment that score it, how many instances of which size, and how requests, probes and
 * scaling behave, with Azure's defaults filled in. A file whose $schema names
 * kubernetesOnlineDeployment is `type: kubernetes` without saying so.
 */
export const onlineDeploymentSchema = z
  .preprocess(
    (value) =>
      isPlainObject(value) &&
      value.type === undefined &&
      typeof value.$schema === 'string' &&
      /kubernetesonlinedeployment/i.test(value.$schema)
        ? { ...value, type: 'kubernetes' }
        : value,
    closedObject(
      {
        $schema: z.string().optional(),
        name: endpointNameField('deployment'),
        // Optional here so that a missing one gets the message below.
        endpoint_name: endpointNameField('endpoint').optional(),
        description: z.string().optional(),
        tags: tagsField.optional(),
        properties: freeMapping.optional(),
        type: azureEnum(['managed', 'kubernetes']).default('managed'),
        model: deploymentModelField.optional(),
        model_mount_path: z.string().min(1).optional(),
        code_configuration: codeConfigurationSchema.optional(),
        environment: deploymentEnvironmentField.optional(),
        environment_variables: environmentVariablesField.optional(),
        instance_type: z.string().min(1, 'must not be empty').optional(),
        instance_count: wholeNumber(1).optional(),
        scale_settings: scaleSettings.optional(),
        request_settings: requestSettings.prefault({}),
        liveness_probe: probe.prefault({}),
        readiness_probe: probe.prefault({}),
        data_collector: dataCollector.optional(),
        resources: closedObject({ requests: containerResources.optional(), limits: containerResources.optional() }).optional(),
        app_insights_enabled: flagField().optional(),
        egress_public_network_access: azureEnum(['enabled', 'disabled']).optional(),
        private_network_connection: flagField().optional(),
        ...readOnlyEntries(onlineDeploymentReadOnlyFields),
      },
      onlineDeploymentReadOnlyFields,
    ).superRefine((deployment, context) => {
      const issue = (path: PropertyKey[], message: string) => context.addIssue({ code: 'custom', path, message });
      if (deployment.endpoint_name === undefined)
        issue(['endpoint_name'], 'is required: the name of the endpoint this deployment belongs to');
      const isManaged = deployment.type === 'managed';
      if (isManaged && deployment.instance_type === undefined)
        issue(['instance_type'], 'is required for a managed deployment: the VM size of each instance, e.g. Standard_DS3_v2');
      if (isManaged && deployment.resources !== undefined) {
        issue(
          ['resources'],
          'resources (container requests and limits) apply to Kubernetes deployments (type: kubernetes); a managed deployment is sized by instance_type',
        );
      }
      const scale = isPlainObject(deployment.scale_settings) ? deployment.scale_settings : undefined;
      // Azure's default scale type: default for managed deployments, target_utilization on Kubernetes.
      const scaleType = scale?.type ?? (isManaged ? 'default' : 'target_utilization');
      const count = deployment.instance_count;
      if (scaleType === 'default' && count === undefined)
        issue(
          ['instance_count'],
          'is required: the number of instances that serve this deployment (1 or more; 3 or more for high availability)',
        );
      if (
        scale?.type === 'target_utilization' &&
        typeof count === 'number' &&
        typeof scale.min_instances === 'number' &&
        typeof scale.max_instances === 'number'
      ) {
        if (count < scale.min_instances || count > scale.max_instances) {
          issue(
            ['instance_count'],
            `instance_count (${count}) is outside scale_settings min_instances..max_instances (${scale.min_instances}..${scale.max_instances})`,
          );
        }
      }
      const liveness = deployment.liveness_probe;
      if (isPlainObject(liveness) && typeof liveness.success_threshold === 'number' && liveness.success_threshold !== 1) {
        issue(
          ['liveness_probe', 'success_threshold'],
          'must be 1 for a liveness probe (one answer shows the instance is alive); set success_threshold on readiness_probe instead',
        );
      }
      checkScoringParts(deployment, context);
    }, whenMapping),
  )
  .transform((deployment) => ({
    ...deployment,
    endpoint_name: deployment.endpoint_name as string,
    scale_settings: deployment.scale_settings ?? defaultScaleSettings(deployment.type),
  }));

function defaultScaleSettings(type: 'managed' | 'kubernetes'): ScaleSettings {
  return type === 'managed' ? { type: 'default' } : { type: 'target_utilization', ...onlineDeploymentDefaults.target_utilization };
}

type OnlineDeploymentFile = z.output<typeof onlineDeploymentSchema>;

/** An online deployment as validated: $schema and read-only fields left out, Azure's defaults filled in. */
export type OnlineDeploymentSpec = Omit<KnownFields<OnlineDeploymentFile>, '$schema' | (typeof onlineDeploymentReadOnlyFields)[number]>;
