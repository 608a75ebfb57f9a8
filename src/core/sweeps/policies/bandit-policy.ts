import type { EarlyTermination, Goal, StopDecision, TrialProgress } from '../sweep-types.js';
import { figure } from './figure.js';
import { isWorse, withoutFloatNoise } from './metric-order.js';
import { judgeRunningTrials, oncePerPoint } from './judge-running-trials.js';
import { latestAppliedInterval } from './policy-timing.js';
import { bestUpTo, trialsAtInterval } from './trial-history.js';

export type BanditPolicy = Extract<EarlyTermination, { type: 'bandit' }>;

/**
 * Azure ML's bandit policy. At an applied interval k (policy-timing.ts), a running trial is
 * stopped when its best value in intervals 1..k is strictly worse than the threshold, where best
 * is the best value in intervals 1..k of any trial that reached k (running or ended, the judged
 * one included) and the threshold moves best toward worse by the slack:
 * - slack_amount a: best − a (maximize), best + a (minimize);
 * - slack_factor f: best / (1 + f) (maximize), best × (1 + f) (minimize), for best ≥ 0.
 * Azure words it with each trial's "best metric at interval 10" against the best performing job's
 * 0.8 (0.8 / (1 + 0.2) = 0.66), hence best-so-far on both sides rather than the single value
 * reported at k. Azure leaves a negative best undefined; there the division and the multiplication
 * swap (maximize: best × (1 + f), minimize: best / (1 + f)) so the slack still loosens the bar
 * instead of putting it beyond the best trial, which would stop everyone.
 * A policy with both slacks (earlyTerminationProblems refuses it) uses slack_factor; with
 * neither, no slack.
 */
export function banditStops(policy: BanditPolicy, goal: Goal, trials: readonly TrialProgress[]): StopDecision[] {
  const bestAt = oncePerPoint((interval) => bestTrialAt(goal, trials, interval));
  return judgeRunningTrials(
    trials,
    (reportCount) => latestAppliedInterval(policy, reportCount),
    (trial, interval) => {
      const leader = bestAt(interval);
      const bar = threshold(policy, goal, leader.value);
      const value = bestUpTo(goal, trial, interval);
      if (!isWorse(goal, value, bar.value)) return null;
      return (
        `bandit policy (${bar.slack}) at interval ${interval}: best primary metric ${figure(value)} is worse than ` +
        `${figure(bar.value)} = ${bar.formula}, where ${figure(leader.value)} is the best at interval ${interval} (trial ${leader.index})`
      );
    },
  );
}

interface Leader {
  index: number;
  value: number;
}

/** The trial with the best value up to `interval` among those that reached it; the lowest index on a tie, so the reason never flickers. */
function bestTrialAt(goal: Goal, trials: readonly TrialProgress[], interval: number): Leader {
  let leader: Leader | null = null;
  for (const trial of trialsAtInterval(trials, interval)) {
    const value = bestUpTo(goal, trial, interval);
    const isLeader = leader === null || isWorse(goal, leader.value, value) || (leader.value === value && trial.index < leader.index);
    if (isLeader) leader = { index: trial.index, value };
  }
  // Only called for an interval a running trial reached, so the company is never empty.
  if (leader === null) throw new Error(`no trial reached interval ${interval}`);
  return leader;
}

interface Threshold {
  value: number;
  /** How the threshold was made from the best, in figures. */
  formula: string;
  /** The slack setting, as the policy names it. */
  slack: string;
}

function threshold(policy: BanditPolicy, goal: Goal, best: number): Threshold {
  const shown = figure(best);
  if (policy.slack_factor !== undefined) {
    const factor = policy.slack_factor;
    const slack = `slack_factor ${figure(factor)}`;
    // Dividing moves a positive maximize best down (toward worse); a negative one needs the multiplication.
    const divides = (goal === 'maximize') === best >= 0;
    return divides
      ? { value: withoutFloatNoise(best / (1 + factor)), formula: `${shown} / (1 + ${figure(factor)})`, slack }
      : { value: withoutFloatNoise(best * (1 + factor)), formula: `${shown} × (1 + ${figure(factor)})`, slack };
  }
  const amount = policy.slack_amount ?? 0;
  const slack = `slack_amount ${figure(amount)}`;
  return goal === 'maximize'
    ? { value: withoutFloatNoise(best - amount), formula: `${shown} − ${figure(amount)}`, slack }
    : { value: withoutFloatNoise(best + amount), formula: `${shown} + ${figure(amount)}`, slack };
}
