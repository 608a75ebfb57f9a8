import type { EarlyTermination, Goal, StopDecision, TrialProgress } from '../sweep-types.js';
import { figure } from './figure.js';
import { isWorse, worstKept } from './metric-order.js';
import { judgeRunningTrials, oncePerPoint } from './judge-running-trials.js';
import { latestAppliedInterval } from './policy-timing.js';
import { trialsAtInterval, valueAt } from './trial-history.js';

export type TruncationSelectionPolicy = Extract<EarlyTermination, { type: 'truncation_selection' }>;

/**
 * Azure ML's truncation selection policy. At an applied interval k (policy-timing.ts), the company
 * is every trial that reached k (only the running ones with exclude_finished_jobs), ranked by the
 * value each reported at k: Azure's "performance at interval 5 in the lowest 20% of all jobs at
 * interval 5", which compares a young trial only with what older ones had at the same point. Of
 * the n in the company, cut = floor(n × truncation_percentage / 100) are the worst; a running
 * trial is stopped when cut ≥ 1 and its value is strictly worse than the (n − cut)-th best. So
 * with no ties exactly the cut worst go; trials tied across the boundary all stay; and nothing is
 * stopped until the company is big enough for cut ≥ 1 (5 trials at 20%).
 */
export function truncationSelectionStops(policy: TruncationSelectionPolicy, goal: Goal, trials: readonly TrialProgress[]): StopDecision[] {
  const percentage = policy.truncation_percentage;
  const boundaryAt = oncePerPoint((interval) => {
    const company = trialsAtInterval(trials, interval).filter((trial) => trial.isRunning || !policy.exclude_finished_jobs);
    const cut = Math.floor((company.length * percentage) / 100);
    const values = company.map((trial) => valueAt(goal, trial, interval));
    return { count: company.length, cut, bar: cut === 0 ? null : worstKept(goal, values, company.length - cut) };
  });
  return judgeRunningTrials(
    trials,
    (reportCount) => latestAppliedInterval(policy, reportCount),
    (trial, interval) => {
      const { count, cut, bar } = boundaryAt(interval);
      const value = valueAt(goal, trial, interval);
      if (bar === null || !isWorse(goal, value, bar)) return null;
      const which = policy.exclude_finished_jobs ? 'running trials' : 'trials';
      return (
        `truncation selection policy (truncation_percentage ${percentage}) at interval ${interval}: primary metric ${figure(value)} ` +
        `is among the worst ${cut} of the ${count} ${which} at interval ${interval} (${percentage}% of ${count}, rounded down): ` +
        `worse than ${figure(bar)}, the worst value kept`
      );
    },
  );
}
