import type { Problem } from '../../errors.js';
import type { EarlyTermination, SamplingAlgorithm } from '../sweep-types.js';
import type { AshaPolicy } from './asha-policy.js';
import type { BanditPolicy } from './bandit-policy.js';
import type { PolicyTiming } from './policy-timing.js';

const at = 'early_termination';

/**
 * What is wrong with an early-termination policy, each problem naming the field and the fix
 * (empty when it can run). Azure ML refuses any early termination with bayesian sampling, since
 * its bayesian sampler learns from the final metrics that stopped trials never reach; Trellis
 * accepts it as a documented extension (a stopped trial is a bad point the sampler may learn
 * from), so the sampling type refuses nothing today. It is taken so that a rule that does depend
 * on it needs no change at the callers.
 */
export function earlyTerminationProblems(policy: EarlyTermination, _samplingType: SamplingAlgorithm['type']): Problem[] {
  switch (policy.type) {
    case 'bandit':
      return [...timingProblems(policy), ...banditProblems(policy)];
    case 'median_stopping':
      return timingProblems(policy);
    case 'truncation_selection':
      return [...timingProblems(policy), ...truncationProblems(policy.truncation_percentage)];
    case 'asha':
      return ashaProblems(policy);
  }
}

function timingProblems(timing: PolicyTiming): Problem[] {
  const problems: Problem[] = [];
  const { evaluation_interval: interval, delay_evaluation: delay } = timing;
  if (interval !== undefined && !isWholeNumber(interval, 0)) {
    problems.push({
      path: `${at}.evaluation_interval`,
      message: `evaluation_interval is ${interval}; make it a whole number of reports of the primary metric, 0 or more (0 or 1: every report)`,
    });
  }
  if (delay !== undefined && !isWholeNumber(delay, 0)) {
    problems.push({
      path: `${at}.delay_evaluation`,
      message: `delay_evaluation is ${delay}; make it a whole number of reports of the primary metric, 0 or more (0: no delay)`,
    });
  }
  return problems;
}

function banditProblems(policy: BanditPolicy): Problem[] {
  const { slack_factor: factor, slack_amount: amount } = policy;
  if (factor === undefined && amount === undefined) {
    return [
      {
        path: at,
        message:
          'a bandit policy needs its slack: set slack_factor (a ratio of the best trial, e.g. 0.1) or slack_amount (a distance in the metric’s units, e.g. 0.05)',
      },
    ];
  }
  if (factor !== undefined && amount !== undefined) {
    return [{ path: `${at}.slack_amount`, message: 'a bandit policy takes slack_factor or slack_amount, not both; remove one' }];
  }
  const [field, value] = factor !== undefined ? ['slack_factor', factor] : ['slack_amount', amount];
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
    return [{ path: `${at}.${field}`, message: `${field} is ${value}; make it a number, 0 or more (0: no slack)` }];
  }
  return [];
}

function truncationProblems(percentage: number): Problem[] {
  if (isWholeNumber(percentage, 1) && percentage <= 99) return [];
  return [
    {
      path: `${at}.truncation_percentage`,
      message: `truncation_percentage is ${percentage}; make it a whole number from 1 to 99 (the percentage of trials stopped at each evaluation)`,
    },
  ];
}

function ashaProblems(policy: AshaPolicy): Problem[] {
  const problems: Problem[] = [];
  const { min_resource: minResource, reduction_factor: reductionFactor, max_resource: maxResource } = policy;
  if (minResource !== undefined && !isWholeNumber(minResource, 1)) {
    problems.push({
      path: `${at}.min_resource`,
      message: `min_resource is ${minResource}; make it a whole number of reports of the primary metric, 1 or more (the first rung)`,
    });
  }
  if (reductionFactor !== undefined && !isWholeNumber(reductionFactor, 2)) {
    problems.push({
      path: `${at}.reduction_factor`,
      message: `reduction_factor is ${reductionFactor}; make it a whole number, 2 or more (3 keeps the best third at each rung)`,
    });
  }
  const firstRung = minResource ?? 1;
  if (maxResource !== undefined && !(isWholeNumber(maxResource, 1) && maxResource > firstRung)) {
    problems.push({
      path: `${at}.max_resource`,
      message: `max_resource is ${maxResource}; make it a whole number of reports above min_resource (${firstRung}), or leave it out, or no rung lies below it`,
    });
  }
  // Asha's rungs say when it judges; an interval or a delay on top would skip rungs and break the halving.
  if (policy.evaluation_interval !== undefined && policy.evaluation_interval > 1) {
    problems.push({
      path: `${at}.evaluation_interval`,
      message: `asha judges trials at its rungs (min_resource × reduction_factor^i reports), not every evaluation_interval; remove evaluation_interval`,
    });
  }
  if (policy.delay_evaluation !== undefined && policy.delay_evaluation > 0) {
    problems.push({
      path: `${at}.delay_evaluation`,
      message: 'asha judges trials at its rungs, so delay_evaluation does not apply; remove it and raise min_resource to judge later',
    });
  }
  return [...timingProblems(policy), ...problems];
}

function isWholeNumber(value: number, atLeast: number): boolean {
  return Number.isInteger(value) && value >= atLeast;
}
