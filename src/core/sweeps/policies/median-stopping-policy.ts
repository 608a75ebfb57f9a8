import type { EarlyTermination, Goal, StopDecision, TrialProgress } from '../sweep-types.js';
import { figure } from './figure.js';
import { isWorse, withoutFloatNoise } from './metric-order.js';
import { judgeRunningTrials, oncePerPoint } from './judge-running-trials.js';
import { latestAppliedInterval } from './policy-timing.js';
import { bestUpTo, meanUpTo, trialsAtInterval } from './trial-history.js';

export type MedianStoppingPolicy = Extract<EarlyTermination, { type: 'median_stopping' }>;

/**
 * Azure ML's median stopping policy (after Google Vizier's median stopping rule). At an applied
 * interval k (policy-timing.ts), a running trial is stopped when its best value in intervals 1..k
 * is strictly worse than the median of the running averages (the mean of intervals 1..k) of every
 * trial that reached k, running or ended, the judged one included: Azure's "best primary metric
 * worse than the median of the running averages over intervals 1:5 across all training jobs".
 * With an even count the median is the mean of the two middle averages. Counting the judged trial
 * means a trial alone at k is never stopped (its best is never worse than its own mean).
 */
export function medianStoppingStops(policy: MedianStoppingPolicy, goal: Goal, trials: readonly TrialProgress[]): StopDecision[] {
  const medianAt = oncePerPoint((interval) => {
    const company = trialsAtInterval(trials, interval);
    return { median: median(company.map((trial) => meanUpTo(goal, trial, interval))), count: company.length };
  });
  return judgeRunningTrials(
    trials,
    (reportCount) => latestAppliedInterval(policy, reportCount),
    (trial, interval) => {
      const { median, count } = medianAt(interval);
      const value = bestUpTo(goal, trial, interval);
      if (!isWorse(goal, value, median)) return null;
      return (
        `median stopping policy at interval ${interval}: best primary metric ${figure(value)} is worse than ${figure(median)}, ` +
        `the median of the running averages of the ${count} trials that reached interval ${interval}`
      );
    },
  );
}

/** The median of a non-empty list: the middle value, or the mean of the two middle values. */
function median(values: readonly number[]): number {
  // Compared rather than subtracted: a diverged trial's average is infinite, and Infinity − Infinity is NaN.
  const sorted = [...values].sort((first, second) => (first < second ? -1 : first > second ? 1 : 0));
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle];
  const lower = sorted.length % 2 === 0 ? sorted[middle - 1] : upper;
  if (upper === undefined || lower === undefined) throw new Error('the median of no values');
  return withoutFloatNoise((lower + upper) / 2);
}
