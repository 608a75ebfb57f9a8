import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobState } from '../jobs/job-lifecycle.js';
import type { PipelineStep, StepState } from './pipeline-job.js';
import { type PipelineSituation, planPipeline } from './plan-pipeline.js';

/** prep → train → evaluate, and report beside them reading nothing. */
const dependencies = new Map([
  ['prep', []],
  ['train', ['prep']],
  ['evaluate', ['train']],
  ['report', []],
]);

function situation(
  states: Record<string, StepState | JobState>,
  options: Partial<Pick<PipelineSituation, 'state' | 'stopRequest' | 'continueOnStepFailure'>> = {},
): PipelineSituation {
  const steps: PipelineStep[] = [];
  const jobs: PipelineSituation['jobs'] = new Map();
  for (const name of dependencies.keys()) {
    const given = states[name] ?? 'Waiting';
    const isStepState = ['Waiting', 'Skipped', 'NotSubmitted', 'Reused'].includes(given);
    steps.push({
      workspace: 'w',
      pipeline: 'p',
      step: name,
      state: isStepState ? (given as StepState) : 'Submitted',
      job: isStepState && given !== 'Reused' ? null : `p-${name}`,
      reason: null,
      reuseNote: null,
    });
    if (!isStepState) jobs.set(name, { state: given as JobState, stopRequest: null });
  }
  return { state: 'Queued', stopRequest: null, continueOnStepFailure: false, steps, dependencies, jobs, ...options };
}

describe('planPipeline', () => {
  it('submits every step whose upstream completed, and says the pipeline runs', () => {
    assert.deepEqual(planPipeline(situation({})), {
      submit: ['prep', 'report'],
      skip: [],
      cancel: [],
      next: { state: 'Running', reason: null },
    });
    const middle = planPipeline(situation({ prep: 'Completed', report: 'Running' }, { state: 'Running' }));
    assert.deepEqual(middle, { submit: ['train'], skip: [], cancel: [] });
    assert.deepEqual(planPipeline(situation({ prep: 'Completed', train: 'Queued', report: 'Completed' }, { state: 'Running' })).submit, []);
  });

  it('completes when every step completed', () => {
    const done = planPipeline(
      situation({ prep: 'Completed', train: 'Completed', evaluate: 'Completed', report: 'Completed' }, { state: 'Running' }),
    );
    assert.deepEqual(done.next, { state: 'Completed', reason: null });
  });

  it('stops at a failed step: cancels the running ones, skips the waiting ones, and fails naming the step', () => {
    const failing = planPipeline(situation({ prep: 'Failed', report: 'Running' }, { state: 'Running' }));
    assert.deepEqual(failing.cancel, ['report']);
    assert.deepEqual(
      failing.skip.map((item) => item.step),
      ['train', 'evaluate'],
    );
    assert.equal(failing.next, undefined, 'report is still being canceled');
    const failed = planPipeline(
      situation({ prep: 'Failed', train: 'Skipped', evaluate: 'Skipped', report: 'Canceled' }, { state: 'Running' }),
    );
    assert.deepEqual(failed.next, { state: 'Failed', reason: 'step prep, report did not complete; not run: train, evaluate' });
  });

  it('with continue_on_step_failure runs what does not depend on the failed step, then fails', () => {
    const going = planPipeline(situation({ prep: 'Failed' }, { state: 'Running', continueOnStepFailure: true }));
    assert.deepEqual(going.submit, ['report']);
    assert.deepEqual(going.skip, [
      { step: 'train', reason: 'not run: step prep, whose output it reads, did not complete' },
      { step: 'evaluate', reason: 'not run: step train, whose output it reads, did not complete' },
    ]);
    const end = planPipeline(
      situation(
        { prep: 'Failed', train: 'Skipped', evaluate: 'Skipped', report: 'Completed' },
        { state: 'Running', continueOnStepFailure: true },
      ),
    );
    assert.deepEqual(end.next, { state: 'Failed', reason: 'step prep did not complete; not run: train, evaluate' });
  });

  it('counts a step whose job was refused as failed', () => {
    const refused = planPipeline(situation({ prep: 'NotSubmitted', report: 'Completed' }, { state: 'Running' }));
    assert.deepEqual(refused.next, { state: 'Failed', reason: 'step prep did not complete; not run: train, evaluate' });
  });

  it('cancels: cancels running steps once, skips the rest, and is Canceled when they ended', () => {
    const canceling = planPipeline(situation({ prep: 'Running' }, { state: 'Running', stopRequest: 'cancel:user:alice' }));
    assert.deepEqual(canceling.cancel, ['prep']);
    assert.deepEqual(
      canceling.skip.map((item) => item.reason),
      Array(3).fill('the pipeline was canceled before it started'),
    );
    const asked = situation({ prep: 'Running' }, { state: 'Running', stopRequest: 'cancel:user:alice' });
    asked.jobs.set('prep', { state: 'Running', stopRequest: 'cancel:user:alice' });
    assert.deepEqual(planPipeline(asked).cancel, [], 'a cancel already asked is not asked again');
    const canceled = planPipeline(
      situation(
        { prep: 'Canceled', train: 'Skipped', evaluate: 'Skipped', report: 'Skipped' },
        { state: 'Running', stopRequest: 'cancel:user:alice' },
      ),
    );
    assert.deepEqual(canceled.next, { state: 'Canceled', reason: 'canceled by user:alice' });
  });

  it('plans nothing for a pipeline that ended', () => {
    assert.deepEqual(planPipeline(situation({}, { state: 'Canceled' })), { submit: [], skip: [], cancel: [] });
  });
});
