import type { SweepProgress, SweepTrial } from '../api/sweeps.js';
import { type Dimension, dimensionOf } from './compare.js';

/** What a sweep page reads of what a sweep job says of itself, computed from the sweep alone. */

export type Goal = 'minimize' | 'maximize';

/** What the sweep optimizes and how it searches, as its file says (the server has validated it). */
export interface SweepSettings {
  goal: Goal;
  primaryMetric: string;
  /** The search space's hyperparameters, in the file's order. */
  parameterNames: string[];
  /** random, grid, bayesian ... with its seed when it has one. */
  sampling: string;
  /** The early-termination policy and its settings, in words; undefined when the sweep has none. */
  earlyTermination: string | undefined;
}

export function sweepSettings(spec: Record<string, unknown>): SweepSettings {
  const objective = record(spec.objective);
  const sampling = spec.sampling_algorithm;
  const policy = record(spec.early_termination);
  return {
    // The schema reads Azure's enums case-insensitively; the page compares in lower case.
    goal: String(objective.goal ?? '').toLowerCase() === 'maximize' ? 'maximize' : 'minimize',
    primaryMetric: String(objective.primary_metric ?? ''),
    parameterNames: Object.keys(record(spec.search_space)),
    sampling: typeof sampling === 'string' ? sampling : settingsText(record(sampling)),
    earlyTermination: spec.early_termination ? settingsText(policy) : undefined,
  };
}

/** `{type: bandit, slack_amount: 1}` as `bandit (slack_amount 1)`. */
function settingsText(settings: Record<string, unknown>): string {
  const { type, ...rest } = settings;
  const details = Object.entries(rest).map(([key, value]) => `${key} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
  return `${String(type ?? '?')}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** Whether `value` is better than `than` for the goal. */
export const isBetter = (goal: Goal, value: number, than: number) => (goal === 'maximize' ? value > than : value < than);

/** The trials best first for the goal (a running trial by its objective so far); those without an objective last; ties by index. */
export function trialsByObjective(goal: Goal, trials: readonly SweepTrial[]): SweepTrial[] {
  return [...trials].sort((a, b) => {
    if (a.objective === null || b.objective === null) {
      if (a.objective === b.objective) return a.index - b.index;
      return a.objective === null ? 1 : -1;
    }
    if (a.objective === b.objective) return a.index - b.index;
    return isBetter(goal, a.objective, b.objective) ? -1 : 1;
  });
}

/** The early-termination policy stopped it (it ends Canceled, with the rule and figures as its stop reason). */
export const isStoppedEarly = (trial: SweepTrial) => trial.stopReason !== null;

/**
 * The best objective so far at each trial index, from the first completed trial on: only
 * completed trials count, as for the sweep's best trial (a stopped or running trial's value is
 * not an outcome). One point per index, so the line steps at the indices that improved it.
 */
export function bestSoFar(goal: Goal, trials: readonly SweepTrial[]): Array<{ index: number; value: number }> {
  const points: Array<{ index: number; value: number }> = [];
  let best: number | undefined;
  for (const trial of [...trials].sort((a, b) => a.index - b.index)) {
    const value = trial.objective;
    if (trial.status === 'Completed' && value !== null && !Number.isNaN(value) && (best === undefined || isBetter(goal, value, best)))
      best = value;
    if (best !== undefined) points.push({ index: trial.index, value: best });
  }
  return points;
}

/** "3 of 4 trials: 1 running, 2 completed, 0 stopped early, 0 failed, 0 without objective" (and those canceled otherwise, when any). */
export function progressText(progress: SweepProgress): string {
  const canceledOtherwise = progress.canceled - progress.stoppedEarly;
  return (
    `${progress.trials} of ${progress.maxTotalTrials} trials: ${progress.running} running, ${progress.completed} completed, ` +
    `${progress.stoppedEarly} stopped early, ${progress.failed} failed, ${progress.withoutObjective} without objective` +
    (canceledOtherwise > 0 ? `, ${canceledOtherwise} canceled` : '')
  );
}

/**
 * The axes of the parallel coordinates: one per hyperparameter, then the objective, turned so
 * the better end is at the top (for minimize the lowest value is; its ticks say so) — the lines
 * are coloured by the last axis's height, so the best trials stand out whatever the goal. Only the
 * trials with an objective, in the order given.
 */
export function sweepDimensions(settings: SweepSettings, trials: readonly SweepTrial[]): Dimension[] {
  const scored = trials.filter((trial) => trial.objective !== null);
  const parameters = settings.parameterNames.map((name) => {
    const values = scored.map((trial) => trial.parameters[name]).map((value) => (typeof value === 'boolean' ? String(value) : value));
    return { ...dimensionOf({ kind: 'params', key: name, values, differs: true }), label: name };
  });
  const objective = dimensionOf({
    kind: 'metrics',
    key: settings.primaryMetric,
    values: scored.map((trial) => trial.objective ?? undefined),
    differs: true,
  });
  const turned =
    settings.goal === 'maximize'
      ? objective
      : {
          ...objective,
          positions: objective.positions.map((position) => (position === undefined ? undefined : 1 - position)),
          ticks: objective.ticks.map((tick) => ({ ...tick, at: 1 - tick.at })),
        };
  return [...parameters, { ...turned, label: settings.primaryMetric }];
}
