import { isPlainObject } from '../azureml/schema-helpers.js';
import { earlyTerminationProblems } from '../sweeps/policies/early-termination-problems.js';
import { parameterNames, searchSpaceProblems } from '../sweeps/search-space.js';
import type { EarlyTermination, Expression, SamplingAlgorithm, SearchSpace } from '../sweeps/sweep-types.js';
import { searchSpaceReferences } from '../sweeps/trial-job.js';
import { limitProblems } from '../azureml/parse-sweep-file.js';
import {
  isPlainEnvironmentBody,
  nonEmptyText,
  onlyFields,
  optionalCount,
  optionalText,
  plainMetadata,
  textRecord,
} from './plain-documents.js';

/**
 * The fast path of plain-documents.ts for a sweep job: what parseSweepDocument gives for a plain
 * file (a command and environment for the trial, a search space of uniform, loguniform, randint and
 * choice expressions with literal values, a sampling algorithm by name, an objective, limits and an
 * early termination policy), built straight from the parsed YAML, or undefined for anything else.
 * The checks past the schema's (bounds in order, the policy's fields, every `${{search_space.x}}`
 * naming a parameter, limits that agree) are parseSweepDocument's own functions: a file with any
 * problem goes to zod, for its error.
 */

/** The sweep fields yaml-subjects reads, as sweepJobSchema gives them. */
export interface PlainSweepJob {
  name?: string;
  display_name?: string;
  tags?: Record<string, string>;
  compute?: string;
  trial: { environment: unknown };
  sampling_algorithm: SamplingAlgorithm;
  early_termination?: EarlyTermination;
  limits: { max_total_trials?: number; max_concurrent_trials?: number; timeout?: number; trial_timeout?: number };
}

const sweepFields = new Set([
  '$schema',
  'type',
  'name',
  'display_name',
  'description',
  'tags',
  'compute',
  'trial',
  'search_space',
  'sampling_algorithm',
  'objective',
  'limits',
  'early_termination',
]);
const trialFields = new Set(['command', 'environment']);
const inlineEnvironmentFields = new Set(['image', 'conda_file']);
const objectiveFields = new Set(['goal', 'primary_metric']);
const limitsFields = new Set(['max_total_trials', 'max_concurrent_trials', 'timeout', 'trial_timeout']);
const boundsFields = new Set(['type', 'min_value', 'max_value']);
const randintFields = new Set(['type', 'upper']);
const choiceFields = new Set(['type', 'values']);
const banditFields = new Set(['type', 'slack_factor', 'slack_amount', 'evaluation_interval', 'delay_evaluation']);
const medianStoppingFields = new Set(['type', 'evaluation_interval', 'delay_evaluation']);
const samplingTypes = ['random', 'grid', 'bayesian', 'tpe'] as const;
const sweepNamePattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,200}$/;
const parameterNamePattern = /^[A-Za-z_][\w-]*$/;

/** A plain sweep job file, as parseSweepDocument's sweep (the fields yaml-subjects reads); else undefined. */
export function plainSweepJob(document: Record<string, unknown>): PlainSweepJob | undefined {
  if (!onlyFields(document, sweepFields) || !plainMetadata(document) || document.type !== 'sweep') return undefined;
  const { name, display_name: displayName, compute, trial, objective, limits } = document;
  if (name !== undefined && (typeof name !== 'string' || !sweepNamePattern.test(name))) return undefined;
  if (!optionalText(displayName) || (compute !== undefined && !nonEmptyText(compute))) return undefined;
  if (!isPlainObject(trial) || !onlyFields(trial, trialFields) || !nonEmptyText(trial.command)) return undefined;
  const environment = trial.environment;
  const isInline = isPlainObject(environment) && onlyFields(environment, inlineEnvironmentFields) && isPlainEnvironmentBody(environment);
  if (!isInline && !nonEmptyText(environment)) return undefined;
  if (!isPlainObject(objective) || !onlyFields(objective, objectiveFields)) return undefined;
  if ((objective.goal !== 'minimize' && objective.goal !== 'maximize') || !nonEmptyText(objective.primary_metric)) return undefined;
  const samplingType = samplingTypes.find((type) => type === document.sampling_algorithm);
  if (samplingType === undefined) return undefined;
  const samplingAlgorithm: SamplingAlgorithm = { type: samplingType };
  const space = plainSearchSpace(document.search_space);
  if (space === undefined) return undefined;
  const plainLimits = limits === undefined ? {} : plainSweepLimits(limits);
  if (plainLimits === undefined) return undefined;
  const policy = document.early_termination === undefined ? undefined : plainPolicy(document.early_termination);
  if (policy === null) return undefined;

  // parseSweepDocument's checks beyond the schema: any problem, and the schema path reports it.
  if (Object.keys(space).length === 0 || searchSpaceProblems(space, samplingAlgorithm).length > 0) return undefined;
  if (policy && earlyTerminationProblems(policy, samplingAlgorithm.type).length > 0) return undefined;
  const known = parameterNames(space);
  if (searchSpaceReferences(trial.command).some((reference) => !known.has(reference))) return undefined;
  if (limitProblems(plainLimits).length > 0) return undefined;

  // The schema names an inline environment 'inline'.
  const sweep: PlainSweepJob = {
    trial: { environment: isInline ? { ...environment, name: 'inline' } : environment },
    sampling_algorithm: samplingAlgorithm,
    limits: plainLimits,
  };
  if (typeof name === 'string') sweep.name = name;
  if (typeof displayName === 'string') sweep.display_name = displayName;
  if (isPlainObject(document.tags)) sweep.tags = textRecord(document.tags);
  if (typeof compute === 'string') sweep.compute = compute;
  if (policy) sweep.early_termination = policy;
  return sweep;
}

/** Whole numbers of at least 1, written as numbers; undefined for anything the schema may read otherwise. */
function plainSweepLimits(limits: unknown): PlainSweepJob['limits'] | undefined {
  if (!isPlainObject(limits) || !onlyFields(limits, limitsFields)) return undefined;
  const plain: PlainSweepJob['limits'] = {};
  for (const field of limitsFields) {
    const value = limits[field];
    if (value === undefined) continue;
    if (!optionalCount(value, 1)) return undefined;
    plain[field as keyof PlainSweepJob['limits']] = value as number;
  }
  return plain;
}

/** A search space of plain expressions (types in lower case, numbers written as numbers); undefined for anything else. */
function plainSearchSpace(space: unknown): SearchSpace | undefined {
  if (!isPlainObject(space) || Object.getPrototypeOf(space) !== Object.prototype || Object.hasOwn(space, '__proto__')) return undefined;
  const plain: SearchSpace = {};
  for (const name in space) {
    if (!parameterNamePattern.test(name)) return undefined;
    const expression = plainExpression(space[name]);
    if (expression === undefined) return undefined;
    plain[name] = expression;
  }
  return plain;
}

function plainExpression(expression: unknown): Expression | undefined {
  if (!isPlainObject(expression)) return undefined;
  const type = expression.type;
  if (type === 'uniform' || type === 'loguniform') {
    if (!onlyFields(expression, boundsFields)) return undefined;
    const { min_value: min, max_value: max } = expression;
    if (!isFiniteNumber(min) || !isFiniteNumber(max)) return undefined;
    return { type, min_value: min, max_value: max };
  }
  if (type === 'randint') {
    const upper = expression.upper;
    if (!onlyFields(expression, randintFields) || typeof upper !== 'number' || !Number.isInteger(upper)) return undefined;
    return { type, upper };
  }
  if (type === 'choice') {
    const values = expression.values;
    if (!onlyFields(expression, choiceFields) || !Array.isArray(values)) return undefined;
    // Literal values only: a mapping is a nested search space, which the schema reads.
    if (!values.every((value) => typeof value === 'string' || isFiniteNumber(value) || typeof value === 'boolean')) return undefined;
    return { type, values: [...values] };
  }
  return undefined;
}

/** A bandit or median stopping policy with number fields; null for anything else. */
function plainPolicy(policy: unknown): EarlyTermination | null {
  if (!isPlainObject(policy)) return null;
  const { type, slack_factor: factor, slack_amount: amount, evaluation_interval: interval, delay_evaluation: delay } = policy;
  if (type !== 'bandit' && type !== 'median_stopping') return null;
  if (!onlyFields(policy, type === 'bandit' ? banditFields : medianStoppingFields)) return null;
  if ((factor !== undefined && !isFiniteNumber(factor)) || (amount !== undefined && !isFiniteNumber(amount))) return null;
  if (!optionalCount(interval, 0) || !optionalCount(delay, 0)) return null;
  // Only the fields written (the schema leaves the others out); the policy's checks read them, the subject its type.
  const timing: { evaluation_interval?: number; delay_evaluation?: number } = {};
  if (typeof interval === 'number') timing.evaluation_interval = interval;
  if (typeof delay === 'number') timing.delay_evaluation = delay;
  if (type === 'median_stopping') return { type, ...timing };
  const bandit: EarlyTermination = { type, ...timing };
  if (typeof factor === 'number') bandit.slack_factor = factor;
  if (typeof amount === 'number') bandit.slack_amount = amount;
  return bandit;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
