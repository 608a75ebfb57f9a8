/**
 * The shapes a sweep is made of, shared by its parts: the search space (Azure ML's parameter
 * expressions), the sampling algorithm, the objective, the early-termination policy, and what a
 * sampler and a policy see of the trials so far. Parsing lives in search-space.ts and
 * parse-sweep-file.ts; sampling in samplers/, deciding early termination in policies/.
 */

/** A hyperparameter's value in one trial. */
export type ParameterValue = string | number | boolean;

/** One trial's hyperparameters, by name (nested search spaces flattened into the same record). */
export type Parameters = Record<string, ParameterValue>;

/**
 * One parameter expression of Azure ML's sweep YAML (sweepJob.schema.json). `loguniform` and
 * `qloguniform` take the bounds of the exponent (exp(uniform(min_value, max_value))), as Azure ML's.
 * A `choice` value that is a mapping is a nested search space: choosing it adds its keys.
 */
export type Expression =
  | { type: 'choice'; values: Array<ParameterValue | NestedSpace> }
  | { type: 'randint'; upper: number }
  | { type: 'uniform' | 'loguniform'; min_value: number; max_value: number }
  | { type: 'quniform' | 'qloguniform'; min_value: number; max_value: number; q: number }
  | { type: 'normal' | 'lognormal'; mu: number; sigma: number }
  | { type: 'qnormal' | 'qlognormal'; mu: number; sigma: number; q: number };

/** A nested search space inside a choice: each key a literal or an expression. */
export type NestedSpace = { [name: string]: ParameterValue | Expression };

export type SearchSpace = Record<string, Expression>;

export type SamplingAlgorithm =
  | { type: 'random'; seed?: number; rule?: 'random' | 'sobol' }
  | { type: 'grid' }
  | { type: 'bayesian'; seed?: number }
  /** Trellis extension: tree-structured Parzen estimator. */
  | { type: 'tpe'; seed?: number };

export type Goal = 'minimize' | 'maximize';

export interface Objective {
  goal: Goal;
  primary_metric: string;
}

interface PolicyTiming {
  /** Apply the policy every this many reports of the primary metric (default 0: every report). */
  evaluation_interval?: number;
  /** The policy applies at multiples of evaluation_interval at or after this report of the primary metric (default 0), as Azure ML's. */
  delay_evaluation?: number;
}

export type EarlyTermination =
  | ({ type: 'bandit'; slack_factor?: number; slack_amount?: number } & PolicyTiming)
  | ({ type: 'median_stopping' } & PolicyTiming)
  | ({ type: 'truncation_selection'; truncation_percentage: number; exclude_finished_jobs?: boolean } & PolicyTiming)
  /** Trellis extension: asynchronous successive halving. */
  | ({ type: 'asha'; min_resource?: number; reduction_factor?: number; max_resource?: number } & PolicyTiming);

/** What a sampler knows of one trial so far. */
export interface SampledTrial {
  /** 0-based, in the order trials were sampled. */
  index: number;
  parameters: Parameters;
  /** The trial's objective (the last reported value of the primary metric), or null: still running, failed, or never reported. */
  objective: number | null;
  /** Running trials are pending points for a model-based sampler; stopped ones were cut short by the policy. */
  state: 'running' | 'completed' | 'stopped' | 'failed';
}

/** A deterministic sampler: the same seed, index and history give the same parameters. */
export interface Sampler {
  /** Trial `index`'s parameters given the trials so far, or null when the space is used up (grid). */
  next(index: number, history: readonly SampledTrial[]): Parameters | null;
  /** How many distinct trials the space holds: a number for grid, Infinity otherwise. */
  readonly size: number;
}

/** One report of the primary metric by a trial, in the order it reported them. */
export interface MetricReport {
  /** The MLflow step it was logged at. */
  step: number;
  value: number;
}

/** What a policy sees of one trial. */
export interface TrialProgress {
  index: number;
  /** Every report of the primary metric so far, in order (MLflow step, then time). */
  reports: readonly MetricReport[];
  /** Only running trials can be stopped; ended ones still count as the company the others are judged against. */
  isRunning: boolean;
}

/** A trial the policy stops, and the rule and figures that stopped it, in words a user reads. */
export interface StopDecision {
  index: number;
  reason: string;
}
