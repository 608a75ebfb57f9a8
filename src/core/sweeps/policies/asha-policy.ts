import type { EarlyTermination, Goal, StopDecision, TrialProgress } from '../sweep-types.js';
import { figure } from './figure.js';
import { isWorse, worstKept } from './metric-order.js';
import { judgeRunningTrials, oncePerPoint } from './judge-running-trials.js';
import { trialsAtInterval, valueAt } from './trial-history.js';

export type AshaPolicy = Extract<EarlyTermination, { type: 'asha' }>;

/**
 * Trellis's asha policy: asynchronous successive halving (Li et al., "A System for Massively
 * Parallel Hyperparameter Tuning", 2018), used as a stopping rule. Rung i sits at report
 * r_i = min_resource × reduction_factor^i (defaults 1 and 3: reports 1, 3, 9, 27, ...), for every
 * i with r_i < max_resource when max_resource is set (a trial that reaches max_resource has had
 * its whole budget, so nothing is left to save there). A running trial is judged at the latest
 * rung it has reached, by the value it reported at r_i, against the values at r_i of every trial
 * that reached that rung, running or ended, itself included: of those n, the best
 * keep = max(1, floor(n / reduction_factor)) continue, and it is stopped when its value is
 * strictly worse than the keep-th best (ties with it continue). Since the runner decides from the
 * histories alone (judge-running-trials.ts), "the values recorded at the rung so far" are those
 * known now, so a trial that waits at a rung while better ones arrive can still be stopped there;
 * the first trial at a rung always continues. evaluation_interval and delay_evaluation play no
 * part (earlyTerminationProblems refuses them for asha): min_resource is how to start later.
 */
export function ashaStops(policy: AshaPolicy, goal: Goal, trials: readonly TrialProgress[]): StopDecision[] {
  const reductionFactor = policy.reduction_factor ?? 3;
  const boundaryAt = oncePerPoint((report) => {
    const values = trialsAtInterval(trials, report).map((trial) => valueAt(goal, trial, report));
    const keep = Math.max(1, Math.floor(values.length / reductionFactor));
    return { count: values.length, keep, bar: worstKept(goal, values, keep) };
  });
  return judgeRunningTrials(
    trials,
    (reportCount) => ashaRungReports(policy, reportCount).at(-1) ?? null,
    (trial, report) => {
      const { count, keep, bar } = boundaryAt(report);
      const value = valueAt(goal, trial, report);
      if (!isWorse(goal, value, bar)) return null;
      const rung = ashaRungReports(policy, report).length - 1;
      return (
        `asha policy (reduction_factor ${reductionFactor}) at rung ${rung} (report ${report}): primary metric ${figure(value)} ` +
        `is not in the top ${keep} of the ${count} trials at that rung (${count} / ${reductionFactor}, rounded down, at least 1): ` +
        `worse than ${figure(bar)}, the worst value kept`
      );
    },
  );
}

/** The reports at which asha's rungs sit, up to and including `reportCount`, in order. */
export function ashaRungReports(policy: AshaPolicy, reportCount: number): number[] {
  const reductionFactor = policy.reduction_factor ?? 3;
  const limit = policy.max_resource ?? Number.POSITIVE_INFINITY;
  const reports: number[] = [];
  // The guards keep a policy earlyTerminationProblems would refuse (a factor below 2, a fraction) from looping or reading report 0.
  for (let report = Math.max(1, Math.ceil(policy.min_resource ?? 1)); report <= reportCount && report < limit; ) {
    reports.push(report);
    const next = Math.ceil(report * reductionFactor);
    if (next <= report) break;
    report = next;
  }
  return reports;
}
