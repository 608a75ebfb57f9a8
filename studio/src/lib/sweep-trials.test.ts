import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SweepProgress, SweepTrial } from '../api/sweeps.js';
import { bestSoFar, progressText, sweepDimensions, sweepSettings, trialsByObjective } from './sweep-trials.js';

const trial = (
  index: number,
  objective: number | null,
  status: SweepTrial['status'] = 'Completed',
  stopReason: string | null = null,
): SweepTrial => ({
  index,
  job: `s_${index}`,
  parameters: { x: index + 0.5, kind: index % 2 ? 'b' : 'a' },
  status,
  reason: null,
  objective,
  reports: objective === null ? 0 : 1,
  isFinal: status !== 'Running',
  stopReason,
  runId: null,
  startedAt: null,
  endedAt: null,
});

describe('sweepSettings', () => {
  it('reads the objective, the hyperparameters in order, the sampling and the policy from the spec', () => {
    const settings = sweepSettings({
      objective: { goal: 'Maximize', primary_metric: 'accuracy' },
      search_space: { lr: { type: 'uniform' }, batch: { type: 'choice' } },
      sampling_algorithm: { type: 'random', seed: 7 },
      early_termination: { type: 'bandit', slack_amount: 0.2, evaluation_interval: 1 },
    });
    assert.deepEqual(settings, {
      goal: 'maximize',
      primaryMetric: 'accuracy',
      parameterNames: ['lr', 'batch'],
      sampling: 'random (seed 7)',
      earlyTermination: 'bandit (slack_amount 0.2, evaluation_interval 1)',
    });
    assert.equal(sweepSettings({ sampling_algorithm: 'grid' }).earlyTermination, undefined);
    assert.equal(sweepSettings({ sampling_algorithm: 'grid' }).sampling, 'grid');
  });
});

describe('trialsByObjective', () => {
  const trials = [trial(0, 3), trial(1, null, 'Failed'), trial(2, 1), trial(3, 2, 'Running'), trial(4, 1), trial(5, null)];

  it('puts the lowest first to minimize, ties by index, trials without an objective last', () => {
    assert.deepEqual(
      trialsByObjective('minimize', trials).map((item) => item.index),
      [2, 4, 3, 0, 1, 5],
    );
  });

  it('puts the highest first to maximize', () => {
    assert.deepEqual(
      trialsByObjective('maximize', trials).map((item) => item.index),
      [0, 3, 2, 4, 1, 5],
    );
  });
});

describe('bestSoFar', () => {
  it('steps at the completed trials that improve on the best, ignoring stopped, running and failed ones', () => {
    const trials = [
      trial(1, 5),
      trial(0, 9, 'Running'),
      trial(2, 0.5, 'Canceled', 'bandit policy ...'),
      trial(3, 7),
      trial(4, 2),
      trial(5, null, 'Failed'),
    ];
    assert.deepEqual(bestSoFar('minimize', trials), [
      { index: 1, value: 5 },
      { index: 2, value: 5 },
      { index: 3, value: 5 },
      { index: 4, value: 2 },
      { index: 5, value: 2 },
    ]);
    assert.deepEqual(
      bestSoFar('maximize', trials).map((point) => point.value),
      [5, 5, 7, 7, 7],
    );
  });

  it('is empty until a trial completes with an objective', () => {
    assert.deepEqual(bestSoFar('minimize', [trial(0, 1, 'Running'), trial(1, null, 'Failed')]), []);
  });
});

describe('progressText', () => {
  const progress: SweepProgress = {
    trials: 3,
    maxTotalTrials: 4,
    running: 1,
    completed: 1,
    failed: 0,
    canceled: 1,
    stoppedEarly: 1,
    withoutObjective: 0,
  };

  it('says how far the sweep is, as the CLI does', () => {
    assert.equal(progressText(progress), '3 of 4 trials: 1 running, 1 completed, 1 stopped early, 0 failed, 0 without objective');
  });

  it('adds the trials canceled other than by the policy', () => {
    assert.match(progressText({ ...progress, canceled: 3 }), /, 2 canceled$/);
  });
});

describe('sweepDimensions', () => {
  const settings = sweepSettings({ objective: { goal: 'minimize', primary_metric: 'loss' }, search_space: { x: {}, kind: {} } });
  const trials = [trial(0, 4), trial(1, null, 'Failed'), trial(2, 2), trial(3, 3)];

  it('has an axis per hyperparameter, then the objective, over the trials with an objective', () => {
    const dimensions = sweepDimensions(settings, trials);
    assert.deepEqual(
      dimensions.map((dimension) => dimension.label),
      ['x', 'kind', 'loss'],
    );
    assert.deepEqual(dimensions[0]?.positions, [0, 2 / 3, 1]);
    assert.deepEqual(dimensions[1]?.positions, [0, 0, 1]);
  });

  it('turns the objective so the better end is at the top', () => {
    assert.deepEqual(sweepDimensions(settings, trials)[2]?.positions, [0, 1, 0.5]);
    const maximize = sweepSettings({ objective: { goal: 'maximize', primary_metric: 'acc' }, search_space: { x: {} } });
    const [, objective] = sweepDimensions(maximize, trials);
    assert.deepEqual(objective?.positions, [1, 0, 0.5]);
  });
});
