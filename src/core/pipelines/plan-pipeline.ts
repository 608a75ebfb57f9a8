import type { JobState } from '../jobs/job-lifecycle.js';
import type { PipelineState, PipelineStep } from './pipeline-job.js';

/**
 * What a pipeline does next, from where its steps stand: which waiting steps to submit (every step
 * they read from completed), which to skip, which running steps to cancel, and the pipeline's own
 * state. Pure and level-triggered: the runner acts on the plan and asks again, so a restart
 * anywhere in between only repeats what was not yet done.
 */

export interface PipelineSituation {
  state: PipelineState;
  /** A cancel asked for and not yet seen through. */
  stopRequest: string | null;
  continueOnStepFailure: boolean;
  /** The steps, in the file's order. */
  steps: PipelineStep[];
  /** The steps each step reads outputs from. */
  dependencies: Map<string, string[]>;
  /** The command jobs of submitted steps, by step name. */
  jobs: Map<string, { state: JobState; stopRequest: string | null }>;
}

export interface PipelinePlan {
  submit: string[];
  skip: Array<{ step: string; reason: string }>;
  /** Steps whose command job is to be canceled. */
  cancel: string[];
  /** The pipeline's new state, when it changes. */
  next?: { state: PipelineState; reason: string | null };
}

type Outcome = 'waiting' | 'active' | 'completed' | 'failed' | 'canceled' | 'skipped';

const ended = new Set<Outcome>(['completed', 'failed', 'canceled', 'skipped']);

export function planPipeline(situation: PipelineSituation): PipelinePlan {
  const outcome = new Map<string, Outcome>();
  for (const step of situation.steps) outcome.set(step.step, outcomeOf(step, situation.jobs.get(step.step)));
  const failed = situation.steps.filter((step) => ['failed', 'canceled'].includes(outcome.get(step.step)!)).map((step) => step.step);
  const stopping = situation.stopRequest !== null;
  const halted = stopping || (failed.length > 0 && !situation.continueOnStepFailure);

  const plan: PipelinePlan = { submit: [], skip: [], cancel: [] };
  if (situation.state === 'Completed' || situation.state === 'Failed' || situation.state === 'Canceled') return plan;
  for (const step of situation.steps) {
    const now = outcome.get(step.step)!;
    if (now === 'active' && halted && situation.jobs.get(step.step)?.stopRequest == null) plan.cancel.push(step.step);
    if (now === 'waiting' && halted) {
      plan.skip.push({
        step: step.step,
        reason: stopping ? 'the pipeline was canceled before it started' : `not run: step ${failed.join(', ')} did not complete`,
      });
      outcome.set(step.step, 'skipped');
    }
  }
  // A step whose upstream did not complete is skipped, and so on down the graph, until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const step of situation.steps) {
      if (outcome.get(step.step) !== 'waiting') continue;
      const blocked = (situation.dependencies.get(step.step) ?? []).filter((name) =>
        ['failed', 'canceled', 'skipped'].includes(outcome.get(name) ?? ''),
      );
      if (blocked.length === 0) continue;
      plan.skip.push({ step: step.step, reason: `not run: step ${blocked.join(', ')}, whose output it reads, did not complete` });
      outcome.set(step.step, 'skipped');
      changed = true;
    }
  }
  for (const step of situation.steps)
    if (
      outcome.get(step.step) === 'waiting' &&
      (situation.dependencies.get(step.step) ?? []).every((name) => outcome.get(name) === 'completed')
    )
      plan.submit.push(step.step);

  const all = situation.steps.map((step) => (plan.submit.includes(step.step) ? 'active' : outcome.get(step.step)!));
  if (all.every((value) => ended.has(value))) {
    if (stopping) plan.next = { state: 'Canceled', reason: `canceled by ${situation.stopRequest!.replace(/^cancel:/, '') || 'a user'}` };
    else if (all.every((value) => value === 'completed')) plan.next = { state: 'Completed', reason: null };
    else {
      const notRun = situation.steps.filter((step) => outcome.get(step.step) === 'skipped').map((step) => step.step);
      plan.next = {
        state: 'Failed',
        reason: `step ${failed.join(', ')} did not complete${notRun.length > 0 ? `; not run: ${notRun.join(', ')}` : ''}`,
      };
    }
  } else if (situation.state === 'Queued' && all.some((value) => value !== 'waiting')) {
    plan.next = { state: 'Running', reason: null };
  }
  return plan;
}

function outcomeOf(step: PipelineStep, job: { state: JobState } | undefined): Outcome {
  if (step.state === 'Waiting') return 'waiting';
  // The earlier job it reuses completed: that is what Reused means.
  if (step.state === 'Reused') return 'completed';
  if (step.state === 'Skipped') return 'skipped';
  if (step.state === 'NotSubmitted') return 'failed';
  // Submitted, but its job is not there (deleted by hand): it did not complete.
  if (!job) return 'failed';
  if (job.state === 'Completed') return 'completed';
  if (job.state === 'Failed') return 'failed';
  if (job.state === 'Canceled') return 'canceled';
  return 'active';
}
