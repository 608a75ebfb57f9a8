import type { CommandJobFields } from '../azureml/parse-job-file.js';
import { isPlainObject } from '../azureml/schema-helpers.js';
import type { Binding } from './bindings.js';
import { type PipelineJobSpec, stepJobName } from './pipeline-job.js';

/**
 * A step of a pipeline as the command job that runs it: the step's own fields, its bindings
 * replaced by what they name (the pipeline's input, the data asset another step's output was
 * registered as, the pipeline output's type), the pipeline's default compute, the job named after
 * the pipeline and the step. Pure.
 */

/** Where another step's output went: the data asset it was registered as, or not yet written. */
export type StepOutputValue = { type: string; asset: string } | 'pending';

export interface StepJob {
  fields: CommandJobFields;
  /** Inputs bound to outputs not written yet: taken as given when the step is only checked. */
  pending: Set<string>;
}

export function stepJob(
  pipeline: PipelineJobSpec,
  experimentName: string,
  stepName: string,
  outputOf: (step: string, output: string) => StepOutputValue,
): StepJob {
  const step = pipeline.jobs[stepName];
  if (!step) throw new Error(`pipeline ${pipeline.name} has no step ${stepName}`);
  const {
    inputBindings,
    outputBindings,
    component,
    componentInputs: _inputs,
    alwaysRun: _alwaysRun,
    parallel: _parallel,
    sweep: _sweep,
    ...fields
  } = step;
  const pending = new Set<string>();
  const inputs: Record<string, unknown> = { ...(fields.inputs ?? {}) };
  for (const [name, binding] of Object.entries(inputBindings)) {
    const value = boundInput(pipeline, binding, outputOf);
    if (value === 'pending') {
      pending.add(name);
      // A stand-in the checks skip: the step that writes it has not run yet.
      inputs[name] = { type: 'uri_folder', path: 'azureml:pending-step-output:1' };
    } else if (value === undefined) delete inputs[name];
    else inputs[name] = value;
  }
  const outputs: Record<string, unknown> = { ...(fields.outputs ?? {}) };
  for (const [name, target] of Object.entries(outputBindings)) {
    const declared = pipeline.outputs?.[target];
    // The pipeline output's type and mode, and the asset name it asks for; a datastore path is Azure's alone.
    outputs[name] = declared
      ? {
          type: declared.type,
          ...(declared.mode ? { mode: declared.mode } : {}),
          ...(declared.name ? { name: declared.name } : {}),
          ...(declared.version ? { version: declared.version } : {}),
          description: declared.description ?? `output '${target}' of pipeline ${pipeline.name}`,
        }
      : {};
  }
  const compute = fields.compute ?? pipeline.settings?.default_compute ?? pipeline.compute;
  return {
    fields: {
      ...fields,
      name: stepJobName(pipeline.name, stepName),
      display_name: fields.display_name ?? stepName,
      // The component a step runs stays on its job, where lineage and reuse read it.
      ...(component ? { tags: { ...(fields.tags ?? {}), 'trellis.component': component } } : {}),
      experiment_name: experimentName,
      ...(compute ? { compute } : {}),
      ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
      ...(Object.keys(outputs).length > 0 ? { outputs } : {}),
    },
    pending,
  };
}

/** What a bound input receives: a literal or an input mapping, 'pending', or undefined for an optional input the pipeline does not give. */
function boundInput(pipeline: PipelineJobSpec, binding: Binding, outputOf: (step: string, output: string) => StepOutputValue): unknown {
  if (binding.kind === 'stepOutput') {
    const value = outputOf(binding.step, binding.name);
    return value === 'pending' ? value : { type: value.type, path: `azureml:${value.asset}` };
  }
  if (binding.kind !== 'pipelineInput') return undefined;
  const input = pipeline.inputs?.[binding.name];
  // A typed literal (type: integer, default: 3) gives its value; data inputs pass on as they are.
  if (isPlainObject(input) && input.path === undefined) return input.default;
  return input;
}
