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
import { azureEnum, closedObject, freeMapping, isPlainObject, tagsField, whenMapping } from './schema-helpers.js';

/** Fields Azure ML fills in and `az ml batch-deployment show` prints; accepted and dropped. */
export const batchDeploymentReadOnlyFields = ['id', 'provisioning_state', 'creation_context', 'resourceGroup'] as const;

/** Azure's documented defaults for a model deployment's settings (reference-yaml-deployment-batch). */
export const batchDeploymentDefaults = {
  max_concurrency_per_instance: 1,
  mini_batch_size: 10,
  output_action: 'append_row',
  output_file_name: 'predictions.csv',
  retry_settings: { max_retries: 3, timeout: 30 },
  // -1: no limit; every failed mini-batch is logged and the job goes on.
  error_threshold: -1,
  logging_level: 'info',
  instance_count: 1,
} as const;

const retrySettings = closedObject({ max_retries: wholeNumber(0).optional(), timeout: wholeNumber(1).optional() });

/** How a batch scoring job runs; `settings:` since Azure ML CLI 1.7, the top level of the file before it. */
const settingsFields = {
  max_concurrency_per_instance: wholeNumber(1).optional(),
  mini_batch_size: wholeNumber(1).optional(),
  output_action: azureEnum(['append_row', 'summary_only']).optional(),
  output_file_name: z.string().min(1, 'must not be empty').optional(),
  retry_settings: retrySettings.optional(),
  error_threshold: wholeNumber(-1).optional(),
  logging_level: azureEnum(['debug', 'info', 'warning', 'error', 'critical']).optional(),
  environment_variables: environmentVariablesField.optional(),
};

/** The settings that the older layout puts at the top level of the file. */
export const batchLegacySettingFields = Object.keys(settingsFields) as (keyof typeof settingsFields)[];

export interface BatchDeploymentSettings {
  max_concurrency_per_instance: number;
  mini_batch_size: number;
  output_action: 'append_row' | 'summary_only';
  /** Set (default predictions.csv) with output_action append_row; with summary_only only if the file names one. */
  output_file_name?: string;
  retry_settings: { max_retries: number; timeout: number };
  error_threshold: number;
  logging_level: 'debug' | 'info' | 'warning' | 'error' | 'critical';
  environment_variables?: Record<string, string>;
}

/** Why a pipeline component batch deployment is refused. */
export const pipelineDeploymentMessage =
  'pipeline component batch deployments (type: pipeline) are not supported by Trellis; deploy a model (type: model) instead';

/**
 * A model batch deployment (az ml batch-deployment create), after azure-ai-ml's
 * ModelBatchDeploymentSchema and, for files without `type`, BatchDeploymentSchema, whose settings
 * sit at the top level: both layouts are read into one, `settings`, with Azure's defaults filled
 * in. A setting given in both places is refused. Pipeline component deployments are refused.
 * `compute` may be left out (Azure requires it): the service then picks the workspace's default.
 */
export const batchDeploymentSchema = closedObject(
  {
    $schema: z.string().optional(),
    name: endpointNameField('deployment'),
    // Optional here so that a missing one gets the message below.
    endpoint_name: endpointNameField('endpoint').optional(),
    description: z.string().optional(),
    tags: tagsField.optional(),
    properties: freeMapping.optional(),
    type: azureEnum(['model', 'pipeline']).default('model'),
    model: deploymentModelField.optional(),
    code_configuration: codeConfigurationSchema.optional(),
    environment: deploymentEnvironmentField.optional(),
    compute: z.string().min(1, 'must not be empty').optional(),
    resources: closedObject({
      instance_count: wholeNumber(1).optional(),
      instance_type: z.string().optional(),
      shm_size: z.string().optional(),
      docker_args: z.string().optional(),
      properties: freeMapping.optional(),
    }).optional(),
    settings: closedObject({ ...settingsFields, instance_count: wholeNumber(1).optional() }).optional(),
    ...settingsFields,
    // Fields of pipeline component deployments: accepted only to explain that they are not supported.
    component: z.unknown().optional(),
    job_definition: z.unknown().optional(),
    ...readOnlyEntries(batchDeploymentReadOnlyFields),
  },
  [...batchDeploymentReadOnlyFields, 'component', 'job_definition'],
)
  .superRefine((deployment, context) => {
    const issue = (path: PropertyKey[], message: string) => context.addIssue({ code: 'custom', path, message });
    if (deployment.type === 'pipeline') issue(['type'], pipelineDeploymentMessage);
    for (const field of ['component', 'job_definition'] as const) {
      if (deployment[field] !== undefined && deployment.type !== 'pipeline')
        issue(
          [field],
          `${field} belongs to pipeline component deployments, which Trellis does not support; a model deployment names a model`,
        );
    }
    if (deployment.endpoint_name === undefined)
      issue(['endpoint_name'], 'is required: the name of the endpoint this deployment belongs to');
    if (deployment.type !== 'pipeline' && deployment.model === undefined) {
      issue(['model'], 'is required: the model to score with (azureml:<name>:<version>, azureml:<name>@latest, or inline {path, type})');
    }
    const settings = isPlainObject(deployment.settings) ? deployment.settings : {};
    for (const field of batchLegacySettingFields) {
      if (deployment[field] !== undefined && settings[field] !== undefined) {
        issue(
          [field],
          `${field} is given twice, here and in settings; keep the one in settings (the top level is the layout from before Azure ML CLI 1.7)`,
        );
      }
    }
    const resources = isPlainObject(deployment.resources) ? deployment.resources : {};
    if (
      typeof settings.instance_count === 'number' &&
      typeof resources.instance_count === 'number' &&
      settings.instance_count !== resources.instance_count
    ) {
      issue(
        ['settings', 'instance_count'],
        `settings.instance_count (${settings.instance_count}) contradicts resources.instance_count (${resources.instance_count}); keep one`,
      );
    }
    checkScoringParts(deployment, context);
  }, whenMapping)
  .transform((deployment) => {
    const { settings = {}, resources = {} } = deployment;
    const { instance_count: settingsInstanceCount, ...givenSettings } = settings;
    // The top-level (older) settings, then the settings mapping; the superRefine above refused overlaps.
    const legacy = Object.fromEntries(
      batchLegacySettingFields.filter((field) => deployment[field] !== undefined).map((field) => [field, deployment[field]]),
    );
    const merged = { ...legacy, ...givenSettings } as Partial<BatchDeploymentSettings>;
    const outputAction = merged.output_action ?? batchDeploymentDefaults.output_action;
    const outputFileName =
      merged.output_file_name ?? (outputAction === 'append_row' ? batchDeploymentDefaults.output_file_name : undefined);
    const normalized: BatchDeploymentSettings = {
      max_concurrency_per_instance: merged.max_concurrency_per_instance ?? batchDeploymentDefaults.max_concurrency_per_instance,
      mini_batch_size: merged.mini_batch_size ?? batchDeploymentDefaults.mini_batch_size,
      output_action: outputAction,
      ...(outputFileName === undefined ? {} : { output_file_name: outputFileName }),
      retry_settings: {
        max_retries: merged.retry_settings?.max_retries ?? batchDeploymentDefaults.retry_settings.max_retries,
        timeout: merged.retry_settings?.timeout ?? batchDeploymentDefaults.retry_settings.timeout,
      },
      error_threshold: merged.error_threshold ?? batchDeploymentDefaults.error_threshold,
      logging_level: merged.logging_level ?? batchDeploymentDefaults.logging_level,
      ...(merged.environment_variables === undefined ? {} : { environment_variables: merged.environment_variables }),
    };
    return {
      ...(deployment.$schema === undefined ? {} : { $schema: deployment.$schema }),
      name: deployment.name,
      endpoint_name: deployment.endpoint_name as string,
      ...(deployment.description === undefined ? {} : { description: deployment.description }),
      ...(deployment.tags === undefined ? {} : { tags: deployment.tags }),
      ...(deployment.properties === undefined ? {} : { properties: deployment.properties }),
      type: 'model' as const,
      model: deployment.model as NonNullable<typeof deployment.model>,
      ...(deployment.code_configuration === undefined ? {} : { code_configuration: deployment.code_configuration }),
      ...(deployment.environment === undefined ? {} : { environment: deployment.environment }),
      ...(deployment.compute === undefined ? {} : { compute: deployment.compute }),
      resources: {
        ...resources,
        instance_count: resources.instance_count ?? settingsInstanceCount ?? batchDeploymentDefaults.instance_count,
      },
      settings: normalized,
    };
  });

/** A model batch deployment as validated: one layout (settings), Azure's defaults filled in, $schema left out. */
export type BatchDeploymentSpec = Omit<KnownFields<z.output<typeof batchDeploymentSchema>>, '$schema'>;
