import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EarlyTermination } from '../sweep-types.js';
import { earlyTerminationProblems } from './early-termination-problems.js';

/** The problems of a policy under random sampling, as `path: message` lines. */
function problemsOf(policy: EarlyTermination): string[] {
  return earlyTerminationProblems(policy, 'random').map((problem) => `${problem.path}: ${problem.message}`);
}

describe('early-termination problems', () => {
  it('accepts each policy as Azure ML’s examples write it', () => {
    assert.deepEqual(problemsOf({ type: 'bandit', slack_factor: 0.1, evaluation_interval: 1, delay_evaluation: 5 }), []);
    assert.deepEqual(problemsOf({ type: 'bandit', slack_amount: 0.2 }), []);
    assert.deepEqual(problemsOf({ type: 'median_stopping', evaluation_interval: 1, delay_evaluation: 5 }), []);
    assert.deepEqual(problemsOf({ type: 'truncation_selection', truncation_percentage: 20, exclude_finished_jobs: true }), []);
    assert.deepEqual(problemsOf({ type: 'asha', min_resource: 1, reduction_factor: 3, max_resource: 81, evaluation_interval: 1 }), []);
  });

  it('accepts early termination with bayesian sampling (a Trellis extension; Azure ML refuses it)', () => {
    assert.deepEqual(earlyTerminationProblems({ type: 'bandit', slack_factor: 0.1 }, 'bayesian'), []);
    assert.deepEqual(earlyTerminationProblems({ type: 'median_stopping' }, 'tpe'), []);
  });

  it('needs exactly one bandit slack, 0 or more', () => {
    assert.deepEqual(problemsOf({ type: 'bandit' }), [
      'early_termination: a bandit policy needs its slack: set slack_factor (a ratio of the best trial, e.g. 0.1) or slack_amount (a distance in the metric’s units, e.g. 0.05)',
    ]);
    assert.deepEqual(problemsOf({ type: 'bandit', slack_factor: 0.1, slack_amount: 0.2 }), [
      'early_termination.slack_amount: a bandit policy takes slack_factor or slack_amount, not both; remove one',
    ]);
    assert.deepEqual(problemsOf({ type: 'bandit', slack_factor: -0.1 }), [
      'early_termination.slack_factor: slack_factor is -0.1; make it a number, 0 or more (0: no slack)',
    ]);
    assert.deepEqual(problemsOf({ type: 'bandit', slack_amount: Number.NaN }), [
      'early_termination.slack_amount: slack_amount is NaN; make it a number, 0 or more (0: no slack)',
    ]);
  });

  it('needs whole intervals and delays, 0 or more, for every policy', () => {
    assert.deepEqual(problemsOf({ type: 'median_stopping', evaluation_interval: 1.5, delay_evaluation: -1 }), [
      'early_termination.evaluation_interval: evaluation_interval is 1.5; make it a whole number of reports of the primary metric, 0 or more (0 or 1: every report)',
      'early_termination.delay_evaluation: delay_evaluation is -1; make it a whole number of reports of the primary metric, 0 or more (0: no delay)',
    ]);
    assert.equal(problemsOf({ type: 'bandit', slack_factor: 0.1, evaluation_interval: -2 }).length, 1);
    assert.equal(problemsOf({ type: 'truncation_selection', truncation_percentage: 10, delay_evaluation: 0.5 }).length, 1);
  });

  it('needs a truncation_percentage from 1 to 99', () => {
    for (const percentage of [0, 100, 12.5]) {
      assert.deepEqual(problemsOf({ type: 'truncation_selection', truncation_percentage: percentage }), [
        `early_termination.truncation_percentage: truncation_percentage is ${percentage}; make it a whole number from 1 to 99 (the percentage of trials stopped at each evaluation)`,
      ]);
    }
    assert.deepEqual(problemsOf({ type: 'truncation_selection', truncation_percentage: 1 }), []);
    assert.deepEqual(problemsOf({ type: 'truncation_selection', truncation_percentage: 99 }), []);
  });

  it('needs asha’s rungs to make sense: reduction_factor ≥ 2, min_resource ≥ 1, max_resource above min_resource', () => {
    assert.deepEqual(problemsOf({ type: 'asha', reduction_factor: 1, min_resource: 0, max_resource: 0.5 }), [
      'early_termination.min_resource: min_resource is 0; make it a whole number of reports of the primary metric, 1 or more (the first rung)',
      'early_termination.reduction_factor: reduction_factor is 1; make it a whole number, 2 or more (3 keeps the best third at each rung)',
      'early_termination.max_resource: max_resource is 0.5; make it a whole number of reports above min_resource (0), or leave it out, or no rung lies below it',
    ]);
    assert.deepEqual(problemsOf({ type: 'asha', min_resource: 4, max_resource: 4 }), [
      'early_termination.max_resource: max_resource is 4; make it a whole number of reports above min_resource (4), or leave it out, or no rung lies below it',
    ]);
    assert.equal(problemsOf({ type: 'asha', reduction_factor: 2.5 }).length, 1);
  });

  it('refuses an interval or a delay for asha, whose rungs say when it judges', () => {
    assert.deepEqual(problemsOf({ type: 'asha', evaluation_interval: 2, delay_evaluation: 3 }), [
      'early_termination.evaluation_interval: asha judges trials at its rungs (min_resource × reduction_factor^i reports), not every evaluation_interval; remove evaluation_interval',
      'early_termination.delay_evaluation: asha judges trials at its rungs, so delay_evaluation does not apply; remove it and raise min_resource to judge later',
    ]);
    assert.deepEqual(problemsOf({ type: 'asha', evaluation_interval: 0, delay_evaluation: 0 }), []);
  });
});
