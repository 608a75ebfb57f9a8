import { z } from 'zod';
import { type Binding, parseBinding } from '../pipelines/bindings.js';
import { type CommandJobFile, commandJobSchema, inputEntry, outputSpec } from './command-job-schema.js';
import { componentStepFields, stepOverrides } from '../pipelines/component-step.js';
import { type ComponentInput, componentSchema } from './component-schema.js';
import { type ParallelStep, parallelStepFields } from './parallel-step-schema.js';
import { type SweepSettings, sweepStepFields } from './sweep-step-schema.js';
import { closedObject, flagField, isPlainObject, tagsField, unknownFieldMessage } from './schema-helpers.js';

/**
 * A pipeline job (az ml job create, `type: pipeline`), after azure-ai-ml's PipelineJobSchema and
 * the CLI v2 reference (reference-yaml-job-pipeline): display_name, experiment_name, settings,
 * pipeline-level inputs and outputs, and `jobs:`, its steps. A step is an inline command job
 * whose inputs and outputs may be bindings (see core/pipelines/bindings.ts) instead of values.
 */

const identifierName = z.string().regex(/^[A-Za-z_]\w*$/, 'names are identifiers: letters, digits and _, not starting with a digit');
// The steps of a pipeline component are named <step>.<inner> once expanded (core/pipelines/pipeline-component.ts).
const stepName = z
  .string()
  .regex(/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/, 'names are identifiers: letters, digits and _, not starting with a digit');

/** A step: a command job, its bindings kept apart so the job's own schema checks the rest. */
export interface PipelineStepFile extends CommandJobFile {
  /** Inputs given as bindings, by input name (they are also in `inputs`, as the binding's text). */
  inputBindings: Record<string, Binding>;
  /** Outputs given as `${{parent.outputs.<name>}}`: the pipeline output each one writes. */
  outputBindings: Record<string, string>;
  /** The component the step runs (`name:version`), when it runs one. */
  component?: string;
  /** That component's declared inputs, which the step's bindings are checked against (core/pipelines/binding-types.ts). */
  componentInputs?: Record<string, ComponentInput>;
  /** Never reuse an earlier run of this step: its component says it is not deterministic, or the step asks to run (force_rerun). */
  alwaysRun?: 'nondeterministic' | 'forced';
  /** A parallel step: what its driver is to do (its command is made from it when the step is submitted). */
  parallel?: ParallelStep;
  /** A sweep step: the search over its trial component's inputs (the step runs as a sweep job, its outputs its best trial's). */
  sweep?: SweepSettings;
}

const stepTypes = ['command', 'parallel', 'sweep'];
const laterStepTypes: Record<string, string> = {
  pipeline: 'pipeline components as steps are not supported yet',
  spark: 'spark steps are not supported',
};

const pipelineStep = z.unknown().transform((written, context): PipelineStepFile => {
  if (!isPlainObject(written)) {
    context.addIssue({ code: 'custom', message: 'a step is a mapping: a command job (command, environment, inputs, ...)', input: written });
    return z.NEVER;
  }
  let value: Record<string, unknown> = written;
  const type = typeof value.type === 'string' ? value.type.toLowerCase() : 'command';
  if (!stepTypes.includes(type)) {
    context.addIssue({
      code: 'custom',
      path: ['type'],
      message: `${laterStepTypes[type] ?? `'${String(value.type)}' is not a step type`}; a step here is a command job (type: command), a parallel job (type: parallel) or a sweep (type: sweep)`,
      input: value.type,
    });
    return z.NEVER;
  }
  // force_rerun on a step: Azure ML's switch to run it even when an earlier run could be reused.
  const { force_rerun: forceRerun, ...unforced } = value;
  value = unforced;
  let sweep: SweepSettings | undefined;
  if (type === 'sweep') {
    const made = sweepStepFields(value);
    if ('problems' in made) {
      for (const problem of made.problems) context.addIssue({ code: 'custom', path: problem.path, message: problem.message, input: value });
      return z.NEVER;
    }
    value = made.fields;
    sweep = made.sweep;
  }
  let componentName: string | undefined;
  let componentInputs: Record<string, ComponentInput> | undefined;
  let deterministic = true;
  if (value.component !== undefined) {
    const expanded = expandComponent(value, context);
    if (!expanded) return z.NEVER;
    componentName = expanded.component;
    componentInputs = expanded.inputs;
    deterministic = expanded.deterministic;
    value = expanded.fields;
  }
  let parallel: ParallelStep | undefined;
  if (type === 'parallel') {
    const made = parallelStepFields(value);
    if ('problems' in made) {
      for (const problem of made.problems) context.addIssue({ code: 'custom', path: problem.path, message: problem.message, input: value });
      return z.NEVER;
    }
    value = made.fields;
    parallel = made.parallel;
  }
  const alwaysRun = forceRerun === true || forceRerun === 'true' ? 'forced' : deterministic ? undefined : 'nondeterministic';
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
  return {
    ...parsed.data,
    inputBindings,
    outputBindings,
    ...(componentName ? { component: componentName, componentInputs: componentInputs ?? {} } : {}),
    ...(alwaysRun ? { alwaysRun } : {}),
    ...(parallel ? { parallel } : {}),
    ...(sweep ? { sweep } : {}),
  };
});

/** What a step that runs a component may say besides the component: its inputs and outputs, and the fields it overrides. */
const componentStepKeys = ['type', 'component', 'inputs', 'outputs', ...stepOverrides];

/**
 * A step that runs a component, as the command job it amounts to (see core/pipelines/component-step.ts).
 * The component is inline here: trellis job create inlines a local component file, and the server
 * a registered one (azureml:<name>:<version>, azureml:<name>@latest) before the file is parsed.
 */
function expandComponent(
  step: Record<string, unknown>,
  context: z.RefinementCtx,
): { fields: Record<string, unknown>; component: string; inputs: Record<string, ComponentInput>; deterministic: boolean } | undefined {
  let ok = true;
  for (const key of Object.keys(step))
    if (!componentStepKeys.includes(key)) {
      context.addIssue({ code: 'custom', path: [key], message: unknownFieldMessage(key, componentStepKeys), input: step[key] });
      ok = false;
    }
  const written = step.component;
  if (!isPlainObject(written)) {
    context.addIssue({
      code: 'custom',
      path: ['component'],
      message:
        typeof written === 'string'
          ? `component '${written}' was not resolved: name a registered one as azureml:<name>:<version> or azureml:<name>@latest, or a local file that trellis job create reads`
          : 'a component is a reference (azureml:<name>:<version>, ./component.yml) or an inline component mapping',
      input: written,
    });
    return undefined;
  }
  const parsed = componentSchema.safeParse({ name: 'inline', ...written });
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      context.addIssue({ code: 'custom', path: ['component', ...(issue.path as PropertyKey[])], message: issue.message, input: written });
    return undefined;
  }
  const { fields, problems } = componentStepFields(step, parsed.data);
  for (const problem of problems) context.addIssue({ code: 'custom', path: problem.path, message: problem.message, input: step });
  if (problems.length > 0 || !ok) return undefined;
  const version = typeof written.version === 'string' || typeof written.version === 'number' ? `:${written.version}` : '';
  return {
    fields,
    component: `${parsed.data.name}${version}`,
    inputs: parsed.data.inputs ?? {},
    deterministic: parsed.data.is_deterministic,
  };
}

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
    // Azure ML's settings take more than these (and its own examples misspell some, default_datestore): the rest is recorded.
    settings: z
      .looseObject({
        default_compute: z.string().min(1).optional(),
        default_datastore: z.string().min(1).optional(),
        continue_on_step_failure: flagField().optional(),
        force_rerun: flagField().optional(),
      })
      .optional(),
    inputs: z.record(identifierName, inputEntry).optional(),
    outputs: z.record(identifierName, outputSpec).optional(),
    jobs: z
      .record(stepName, pipelineStep)
      .refine((steps) => Object.keys(steps).length > 0, 'a pipeline needs at least one step under jobs'),
  },
  ['status', 'creation_context', 'id', 'properties', 'identity'],
);

export type PipelineJobFile = z.infer<typeof pipelineJobSchema>;
