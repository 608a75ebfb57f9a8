import type { EarlyTermination, Goal, StopDecision, TrialProgress } from '../sweep-types.js';
import { ashaStops } from './asha-policy.js';
import { banditStops } from './bandit-policy.js';
import { medianStoppingStops } from './median-stopping-policy.js';
import { truncationSelectionStops } from './truncation-selection-policy.js';

/**
 * The running trials an early-termination policy stops now, each with a reason that names the
 * policy, the interval (or rung) and the figures that decided it, in trial order. Pure and decided
 * from the report histories alone, so the sweep runner can call it on every pass and after a
 * restart and get the same answer for the same histories: each running trial is judged at the
 * latest point it has reached where the policy applies, never again at one it has passed
 * (judge-running-trials.ts). Ended trials are never stopped but count as company. The policy is
 * one that earlyTerminationProblems accepts; each rule is in its policy's file.
 */
export function evaluatePolicy(policy: EarlyTermination, goal: Goal, trials: readonly TrialProgress[]): StopDecision[] {
  const inOrder = [...trials].sort((first, second) => first.index - second.index);
  switch (policy.type) {
    case 'bandit':
      return banditStops(policy, goal, inOrder);
    case 'median_stopping':
      return medianStoppingStops(policy, goal, inOrder);
    case 'truncation_selection':
      return truncationSelectionStops(policy, goal, inOrder);
    case 'asha':
      return ashaStops(policy, goal, inOrder);
  }
}
