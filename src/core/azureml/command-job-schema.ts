import { z } from 'zod';
import { environmentSchema } from './environment-schema.js';
import { azureEnum, closedObject, countField, flagField, freeMapping, isPlainObject, tagsField } from './schema-helpers.js';

/**
 * A command job (az ml job create, `type: command`), after azure-ai-ml's CommandJobSchema with
 * ParameterizedCommandSchema and BaseJobSchema, and the CLI v2 reference (reference-yaml-job-command):
 * command, code, environment (a reference or an inline environment), environment_variables,
 * compute, resources, distribution, limits, inputs, outputs, queue_settings, identity, services.
 */

export const dataInputTypes = ['uri_file', 'uri_folder', 'mltable', 'mlflow_model', 'custom_model', 'triton_model'] as const;
export const literalInputTypes = ['string', 'integer', 'number', 'boolean'] as const;
export const inputModes = ['ro_mount', 'rw_mount', 'download', 'direct', 'eval_mount', 'eval_download'] as const;
export const outputTypes = ['uri_folder', 'uri_file', 'mltable', 'mlflow_model', 'custom_model', 'triton_model'] as const;
export const outputModes = ['rw_mount', 'upload', 'direct'] as const;
export const distributionTypes = ['pytorch', 'mpi', 'tensorflow'] as const;

/** A literal input: `epochs: 10`, `lr: 0.01`, `name: iris`, `shuffle: true`. */
const literalValue = z.union([z.string(), z.number(), z.boolean()]);

/** An input given as a mapping: data (`type: uri_folder, path: ...`) or a typed literal (`type: integer, default: 3`). */
const inputSpec = closedObject({
  type: azureEnum([...dataInputTypes, ...literalInputTypes]).default('uri_folder'),
  path: z.string().min(1, 'must not be empty').optional(),
  mode: azureEnum(inputModes).optional(),
  default: literalValue.optional(),
  optional: flagField().optional(),
  description: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  enum: z.array(literalValue).optional(),
  datastore: z.string().optional(),
}).superRefine((input, context) => {
  const isData = (dataInputTypes as readonly string[]).includes(input.type);
  if (isData && input.path === undefined && !input.optional) {
    context.addIssue({
      code: 'custom',
      path: ['path'],
      message: `a ${input.type} input needs a path: a local file or folder, azureml:<data>:<version>, or a URI`,
    });
  }
  if (!isData && input.mode !== undefined)
    context.addIssue({
      code: 'custom',
      path: ['mode'],
      message: `mode applies to data inputs only, not to ${/^[aeiou]/.test(input.type) ? 'an' : 'a'} ${input.type} input`,
    });
});

export const outputSpec = z.preprocess(
  (value) => (value === null || value === undefined ? {} : value),
  closedObject({
    type: azureEnum(outputTypes).default('uri_folder'),
    mode: azureEnum(outputModes).optional(),
    path: z.string().min(1).optional(),
    name: z.string().optional(),
    version: z.preprocess((value) => (typeof value === 'number' ? String(value) : value), z.string()).optional(),
    description: z.string().optional(),
    datastore: z.string().optional(),
  }),
);

/** An input of a job: a mapping is an input specification, anything else a literal; each gets its own precise problems. */
export const inputEntry = z.unknown().transform((value, context) => {
  const result = isPlainObject(value) ? inputSpec.safeParse(value) : literalValue.safeParse(value);
  if (result.success) return result.data;
  if (!isPlainObject(value)) {
    context.addIssue({
      code: 'custom',
      message: 'an input is a literal (string, number, true/false) or a mapping such as {type: uri_folder, path: ./data}',
      input: value,
    });
    return z.NEVER;
  }
  for (const issue of result.error.issues)
    context.addIssue({ code: 'custom', path: issue.path as PropertyKey[], message: issue.message, input: value });
  return z.NEVER;
});

/** Azure ML's distribution of a job over processes (pytorch, mpi, tensorflow); a component declares the same. */
export const distribution = z.discriminatedUnion(
  'type',
  [
    closedObject({ type: z.literal('pytorch'), process_count_per_instance: countField().default(1) }),
    closedObject({ type: z.literal('mpi'), process_count_per_instance: countField() }),
    closedObject({ type: z.literal('tensorflow'), worker_count: countField().optional(), parameter_server_count: countField().default(0) }),
  ],
  { error: `must be one of ${distributionTypes.join(', ')}` },
);

/** A job runs with an environment named by reference (azureml:name:version, name@latest) or given inline. */
export const inlineEnvironment = z.preprocess(
  (value) => (isPlainObject(value) && value.name === undefined ? { ...value, name: 'inline' } : value),
  environmentSchema,
);

export const commandJobSchema = closedObject(
  {
    $schema: z.string().optional(),
    type: z.literal('command').default('command'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, "use letters, digits, '-' or '_', starting with a letter or digit")
      .optional(),
    display_name: z.string().optional(),
    description: z.string().optional(),
    tags: tagsField.optional(),
    experiment_name: z.string().min(1).optional(),
    command: z.string().min(1, 'must not be empty'),
    code: z.string().min(1, 'must not be empty').optional(),
    environment: z.union([z.string().min(1), inlineEnvironment], {
      error: 'must be an environment reference (azureml:<name>:<version> or azureml:<name>@latest) or an inline environment mapping',
    }),
    environment_variables: z
      .record(
        z.string(),
        z.preprocess((value) => (typeof value === 'number' || typeof value === 'boolean' ? String(value) : value), z.string()),
      )
      .optional(),
    compute: z.string().min(1).optional(),
    resources: closedObject({
      instance_count: countField()
        .refine((count) => count >= 1, 'must be 1 or more')
        .default(1),
      instance_type: z.string().optional(),
      shm_size: z.string().optional(),
      docker_args: z.string().optional(),
      properties: freeMapping.optional(),
      locations: z.array(z.string()).optional(),
    }).optional(),
    distribution: distribution.optional(),
    limits: closedObject({ timeout: countField().refine((seconds) => seconds >= 1, 'must be at least 1 second') }).optional(),
    inputs: z.record(z.string().regex(/^[A-Za-z_]\w*$/, 'input names are identifiers: letters, digits and _'), inputEntry).optional(),
    outputs: z.record(z.string().regex(/^[A-Za-z_]\w*$/, 'output names are identifiers: letters, digits and _'), outputSpec).optional(),
    queue_settings: closedObject({
      job_tier: azureEnum(['null', 'spot', 'basic', 'standard', 'premium']).optional(),
      priority: azureEnum(['low', 'medium', 'high']).optional(),
    }).optional(),
    identity: freeMapping.optional(),
    services: freeMapping.optional(),
    properties: freeMapping.optional(),
  },
  ['status', 'creation_context', 'id', 'parameters'],
);

export type CommandJobFile = z.infer<typeof commandJobSchema>;
