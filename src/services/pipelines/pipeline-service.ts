import { TrellisError } from '../../core/errors.js';
import { cancelRequest } from '../../core/jobs/cancel-request.js';
import type { Job } from '../../core/jobs/job.js';
import type { JobState } from '../../core/jobs/job-lifecycle.js';
import type { PipelineJob, PipelineStep, StepState } from '../../core/pipelines/pipeline-job.js';
import { stepDependencies } from '../../core/pipelines/pipeline-graph.js';
import type { Caller, Context } from '../context.js';
import { auditJob } from '../jobs/job-audit.js';

/** A step as people read it: where it stands, the job that ran it, and the steps it waited for. */
export interface StepView extends PipelineStep {
  /** The step's job's state once submitted, else the step's own (Waiting, Skipped, NotSubmitted). */
  status: JobState | StepState;
  dependsOn: string[];
  runId: string | null;
  startedAt: number | null;
  endedAt: number | null;
}

export interface PipelineView extends PipelineJob {
  steps: StepView[];
}

export async function getPipeline(context: Context, workspace: string, name: string): Promise<PipelineView> {
  const pipeline = await context.store.repositories.pipelines.get(workspace, name);
  if (!pipeline)
    throw new TrellisError(
      'JobNotFound',
      404,
      `no pipeline job named '${name}' in workspace '${workspace}'; list them with: trellis job list`,
    );
  return withSteps(context, pipeline);
}

export async function listPipelines(
  context: Context,
  workspace: string,
  options: { limit: number; before?: { submittedAt: number; name: string } | undefined },
): Promise<PipelineJob[]> {
  return context.store.repositories.pipelines.list(workspace, options);
}

/** Asks a live pipeline to stop: the pipeline runner cancels its running steps and skips the rest. A finished one is refused (409). */
export async function cancelPipeline(context: Context, caller: Caller, workspace: string, name: string): Promise<PipelineView> {
  const pipeline = await getPipeline(context, workspace, name);
  if (['Completed', 'Failed', 'Canceled'].includes(pipeline.state))
    throw new TrellisError(
      'JobFinished',
      409,
      `pipeline job '${name}' is already ${pipeline.state}; only queued or running jobs can be canceled`,
    );
  const now = context.clock().getTime();
  await context.store.transaction(async (repositories) => {
    await repositories.pipelines.update(workspace, name, { stopRequest: cancelRequest(caller.actor) });
    await auditJob(
      repositories,
      caller,
      { workspace, name, action: 'update', afterDigest: null, summary: 'cancel requested (pipeline)' },
      now,
    );
  });
  return getPipeline(context, workspace, name);
}

async function withSteps(context: Context, pipeline: PipelineJob): Promise<PipelineView> {
  const repositories = context.store.repositories;
  const dependencies = stepDependencies(pipeline.spec);
  const steps: StepView[] = [];
  for (const step of await repositories.pipelines.steps(pipeline.workspace, pipeline.name)) {
    // A sweep step's job is a sweep job: its state and reason are the sweep's.
    const sweep =
      step.job && pipeline.spec.jobs[step.step]?.sweep ? await repositories.sweeps.get(pipeline.workspace, step.job) : undefined;
    const job: Pick<Job, 'state' | 'reason' | 'runId' | 'startedAt' | 'endedAt'> | undefined =
      sweep ?? (step.job ? await repositories.jobs.get(pipeline.workspace, step.job) : undefined);
    steps.push({
      ...step,
      // A reused step's job is the earlier one: it says Reused, not that job's Completed.
      status: step.state === 'Reused' ? 'Reused' : (job?.state ?? step.state),
      reason: job && step.state !== 'Reused' ? job.reason : step.reason,
      dependsOn: dependencies.get(step.step) ?? [],
      runId: job?.runId ?? null,
      startedAt: job?.startedAt ?? null,
      endedAt: job?.endedAt ?? null,
    });
  }
  return { ...pipeline, steps };
}
