import { z } from 'zod';
import { loggedModelStatuses, runStatuses } from '../../core/tracking/entities.js';
import { stages } from '../../core/tracking/model-registry-rules.js';
import { viewTypes } from '../../core/tracking/view-type.js';

/**
 * MLflow's entities and error as its REST API writes them (mlflow/protos/service.proto and
 * model_registry.proto), for the OpenAPI document and the client's types. They document; the api's
 * handlers validate (src/api/mlflow/request-fields.ts).
 * Objects are loose: the protos grow fields, and clients ignore what they do not know.
 */

/** `{error_code, message}`: every MLflow error, in MLflow's codes (core/tracking/mlflow-error.ts). */
export const mlflowErrorSchema = z.object({ error_code: z.string(), message: z.string() }).meta({ id: 'MlflowError' });

/** A double as protobuf JSON writes it: a number, or "NaN", "Infinity", "-Infinity". */
export const mlflowDouble = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]);

/** A 64-bit integer: protobuf JSON reads a number or a decimal string. */
export const int64Field = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]);

export const keyValueSchema = z.looseObject({ key: z.string(), value: z.string() }).meta({ id: 'MlflowKeyValue' });

export const viewTypeField = z.enum(viewTypes);

export const metricSchema = z
  .looseObject({
    key: z.string(),
    value: mlflowDouble,
    timestamp: z.number().int(),
    step: z.number().int(),
    model_id: z.string().optional(),
    dataset_name: z.string().optional(),
    dataset_digest: z.string().optional(),
  })
  .meta({ id: 'MlflowMetric' });

/** A metric point as a request writes it: the double may be a bare NaN token or a string. */
export const metricInput = z.looseObject({
  key: z.string(),
  value: z.union([z.number(), z.string()]),
  timestamp: int64Field,
  step: int64Field.optional(),
  model_id: z.string().optional(),
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
});

export const experimentSchema = z
  .looseObject({
    experiment_id: z.string(),
    name: z.string(),
    artifact_location: z.string(),
    lifecycle_stage: z.enum(['active', 'deleted']),
    last_update_time: z.number().int(),
    creation_time: z.number().int(),
    tags: z.array(keyValueSchema),
  })
  .meta({ id: 'MlflowExperiment' });

export const runInfoSchema = z
  .looseObject({
    run_id: z.string(),
    run_uuid: z.string(),
    run_name: z.string(),
    experiment_id: z.string(),
    user_id: z.string(),
    status: z.enum(runStatuses),
    start_time: z.number().int(),
    end_time: z.number().int().optional(),
    artifact_uri: z.string(),
    lifecycle_stage: z.enum(['active', 'deleted']),
  })
  .meta({ id: 'MlflowRunInfo' });

export const datasetInputSchema = z
  .looseObject({
    tags: z.array(keyValueSchema),
    dataset: z.looseObject({
      name: z.string(),
      digest: z.string(),
      source_type: z.string(),
      source: z.string(),
      schema: z.string().optional(),
      profile: z.string().optional(),
    }),
  })
  .meta({ id: 'MlflowDatasetInput' });

export const runSchema = z
  .looseObject({
    info: runInfoSchema,
    data: z.looseObject({ metrics: z.array(metricSchema), params: z.array(keyValueSchema), tags: z.array(keyValueSchema) }),
    inputs: z.looseObject({ dataset_inputs: z.array(datasetInputSchema), model_inputs: z.array(z.looseObject({ model_id: z.string() })) }),
    outputs: z.looseObject({ model_outputs: z.array(z.looseObject({ model_id: z.string(), step: z.number().int() })) }),
  })
  .meta({ id: 'MlflowRun' });

export const loggedModelSchema = z
  .looseObject({
    info: z.looseObject({
      experiment_id: z.string(),
      model_id: z.string(),
      name: z.string(),
      artifact_uri: z.string(),
      creation_timestamp_ms: z.number().int(),
      last_updated_timestamp_ms: z.number().int(),
      model_type: z.string().optional(),
      source_run_id: z.string().optional(),
      status: z.enum(loggedModelStatuses),
      status_message: z.string().optional(),
      tags: z.array(keyValueSchema),
    }),
    data: z.looseObject({ params: z.array(keyValueSchema), metrics: z.array(metricSchema.extend({ run_id: z.string() })) }),
  })
  .meta({ id: 'MlflowLoggedModel' });

export const modelVersionSchema = z
  .looseObject({
    name: z.string(),
    version: z.string(),
    creation_timestamp: z.number().int(),
    last_updated_timestamp: z.number().int(),
    user_id: z.string(),
    current_stage: z.enum(stages),
    description: z.string(),
    source: z.string(),
    run_id: z.string(),
    run_link: z.string(),
    status: z.literal('READY'),
    tags: z.array(keyValueSchema),
    aliases: z.array(z.string()),
    model_id: z.string().optional(),
  })
  .meta({ id: 'MlflowModelVersion' });

export const registeredModelSchema = z
  .looseObject({
    name: z.string(),
    creation_timestamp: z.number().int(),
    last_updated_timestamp: z.number().int(),
    description: z.string(),
    latest_versions: z.array(modelVersionSchema),
    tags: z.array(keyValueSchema),
    aliases: z.array(z.looseObject({ alias: z.string(), version: z.string() })),
  })
  .meta({ id: 'MlflowRegisteredModel' });

/** One entry of a folder listing (artifacts/list, the proxy's list). */
export const fileInfoSchema = z
  .looseObject({ path: z.string(), is_dir: z.boolean(), file_size: z.number().int().optional() })
  .meta({ id: 'MlflowFileInfo' });

/** What a call that changes something and returns nothing answers. */
export const emptyResponse = z.object({});

/** A page of a search: `next_page_token` only when there is a next page. */
export const nextPageToken = z.string().optional();
