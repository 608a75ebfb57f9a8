import type { EarlyTermination } from '../sweep-types.js';

/** The timing fields every policy has: when in a trial's reports the policy is applied. */
export type PolicyTiming = Pick<EarlyTermination, 'evaluation_interval' | 'delay_evaluation'>;

/**
 * The applied intervals, as Azure ML documents them: "the policy applies every multiple of
 * evaluation_interval that is greater than or equal to delay_evaluation". So interval k (the
 * k-th report of the primary metric, 1-based) is applied when k is a multiple of
 * evaluation_interval and k ≥ delay_evaluation, with an evaluation_interval of 0 or absent read
 * as 1 (every report). That is the reading Azure's worked examples take: interval 1 and delay 5
 * apply at 5, 6, 7, ...; interval 100 and delay 200 first apply at 200; interval 2 and delay 5
 * apply at 6, 8, 10. (Reading delay_evaluation as an offset, k > delay and (k − delay) a multiple
 * of the interval, would first apply at 6 in the first example, which Azure's text contradicts.)
 *
 * Returns the latest applied interval among a trial's first `reportCount` reports, or null when
 * none of them is applied yet.
 */
export function latestAppliedInterval(timing: PolicyTiming, reportCount: number): number | null {
  const every = timing.evaluation_interval || 1;
  const delay = timing.delay_evaluation ?? 0;
  const latestMultiple = reportCount - (reportCount % every);
  return latestMultiple >= 1 && latestMultiple >= delay ? latestMultiple : null;
}
