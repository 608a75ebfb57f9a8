import type { CommandJobFields } from '../azureml/parse-job-file.js';
import { type SweepJobSpec, trialJobName } from './sweep-job.js';
import type { ParameterValue, Parameters } from './sweep-types.js';

/** `${{search_space.<name>}}`, spaces allowed inside the braces as Azure ML allows them. */
const searchSpacePlaceholder = /\$\{\{\s*search_space\.([^\s}]+)\s*\}\}/g;

/** The hyperparameter names a trial command refers to, in order of first appearance. */
export function searchSpaceReferences(command: string): string[] {
  return [...new Set([...command.matchAll(searchSpacePlaceholder)].map((match) => match[1] ?? ''))];
}

/** A hyperparameter as it is written into the command: numbers in full, booleans as Python prints them. */
export function parameterText(value: ParameterValue): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** The trial's command: each `${{search_space.<name>}}` replaced by the trial's value (one absent from a nested branch by nothing). */
export function trialCommand(command: string, parameters: Parameters): string {
  return command.replace(searchSpacePlaceholder, (_match, name: string) => {
    const value = parameters[name];
    return value === undefined ? '' : parameterText(value);
  });
}

/**
 * The command job that runs trial `index` of a sweep with `parameters`: the trial's command,
 * code, environment, variables, resources and distribution, the sweep's inputs, outputs, compute
 * and experiment (a hyperparameter named as one of its inputs setting that input), and the
 * sweep's trial_timeout as the job's own timeout.
 */
export function trialJobFields(spec: SweepJobSpec, experimentName: string, index: number, parameters: Parameters): CommandJobFields {
  const { trial } = spec;
  const resources = trial.resources ?? spec.resources;
  const timeout = spec.limits.trial_timeout;
  // A hyperparameter named as an input is that input's value for the trial (a pipeline's sweep step sweeps its component's inputs).
  const inputs = spec.inputs === undefined ? undefined : { ...spec.inputs };
  if (inputs) for (const [name, value] of Object.entries(parameters)) if (name in inputs) inputs[name] = value;
  return {
    type: 'command',
    name: trialJobName(spec.name, index),
    display_name: trialJobName(spec.name, index),
    experiment_name: experimentName,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    command: trialCommand(trial.command, parameters),
    ...(trial.code !== undefined ? { code: trial.code } : {}),
    environment: trial.environment,
    ...(trial.environment_variables !== undefined ? { environment_variables: trial.environment_variables } : {}),
    ...(spec.compute !== undefined ? { compute: spec.compute } : {}),
    ...(resources !== undefined ? { resources } : {}),
    ...(trial.distribution !== undefined ? { distribution: trial.distribution } : {}),
    ...(timeout !== undefined ? { limits: { timeout } } : {}),
    ...(inputs !== undefined ? { inputs } : {}),
    ...(spec.outputs !== undefined ? { outputs: spec.outputs } : {}),
    ...(spec.queue_settings !== undefined ? { queue_settings: spec.queue_settings } : {}),
    ...(spec.identity !== undefined ? { identity: spec.identity } : {}),
  };
}
