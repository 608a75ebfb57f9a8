import { z } from 'zod';
import { type Binding, parseBinding } from '../pipelines/bindings.js';
import { type CommandJobFile, commandJobSchema, inputEntry, outputSpec } from './command-job-schema.js';
import { closedObject, flagField, isPlainObject, tagsField } from './schema-helpers.js';

/**
 * A pipeline job (az ml job create, `type: pipeline`), after azure-ai-ml's PipelineJobSchema and
 * the CLI v2 reference (reference-yaml-job-pipeline): display_name, experiment_name, settings,
 * pipeline-level inputs and outputs, and `jobs:`, its steps. A step is an inline command job
 * whose inputs and outputs may be bindings (see core/pipelines/bindings.ts) instead of values.
 */

const identifierName = z.string().regex(/^[A-Za-z_]\w*$/, 'names are identifiers: letters, digits and _, not starting with a digit');

/** A step: a command job, its bindings kept apart so the job's own schema checks the rest. */
export interface PipelineStepFile extends CommandJobFile {
  /** Inputs given as bindings, by input name (they are also in `inputs`, as the binding's text). */
  inputBindings: Record<string, Binding>;
  /** Outputs given as `${{parent.outputs.<name>}}`: the pipeline output each one writes. */
  outputBindings: Record<string, string>;
}

const stepTypes = ['command'];
const laterStepTypes: Record<string, string> = {
  parallel: 'parallel steps are not supported yet',
  pipeline: 'pipeline components as steps are not supported yet',
  sweep: 'sweep steps are not supported yet',
  spark: 'spark steps are not supported',
};

const pipelineStep = z.unknown().transform((value, context): PipelineStepFile => {
  if (!isPlainObject(value)) {
    context.addIssue({ code: 'custom', message: 'a step is a mapping: a command job (command, environment, inputs, ...)', input: value });
    return z.NEVER;
  }
  const type = typeof value.type === 'string' ? value.type.toLowerCase() : 'command';
  if (!stepTypes.includes(type)) {
    context.addIssue({
      code: 'custom',
      path: ['type'],
      message: `${laterStepTypes[type] ?? `'${String(value.type)}' is not a step type`}; a step here is a command job (type: command)`,
      input: value.type,
    });
    return z.NEVER;
  }
  if (value.component !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['component'],
      message:
        'steps that run a component are not supported yet; write the step as an inline command job (command, environment, inputs, outputs)',
      input: value.component,
    });
    return z.NEVER;
  }
  const inputBindings: Record<string, Binding> = {};
  const outputBindings: Record<string, string> = {};
  let broken = false;
  for (const [name, input] of Object.entries(isPlainObject(value.inputs) ? value.inputs : {})) {
    const binding = parseBinding(input);
    if (binding === undefined) continue;
    if ('problem' in binding) {
      context.addIssue({ code: 'custom', path: ['inputs', name], message: binding.problem, input });
      broken = true;
    } else if (binding.kind === 'pipelineOutput') {
      context.addIssue({
        code: 'custom',
        path: ['inputs', name],
        message: `an input cannot read the pipeline's output ${binding.name}; bind it to \${{parent.inputs.<name>}} or to the step that writes it, \${{parent.jobs.<step>.outputs.<name>}}`,
        input,
      });
      broken = true;
    } else inputBindings[name] = binding;
  }
  const outputs: Record<string, unknown> = {};
  for (const [name, output] of Object.entries(isPlainObject(value.outputs) ? value.outputs : {})) {
    const binding = parseBinding(output);
    if (binding === undefined) {
      outputs[name] = output;
      continue;
    }
    if (!('problem' in binding) && binding.kind === 'pipelineOutput') {
      outputBindings[name] = binding.name;
      // Its type and mode are the pipeline output's, filled in when the step is submitted.
      outputs[name] = {};
      continue;
    }
    context.addIssue({
      code: 'custom',
      path: ['outputs', name],
      message: `a step's output is declared here (type, mode) or bound to the pipeline's output with \${{parent.outputs.<name>}}; '${String(output)}' is neither`,
      input: output,
    });
    broken = true;
  }
  const { type: _type, ...rest } = value;
  const parsed = commandJobSchema.safeParse({ ...rest, ...(isPlainObject(value.outputs) ? { outputs } : {}) });
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      context.addIssue({ code: 'custom', path: issue.path as PropertyKey[], message: issue.message, input: value });
    return z.NEVER;
  }
  if (broken) return z.NEVER;
  return { ...parsed.data, inputBindings, outputBindings };
});

export const pipelineJobSchema = closedObject(
  {
    $schema: z.string().optional(),
    type: z.literal('pipeline'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, "use letters, digits, '-' or '_', starting with a letter or digit")
      .optional(),
    display_name: z.string().optional(),
    description: z.string().optional(),
    tags: tagsField.optional(),
    experiment_name: z.string().min(1).optional(),
    compute: z.string().min(1).optional(),
    settings: closedObject({
      default_compute: z.string().min(1).optional(),
      default_datastore: z.string().min(1).optional(),
      continue_on_step_failure: flagField().optional(),
      force_rerun: flagField().optional(),
    }).optional(),
    inputs: z.record(identifierName, inputEntry).optional(),
    outputs: z.record(identifierName, outputSpec).optional(),
    jobs: z
      .record(identifierName, pipelineStep)
      .refine((steps) => Object.keys(steps).length > 0, 'a pipeline needs at least one step under jobs'),
  },
  ['status', 'creation_context', 'id', 'properties', 'identity'],
);

export type PipelineJobFile = z.infer<typeof pipelineJobSchema>;
