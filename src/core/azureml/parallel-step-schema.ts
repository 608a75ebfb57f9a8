import { z } from 'zod';
import { describeIssue } from './zod-problems.js';
import { closedObject, countField, freeMapping, isPlainObject, tagsField } from './schema-helpers.js';

/**
 * A parallel step of a pipeline job (`type: parallel`), after azure-ai-ml's ParallelJobSchema and
 * the CLI v2 reference (reference-yaml-job-parallel): one data input (`input_data`) cut into
 * mini-batches, an entry script whose init() runs once per worker and run(mini_batch) once per
 * mini-batch, on `resources.instance_count` nodes with `max_concurrency_per_instance` workers
 * each, retried and bounded as `retry_settings`, `error_threshold` and
 * `mini_batch_error_threshold` say, the rows run() returns appended to the output `append_row_to`
 * names. Trellis runs it with the batch endpoints' driver (serving/batch/batch-driver.ts) as the
 * command of the step's job (core/pipelines/parallel-step.ts).
 */

/** What a parallel step asks of the driver, kept on the step for its command (built when the step is submitted). */
export interface ParallelStep {
  /** The step's input that is cut into mini-batches. */
  inputData: string;
  /** As written: files per mini-batch, or (tabular) bytes with an optional kb/mb/gb unit; default 10 files or 1 MB. */
  miniBatchSize: string | number | undefined;
  entryScript: string;
  /** The entry script's command line, placeholders and all. */
  programArguments: string | undefined;
  /** The output the rows run() returns are appended to; none: Azure's summary_only. */
  appendRowTo: string | undefined;
  maxConcurrencyPerInstance: number;
  errorThreshold: number;
  miniBatchErrorThreshold: number;
  retrySettings: { maxRetries: number; timeout: number };
  loggingLevel: string;
}

const bindingToOwn = (kind: 'inputs' | 'outputs') =>
  z.string().transform((value, context) => {
    const match = new RegExp(`^\\s*\\$\\{\\{\\s*${kind}\\.([A-Za-z_]\\w*)\\s*\\}\\}\\s*$`).exec(value);
    if (match) return match[1]!;
    context.addIssue({ code: 'custom', message: `must name one of the step's ${kind} as \${{${kind}.<name>}}, got '${value}'` });
    return z.NEVER;
  });

const miniBatchSizeField = z.union([z.number(), z.string()]).superRefine((value, context) => {
  if (miniBatchSizeBytes(value) === undefined)
    context.addIssue({
      code: 'custom',
      message: `must be a whole number of at least 1 (files per mini-batch) or a size such as 10kb, 1mb (a tabular input's bytes per mini-batch), got ${JSON.stringify(value)}`,
    });
});

const taskSchema = closedObject({
  type: z.string().refine((type) => type.toLowerCase() === 'run_function', {
    message:
      "Trellis runs parallel tasks of type run_function (an entry script's init() and run(mini_batch)); model and command tasks are not supported",
  }),
  code: z.string().min(1, 'must not be empty').optional(),
  entry_script: z.string().min(1, 'must not be empty'),
  environment: z.unknown(),
  program_arguments: z.string().optional(),
  append_row_to: bindingToOwn('outputs').optional(),
  environment_variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
});

/** The fields of a parallel step; the rest of a command job (`command`) is what Trellis makes of them. */
export const parallelStepSchema = closedObject(
  {
    type: z.string(),
    display_name: z.string().optional(),
    description: z.string().optional(),
    tags: tagsField.optional(),
    experiment_name: z.string().optional(),
    compute: z.string().min(1).optional(),
    inputs: freeMapping.optional(),
    outputs: freeMapping.optional(),
    input_data: bindingToOwn('inputs'),
    mini_batch_size: miniBatchSizeField.optional(),
    mini_batch_error_threshold: z.number().int().min(-1).default(-1),
    error_threshold: z.number().int().min(-1).default(-1),
    retry_settings: closedObject({
      max_retries: countField().default(3),
      timeout: z.number().positive('must be a number of seconds above 0').default(60),
    }).default({ max_retries: 3, timeout: 60 }),
    logging_level: z
      .string()
      .transform((level) => level.toLowerCase())
      .pipe(z.enum(['debug', 'info', 'warning', 'error', 'critical']))
      .default('info'),
    resources: closedObject({
      instance_count: countField()
        .refine((count) => count >= 1, 'must be 1 or more')
        .optional(),
      instance_type: z.string().optional(),
      shm_size: z.string().optional(),
      properties: freeMapping.optional(),
    }).optional(),
    max_concurrency_per_instance: countField()
      .refine((count) => count >= 1, 'must be 1 or more')
      .default(1),
    environment_variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
    task: taskSchema,
    queue_settings: freeMapping.optional(),
    properties: freeMapping.optional(),
  },
  ['identity', 'partition_keys'],
);

/**
 * Bytes per tabular mini-batch for a `mini_batch_size` as written (a number is bytes; `10kb`,
 * `1MB`, `2gb` use powers of 1024), or undefined when it is not a size. For file inputs the number
 * is files per mini-batch (see miniBatchFiles).
 */
export function miniBatchSizeBytes(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 ? value : undefined;
  const match = /^\s*(\d+)\s*(b|kb|mb|gb)?\s*$/i.exec(value);
  if (!match) return undefined;
  const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
  const bytes = Number(match[1]) * units[(match[2] ?? 'b').toLowerCase()]!;
  return bytes >= 1 ? bytes : undefined;
}

/** Files per mini-batch for a file input, or undefined when `value` is a size (a unit) or not a count. */
export function miniBatchFiles(value: string | number): number | undefined {
  const count = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(count) && count >= 1 ? count : undefined;
}

export type ParallelStepFile = z.infer<typeof parallelStepSchema>;

/** A problem of a parallel step: its path under the step, and what to fix. */
export interface ParallelStepProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * A written parallel step as the command-job fields of its job (inputs, outputs, compute, code and
 * environment of its task, resources) and what the driver is to do (ParallelStep); or its
 * problems: `input_data` or `append_row_to` naming nothing the step declares, a size for a file
 * input, a missing task.
 */
export function parallelStepFields(
  written: Record<string, unknown>,
): { fields: Record<string, unknown>; parallel: ParallelStep } | { problems: ParallelStepProblem[] } {
  const parsed = parallelStepSchema.safeParse(written, { error: describeIssue });
  if (!parsed.success)
    return {
      problems: parsed.error.issues.map((issue) => ({
        path: issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol'),
        message: issue.message,
      })),
    };
  const step = parsed.data;
  const problems: ParallelStepProblem[] = [];
  const inputs = step.inputs ?? {};
  const outputs = step.outputs ?? {};
  const listed = (names: string[]) => names.join(', ') || '(none)';
  if (!(step.input_data in inputs))
    problems.push({
      path: ['input_data'],
      message: `names input '${step.input_data}', which the step does not declare; its inputs: ${listed(Object.keys(inputs))}`,
    });
  const appendRowTo = step.task.append_row_to;
  if (appendRowTo !== undefined && !(appendRowTo in outputs))
    problems.push({
      path: ['task', 'append_row_to'],
      message: `names output '${appendRowTo}', which the step does not declare; its outputs: ${listed(Object.keys(outputs))}`,
    });
  const input = inputs[step.input_data];
  const inputType = isPlainObject(input) && typeof input.type === 'string' ? input.type : undefined;
  if (
    step.mini_batch_size !== undefined &&
    inputType !== undefined &&
    inputType !== 'mltable' &&
    miniBatchFiles(step.mini_batch_size) === undefined
  )
    problems.push({
      path: ['mini_batch_size'],
      message: `input '${step.input_data}' is ${inputType}, whose mini-batches are counted in files: give a whole number of files; sizes (${String(step.mini_batch_size)}) are for mltable inputs`,
    });
  if (step.task.environment === undefined)
    problems.push({ path: ['task', 'environment'], message: 'is required: the environment the entry script runs in' });
  if (problems.length > 0) return { problems };

  const environmentVariables = { ...(step.environment_variables ?? {}), ...(step.task.environment_variables ?? {}) };
  const fields: Record<string, unknown> = {
    // The command is the driver's, made when the step is submitted (core/pipelines/parallel-step.ts); this one is checked.
    command: 'parallel',
    environment: step.task.environment,
    ...(step.task.code ? { code: step.task.code } : {}),
    ...(step.display_name ? { display_name: step.display_name } : {}),
    ...(step.description ? { description: step.description } : {}),
    ...(step.tags ? { tags: step.tags } : {}),
    ...(step.experiment_name ? { experiment_name: step.experiment_name } : {}),
    ...(step.compute ? { compute: step.compute } : {}),
    ...(step.inputs ? { inputs: step.inputs } : {}),
    ...(step.outputs ? { outputs: step.outputs } : {}),
    ...(step.resources ? { resources: step.resources } : {}),
    ...(step.queue_settings ? { queue_settings: step.queue_settings } : {}),
    ...(Object.keys(environmentVariables).length > 0 ? { environment_variables: environmentVariables } : {}),
  };
  return {
    fields,
    parallel: {
      inputData: step.input_data,
      miniBatchSize: step.mini_batch_size,
      entryScript: step.task.entry_script,
      programArguments: step.task.program_arguments,
      appendRowTo,
      maxConcurrencyPerInstance: step.max_concurrency_per_instance,
      errorThreshold: step.error_threshold,
      miniBatchErrorThreshold: step.mini_batch_error_threshold,
      retrySettings: { maxRetries: step.retry_settings.max_retries, timeout: step.retry_settings.timeout },
      loggingLevel: step.logging_level,
    },
  };
}
