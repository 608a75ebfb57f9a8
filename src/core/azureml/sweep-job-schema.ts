import { z } from 'zod';
import type { EarlyTermination, SamplingAlgorithm } from '../sweeps/sweep-types.js';
import { distribution, inlineEnvironment, inputEntry, outputSpec } from './command-job-schema.js';
import { azureEnum, closedObject, countField, freeMapping, tagsField } from './schema-helpers.js';

/**
 * A sweep job (az ml job create, `type: sweep`), after azure-ai-ml's SweepJobSchema
 * (BaseJobSchema + ParameterizedSweepSchema) and the CLI v2 reference (reference-yaml-job-sweep):
 * the trial (a command job's command, code, environment, environment_variables, resources,
 * distribution), the sweep's inputs, outputs and compute, and the sweep itself — search_space
 * (checked by core/sweeps/search-space.ts), sampling_algorithm, objective, limits and
 * early_termination. Trellis's extensions: `sampling_algorithm: tpe`, `early_termination: {type:
 * asha}`, and early termination with bayesian sampling.
 */

const positiveSeconds = () => countField().refine((seconds) => seconds >= 1, 'must be at least 1 second');

/** The command every trial runs; `${{search_space.<name>}}` in it takes the trial's hyperparameters. */
const trialSchema = closedObject({
  type: z.literal('command').optional(),
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
  resources: freeMapping.optional(),
  distribution: distribution.optional(),
});

export const samplingAlgorithmTypes = ['random', 'grid', 'bayesian', 'tpe'] as const;

/** `sampling_algorithm: random` or `{type: random, seed: 7, rule: sobol}`. */
export const samplingAlgorithmSchema = z.union(
  [
    azureEnum(samplingAlgorithmTypes).transform((type): SamplingAlgorithm => ({ type })),
    z.discriminatedUnion('type', [
      closedObject({
        type: z.literal('random'),
        seed: z.number().int('must be a whole number').optional(),
        rule: azureEnum(['random', 'sobol']).optional(),
        logbase: z.union([z.number(), z.string()]).optional(),
      }).transform(({ logbase: _logbase, ...random }): SamplingAlgorithm => random),
      closedObject({ type: z.literal('grid') }),
      closedObject({ type: z.literal('bayesian'), seed: z.number().int('must be a whole number').optional() }),
      closedObject({ type: z.literal('tpe'), seed: z.number().int('must be a whole number').optional() }),
    ]),
  ],
  { error: `must be one of ${samplingAlgorithmTypes.join(', ')}, or a mapping such as {type: random, seed: 7, rule: sobol}` },
);

const intervals = {
  evaluation_interval: countField().optional(),
  delay_evaluation: countField().optional(),
};

export const earlyTerminationTypes = ['bandit', 'median_stopping', 'truncation_selection', 'asha'] as const;

export const earlyTerminationSchema: z.ZodType<EarlyTermination> = z.discriminatedUnion(
  'type',
  [
    closedObject({ type: z.literal('bandit'), slack_factor: z.number().optional(), slack_amount: z.number().optional(), ...intervals }),
    closedObject({ type: z.literal('median_stopping'), ...intervals }),
    closedObject({
      type: z.literal('truncation_selection'),
      truncation_percentage: z.number().int('must be a whole number'),
      exclude_finished_jobs: z.boolean().optional(),
      ...intervals,
    }),
    closedObject({
      type: z.literal('asha'),
      min_resource: countField().optional(),
      reduction_factor: z.number().optional(),
      max_resource: countField().optional(),
      ...intervals,
    }),
  ],
  { error: `must be one of ${earlyTerminationTypes.join(', ')} (type: <policy>)` },
);

export const objectiveSchema = closedObject({
  goal: azureEnum(['minimize', 'maximize']),
  primary_metric: z.string().min(1, 'must not be empty'),
});

export const limitsSchema = closedObject({
  max_total_trials: countField()
    .refine((count) => count >= 1, 'must be 1 or more')
    .optional(),
  max_concurrent_trials: countField()
    .refine((count) => count >= 1, 'must be 1 or more')
    .optional(),
  timeout: positiveSeconds().optional(),
  trial_timeout: positiveSeconds().optional(),
}).default({});

export const sweepJobSchema = closedObject(
  {
    $schema: z.string().optional(),
    type: z.literal('sweep'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,200}$/, "use letters, digits, '-' or '_', starting with a letter or digit")
      .optional(),
    display_name: z.string().optional(),
    description: z.string().optional(),
    tags: tagsField.optional(),
    experiment_name: z.string().min(1).optional(),
    compute: z.string().min(1).optional(),
    trial: trialSchema,
    inputs: z.record(z.string().regex(/^[A-Za-z_]\w*$/, 'input names are identifiers: letters, digits and _'), inputEntry).optional(),
    outputs: z.record(z.string().regex(/^[A-Za-z_]\w*$/, 'output names are identifiers: letters, digits and _'), outputSpec).optional(),
    // Checked by searchSpaceSchema, so that each expression gets its own precise problems.
    search_space: z.record(z.string().regex(/^[A-Za-z_][\w-]*$/, 'hyperparameter names are identifiers'), z.unknown()),
    sampling_algorithm: samplingAlgorithmSchema,
    objective: objectiveSchema,
    limits: limitsSchema,
    early_termination: earlyTerminationSchema.optional(),
    resources: freeMapping.optional(),
    queue_settings: freeMapping.optional(),
    identity: freeMapping.optional(),
    services: freeMapping.optional(),
    properties: freeMapping.optional(),
  },
  [],
);

export type SweepJobFile = z.output<typeof sweepJobSchema>;
export type SweepTrialFile = SweepJobFile['trial'];

/** Azure ML's defaults for the limits a file leaves out. */
export const defaultSweepLimits = {
  maxTotalTrials: 1000,
  /** Seven days, in seconds. */
  timeout: 604_800,
} as const;
