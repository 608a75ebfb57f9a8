import type { Goal, TrialProgress } from '../sweep-types.js';
import { better, comparableValue, withoutFloatNoise } from './metric-order.js';

/**
 * What the policies read from a trial's report history. Interval k is the trial's k-th report of
 * the primary metric (1-based), whatever MLflow step it was logged at: Azure ML counts "each time
 * the training script logs the primary metric" as one interval.
 */

/** The trials that have reported at least `interval` times, running or ended: the company a trial is judged against there. */
export function trialsAtInterval(trials: readonly TrialProgress[], interval: number): TrialProgress[] {
  return trials.filter((trial) => trial.reports.length >= interval);
}

/** The value a trial reported at `interval` (the trial must have reached it), NaN counted as the worst. */
export function valueAt(goal: Goal, trial: TrialProgress, interval: number): number {
  return comparableValue(goal, reportedValue(trial, interval));
}

/** The best value a trial reported in intervals 1..`interval`. */
export function bestUpTo(goal: Goal, trial: TrialProgress, interval: number): number {
  let best = valueAt(goal, trial, 1);
  for (let at = 2; at <= interval; at++) best = better(goal, best, valueAt(goal, trial, at));
  return best;
}

/** The mean of the values a trial reported in intervals 1..`interval` (its running average there). */
export function meanUpTo(goal: Goal, trial: TrialProgress, interval: number): number {
  let sum = 0;
  for (let at = 1; at <= interval; at++) sum += valueAt(goal, trial, at);
  return withoutFloatNoise(sum / interval);
}

function reportedValue(trial: TrialProgress, interval: number): number {
  const report = trial.reports[interval - 1];
  if (report === undefined) throw new RangeError(`trial ${trial.index} has ${trial.reports.length} reports, not ${interval}`);
  return report.value;
}
