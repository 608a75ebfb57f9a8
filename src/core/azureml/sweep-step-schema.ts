import { z } from 'zod';
import { stepOverrides } from '../pipelines/component-step.js';
import { earlyTerminationProblems } from '../sweeps/policies/early-termination-problems.js';
import { searchSpaceProblems, searchSpaceSchema } from '../sweeps/search-space.js';
import type { EarlyTermination, Expression, Objective, ParameterValue, SamplingAlgorithm, SearchSpace } from '../sweeps/sweep-types.js';
import { limitProblems } from './parse-sweep-file.js';
import { isPlainObject, unknownFieldMessage } from './schema-helpers.js';
import { earlyTerminationSchema, limitsSchema, objectiveSchema, samplingAlgorithmSchema, type SweepJobFile } from './sweep-job-schema.js';
import { describeIssue } from './zod-problems.js';

/** What makes a pipeline step a sweep: the search over its trial component's inputs. */
export interface SweepSettings {
  search_space: SearchSpace;
  sampling_algorithm: SamplingAlgorithm;
  objective: Objective;
  limits: SweepJobFile['limits'];
  early_termination?: EarlyTermination | undefined;
}

const settingsSchema = z.object({
  sampling_algorithm: samplingAlgorithmSchema,
  objective: objectiveSchema,
  limits: limitsSchema,
  early_termination: earlyTerminationSchema.optional(),
});

const sweepKeys = ['search_space', 'sampling_algorithm', 'objective', 'limits', 'early_termination'];
const stepKeys = ['type', 'trial', 'inputs', 'outputs', ...stepOverrides, ...sweepKeys];

interface StepProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * A pipeline step of `type: sweep` (azureml-examples' pipeline_with_hyperparameter_sweep): its
 * `trial` is a command component whose inputs the search space names; the step's other inputs
 * are fixed. Returned as the component step it amounts to (the trial as `component`, each swept
 * input given a representative value so the component's checks run on it; each trial gets its
 * own) and the sweep's settings, or every problem with its path under the step.
 */
export function sweepStepFields(
  step: Record<string, unknown>,
): { fields: Record<string, unknown>; sweep: SweepSettings } | { problems: StepProblem[] } {
  const problems: StepProblem[] = [];
  for (const key of Object.keys(step))
    if (!stepKeys.includes(key)) problems.push({ path: [key], message: unknownFieldMessage(key, stepKeys) });
  if (step.trial === undefined)
    problems.push({
      path: ['trial'],
      message: 'a sweep step needs a trial: the command component each trial runs (./train.yml, azureml:<name>:<version>)',
    });
  const space = searchSpaceSchema.safeParse(step.search_space ?? {}, { error: describeIssue });
  if (!space.success)
    for (const issue of space.error.issues) problems.push({ path: ['search_space', ...issue.path.map(String)], message: issue.message });
  const settings = settingsSchema.safeParse(step, { error: describeIssue });
  if (!settings.success) for (const issue of settings.error.issues) problems.push({ path: issue.path.map(String), message: issue.message });
  if (!space.success || !settings.success) return { problems };

  const searchSpace = space.data;
  if (Object.keys(searchSpace).length === 0) problems.push({ path: ['search_space'], message: 'name at least one input to sweep' });
  for (const problem of searchSpaceProblems(searchSpace, settings.data.sampling_algorithm))
    problems.push({ path: problem.path.split('.'), message: problem.message });
  if (settings.data.early_termination)
    for (const problem of earlyTerminationProblems(settings.data.early_termination, settings.data.sampling_algorithm.type))
      problems.push({ path: problem.path.split('.'), message: problem.message });
  for (const problem of limitProblems(settings.data.limits)) problems.push({ path: ['limits', problem.field], message: problem.message });
  if (problems.length > 0) return { problems };

  const given = isPlainObject(step.inputs) ? step.inputs : {};
  const inputs: Record<string, unknown> = { ...given };
  for (const [name, expression] of Object.entries(searchSpace)) {
    if (name in given)
      problems.push({ path: ['inputs', name], message: `input '${name}' is swept (search_space.${name}): remove its value here` });
    const value = representativeValue(expression);
    if (value !== undefined) inputs[name] = value;
  }
  if (problems.length > 0) return { problems };
  const fields: Record<string, unknown> = { component: step.trial, inputs };
  if (step.outputs !== undefined) fields.outputs = step.outputs;
  // A sweep step's limits are the sweep's; a trial's own timeout is limits.trial_timeout.
  for (const field of stepOverrides) if (field !== 'limits' && step[field] !== undefined) fields[field] = step[field];
  const { sampling_algorithm, objective, limits, early_termination } = settings.data;
  return {
    fields,
    sweep: { search_space: searchSpace, sampling_algorithm, objective, limits, ...(early_termination ? { early_termination } : {}) },
  };
}

/** A value an expression can take, for checking the component's input types at submit: a choice's first literal, a range's low end, a distribution's mean. */
function representativeValue(expression: Expression): ParameterValue | undefined {
  switch (expression.type) {
    case 'choice': {
      const first = expression.values[0];
      return typeof first === 'object' ? undefined : first;
    }
    case 'randint':
      return 0;
    case 'uniform':
    case 'quniform':
      return expression.min_value;
    case 'loguniform':
    case 'qloguniform':
      return Math.exp(expression.min_value);
    case 'normal':
    case 'qnormal':
      return expression.mu;
    case 'lognormal':
    case 'qlognormal':
      return Math.exp(expression.mu);
  }
}
