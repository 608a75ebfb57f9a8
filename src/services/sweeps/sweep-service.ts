import { defaultSweepLimits } from '../../core/azureml/sweep-job-schema.js';
import { TrellisError } from '../../core/errors.js';
import { cancelRequest } from '../../core/jobs/cancel-request.js';
import type { Job } from '../../core/jobs/job.js';
import type { JobState } from '../../core/jobs/job-lifecycle.js';
import { bestTrial, isEnded, objectiveOf } from '../../core/sweeps/plan-sweep.js';
import type { SweepJob, SweepTrial } from '../../core/sweeps/sweep-job.js';
import type { MetricReport } from '../../core/sweeps/sweep-types.js';
import type { Caller, Context } from '../context.js';
import { auditJob } from '../jobs/job-audit.js';

/** A trial as people read it: its job's state, its hyperparameters, and the objective so far. */
export interface TrialView extends SweepTrial {
  /** The trial's job's state. */
  status: JobState;
  reason: string | null;
  runId: string | null;
  startedAt: number | null;
  endedAt: number | null;
}

export interface SweepProgress {
  /** Trials sampled so far, and the most the sweep will run. */
  trials: number;
  maxTotalTrials: number;
  running: number;
  completed: number;
  failed: number;
  canceled: number;
  /** Stopped by the early-termination policy (counted in canceled too). */
  stoppedEarly: number;
  /** Ended without ever logging the primary metric. */
  withoutObjective: number;
}

export interface SweepView extends SweepJob {
  trials: TrialView[];
  best: TrialView | null;
  progress: SweepProgress;
}

export async function getSweep(context: Context, workspace: string, name: string): Promise<SweepView> {
  const sweep = await context.store.repositories.sweeps.get(workspace, name);
  if (!sweep)
    throw new TrellisError(
      'JobNotFound',
      404,
      `no sweep job named '${name}' in workspace '${workspace}'; list them with: trellis job list`,
    );
  return withTrials(context, sweep);
}

export async function listSweeps(
  context: Context,
  workspace: string,
  options: { limit: number; before?: { submittedAt: number; name: string } | undefined },
): Promise<SweepJob[]> {
  return context.store.repositories.sweeps.list(workspace, options);
}

/** Asks a live sweep to stop: the sweep runner cancels its running trials and starts no more. A finished one is refused (409). */
export async function cancelSweep(context: Context, caller: Caller, workspace: string, name: string): Promise<SweepView> {
  const sweep = await getSweep(context, workspace, name);
  if (['Completed', 'Failed', 'Canceled'].includes(sweep.state))
    throw new TrellisError(
      'JobFinished',
      409,
      `sweep job '${name}' is already ${sweep.state}; only queued or running jobs can be canceled`,
    );
  const now = context.clock().getTime();
  await context.store.transaction(async (repositories) => {
    await repositories.sweeps.update(workspace, name, { stopRequest: cancelRequest(caller.actor) });
    await auditJob(
      repositories,
      caller,
      { workspace, name, action: 'update', afterDigest: null, summary: 'cancel requested (sweep)' },
      now,
    );
  });
  return getSweep(context, workspace, name);
}

/** The job of a sweep's best trial (its completed trial with the best objective), or undefined when none completed with one. */
export async function bestTrialJob(context: Context, sweep: SweepJob): Promise<Job | undefined> {
  const repositories = context.store.repositories;
  const rows = await repositories.sweeps.trials(sweep.workspace, sweep.name);
  const jobs = new Map(
    (
      await repositories.jobs.getMany(
        sweep.workspace,
        rows.map((row) => row.job),
      )
    ).map((job) => [job.name, job]),
  );
  const best = bestTrial(
    sweep.spec.objective.goal,
    rows.map((row) => ({ ...row, jobState: jobs.get(row.job)?.state ?? 'Queued' })),
  );
  return best ? jobs.get(best.job) : undefined;
}

/** The primary metric's reports of a trial's run, in order (MLflow step, then time). */
export async function reportsOf(context: Context, runId: string, metric: string): Promise<MetricReport[]> {
  const points = await context.store.repositories.runs.metricHistory(runId, metric, 100_000, 0);
  return points.map((point) => ({ step: point.step, value: point.value }));
}

async function withTrials(context: Context, sweep: SweepJob): Promise<SweepView> {
  const repositories = context.store.repositories;
  const rows = await repositories.sweeps.trials(sweep.workspace, sweep.name);
  const jobs = new Map(
    (
      await repositories.jobs.getMany(
        sweep.workspace,
        rows.map((row) => row.job),
      )
    ).map((job) => [job.name, job]),
  );
  const trials: TrialView[] = [];
  for (const row of rows) {
    const job = jobs.get(row.job);
    // A running trial's objective is the last value it reported so far.
    const live = !row.isFinal && job ? await reportsOf(context, job.runId, sweep.spec.objective.primary_metric) : undefined;
    trials.push({
      ...row,
      ...(live ? { objective: objectiveOf(live), reports: live.length } : {}),
      status: job?.state ?? 'Queued',
      reason: job?.reason ?? null,
      runId: job?.runId ?? null,
      startedAt: job?.startedAt ?? null,
      endedAt: job?.endedAt ?? null,
    });
  }
  const goal = sweep.spec.objective.goal;
  const best =
    bestTrial(
      goal,
      trials.map((trial) => ({ ...trial, jobState: trial.status })),
    ) ?? null;
  const count = (predicate: (trial: TrialView) => boolean) => trials.filter(predicate).length;
  return {
    ...sweep,
    trials,
    best: best ? (trials.find((trial) => trial.index === best.index) ?? null) : null,
    progress: {
      trials: trials.length,
      maxTotalTrials: sweep.spec.limits.max_total_trials ?? defaultSweepLimits.maxTotalTrials,
      running: count((trial) => !isEnded(trial.status)),
      completed: count((trial) => trial.status === 'Completed'),
      failed: count((trial) => trial.status === 'Failed'),
      canceled: count((trial) => trial.status === 'Canceled'),
      stoppedEarly: count((trial) => trial.stopReason !== null),
      withoutObjective: count((trial) => isEnded(trial.status) && trial.reports === 0),
    },
  };
}
