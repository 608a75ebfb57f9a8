import { defaultSweepLimits } from '../core/azureml/sweep-job-schema.js';
import { isTrellisError } from '../core/errors.js';
import type { Job } from '../core/jobs/job.js';
import { bestTrial, isEnded, objectiveOf, planSweep, type TrialStatus } from '../core/sweeps/plan-sweep.js';
import { makeSampler } from '../core/sweeps/samplers/make-sampler.js';
import type { SweepJob, SweepTrial } from '../core/sweeps/sweep-job.js';
import type { MetricReport, SampledTrial } from '../core/sweeps/sweep-types.js';
import { trialJobFields } from '../core/sweeps/trial-job.js';
import type { Caller, Context } from '../services/context.js';
import { cancelJob } from '../services/jobs/job-service.js';
import { submitJobFields } from '../services/jobs/submit-job.js';
import { reportsOf } from '../services/sweeps/sweep-service.js';
import { samplingAlgorithmOf } from '../services/sweeps/sweep-sampling.js';
import { logBatch, updateRun } from '../services/tracking/run-service.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { realTimers, type Timers } from './timers.js';

export interface SweepRunnerOptions {
  tickMs: number;
  /** Wakes the job runner: a trial just submitted is scheduled at once. */
  wakeJobs: () => void;
  /** Called when a sweep ended (a pipeline's sweep step goes on with the steps after it). */
  onSweepEnded?: (sweep: SweepJob) => void;
  timers?: Timers;
}

/** The actor of what the runner does on a sweep's behalf: the sweep, for the one who submitted it. */
function callerFor(sweep: SweepJob): Caller {
  return { actor: sweep.createdBy, requestId: null };
}

/**
 * The reconcile loop of sweep jobs: for each live sweep, reads its trials, their jobs and the
 * primary metric each reported, asks planSweep what to do, and does it — cancels the trials the
 * early-termination policy stops (with its rule and figures as the reason), samples and submits
 * new trials (each a command job `<sweep>_<index>` with a child MLflow run, its trial row written
 * in the commit that queues it), keeps each ended trial's objective, and ends the sweep with its
 * best trial. All of it is in the store and the sampler is rebuilt from the trials so far on each
 * pass, so after a restart (kill -9 included) it goes on where it was: no trial lost, none run twice.
 */
export class SweepRunner {
  private readonly loop: ReconcileLoop;
  /** By live sweep, the reports of its trials whose jobs ended: they cannot change, so they are read once (dropped when the sweep ends). */
  private readonly finalReports = new Map<string, Map<string, MetricReport[]>>();

  constructor(
    private readonly context: Context,
    private readonly options: SweepRunnerOptions,
  ) {
    this.loop = new ReconcileLoop({
      name: 'sweep runner',
      reconcile: () => this.reconcile(),
      intervalMs: options.tickMs,
      timers: options.timers ?? realTimers,
      logger: context.logger,
    });
  }

  start(): void {
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  async close(): Promise<void> {
    await this.loop.close();
  }

  private async reconcile(): Promise<boolean> {
    const live = await this.context.store.repositories.sweeps.live();
    for (const sweep of live) {
      try {
        await this.advance(sweep);
      } catch (error) {
        // One sweep's trouble does not hold up the others; the next pass tries again.
        this.context.logger.error({ err: error, sweep: `${sweep.workspace}/${sweep.name}` }, 'sweep runner: a pass failed');
      }
    }
    return live.length > 0;
  }

  private async advance(sweep: SweepJob): Promise<void> {
    const repositories = this.context.store.repositories;
    const { workspace, name, spec } = sweep;
    const metric = spec.objective.primary_metric;
    const goal = spec.objective.goal;
    const rows = await repositories.sweeps.trials(workspace, name);
    const jobs = new Map(
      (
        await repositories.jobs.getMany(
          workspace,
          rows.map((row) => row.job),
        )
      ).map((job) => [job.name, job]),
    );

    const statuses: TrialStatus[] = [];
    for (const row of rows) {
      const job = jobs.get(row.job);
      if (!job) continue;
      const reports = await this.reportsOf(sweep, job, metric);
      statuses.push({
        index: row.index,
        job: row.job,
        parameters: row.parameters,
        jobState: job.state,
        isStopping: job.stopRequest !== null,
        reports,
        stopReason: row.stopReason,
      });
      // An ended trial's objective is kept with it, for lists and the sampler's history after a restart.
      if (isEnded(job.state) && !row.isFinal)
        await repositories.sweeps.updateTrial(workspace, name, row.index, {
          final: { objective: objectiveOf(reports), reports: reports.length },
        });
    }

    const sampler = makeSampler(samplingAlgorithmOf(spec), spec.search_space, goal);
    const maxTotalTrials = spec.limits.max_total_trials ?? defaultSweepLimits.maxTotalTrials;
    const totalTrials = Math.min(maxTotalTrials, sampler.size);
    const now = this.context.clock().getTime();
    const planInput = {
      state: sweep.state,
      stopRequest: sweep.stopRequest,
      startedAt: sweep.startedAt,
      now,
      goal,
      policy: spec.early_termination,
      totalTrials,
      maxConcurrentTrials: spec.limits.max_concurrent_trials ?? totalTrials,
      timeoutSeconds: spec.limits.timeout ?? defaultSweepLimits.timeout,
      isExhausted: false,
      trials: statuses,
    };
    const plan = planSweep(planInput);

    for (const cancel of plan.cancel) {
      try {
        await cancelJob(this.context, { actor: `sweep:${name} for ${sweep.createdBy}`, requestId: null }, workspace, cancel.job, {
          reason: cancel.isEarlyTermination ? `stopped by early termination: ${cancel.reason}` : cancel.reason,
        });
        // Recorded once the cancel is asked: a trial that completed meanwhile was not stopped.
        if (cancel.isEarlyTermination) await repositories.sweeps.updateTrial(workspace, name, cancel.index, { stopReason: cancel.reason });
      } catch (error) {
        // Ended meanwhile: nothing to cancel.
        if (!isTrellisError(error) || error.code !== 'JobFinished') throw error;
      }
    }

    let submitted = 0;
    let exhausted = false;
    if (plan.submit > 0) {
      const history: SampledTrial[] = statuses.map((trial) => ({
        index: trial.index,
        parameters: trial.parameters,
        objective: objectiveOf(trial.reports),
        state: !isEnded(trial.jobState)
          ? 'running'
          : trial.stopReason !== null
            ? 'stopped'
            : trial.jobState === 'Completed'
              ? 'completed'
              : 'failed',
      }));
      for (let k = 0; k < plan.submit; k += 1) {
        const index = rows.length + k;
        const parameters = sampler.next(index, history);
        if (parameters === null) {
          exhausted = true;
          break;
        }
        const failure = await this.submitTrial(sweep, index, parameters);
        if (failure !== undefined) {
          await this.fail(sweep, `trial ${index} was refused: ${failure}`, now);
          return;
        }
        history.push({ index, parameters, objective: null, state: 'running' });
        submitted += 1;
      }
    }
    if (submitted > 0) this.options.wakeJobs();

    // The sampler ran out of points before its size said (it never should): the sweep ends when its last trial does.
    const next = exhausted && submitted === 0 ? planSweep({ ...planInput, isExhausted: true }).next : plan.next;
    if (next) await this.moveTo(sweep, next, statuses, now);
  }

  /** Submits one trial's command job with its trial row in the same commit; returns why it was refused, if it was. */
  private async submitTrial(sweep: SweepJob, index: number, parameters: SweepTrial['parameters']): Promise<string | undefined> {
    const { workspace, name } = sweep;
    try {
      await submitJobFields(
        this.context,
        callerFor(sweep),
        trialJobFields(sweep.spec, sweep.experimentName, index, parameters),
        {
          workspace,
          fileName: `trial ${index} of sweep ${name}`,
          uploads: sweep.uploads,
          inlined: sweep.inlined,
          sweep: { name, trial: index, runId: sweep.runId },
        },
        { onQueued: (transaction, job) => transaction.sweeps.insertTrial({ workspace, sweep: name, index, job: job.name, parameters }) },
      );
      return undefined;
    } catch (error) {
      // Refused now though it was checked at submit (an asset deleted since, say): the sweep fails with the reason.
      if (!isTrellisError(error) || error.status >= 500) throw error;
      return error.message;
    }
  }

  private async fail(sweep: SweepJob, reason: string, now: number): Promise<void> {
    const running = (await this.context.store.repositories.sweeps.trials(sweep.workspace, sweep.name)).map((trial) => trial.job);
    for (const job of running)
      await cancelJob(this.context, { actor: `sweep:${sweep.name}`, requestId: null }, sweep.workspace, job, { reason }).catch(
        (error: unknown) => {
          if (!isTrellisError(error) || error.code !== 'JobFinished') throw error;
        },
      );
    await this.context.store.repositories.sweeps.update(sweep.workspace, sweep.name, {
      state: 'Failed',
      reason,
      endedAt: now,
      stopRequest: null,
    });
    await updateRun(this.context, sweep.workspace, sweep.runId, { status: 'FAILED', endTime: now });
    this.finalReports.delete(`${sweep.workspace}/${sweep.name}`);
    this.options.onSweepEnded?.(sweep);
  }

  /** Records the sweep's new state, and its MLflow run's; an ended sweep's run gets its best trial's objective and run. */
  private async moveTo(
    sweep: SweepJob,
    next: { state: SweepJob['state']; reason: string },
    trials: readonly TrialStatus[],
    now: number,
  ): Promise<void> {
    const { workspace, name, runId } = sweep;
    const { state, reason } = next;
    const ended = state === 'Completed' || state === 'Failed' || state === 'Canceled';
    if (ended) {
      const best = bestTrial(
        sweep.spec.objective.goal,
        trials.map((trial) => ({ ...trial, objective: objectiveOf(trial.reports) })),
      );
      if (best && best.objective !== null) {
        const bestJob = await this.context.store.repositories.jobs.get(workspace, best.job);
        // As Azure ML marks a sweep's run: its best child run, and the objective it reached.
        await logBatch(this.context, workspace, runId, {
          metrics: [{ key: sweep.spec.objective.primary_metric, value: best.objective, timestamp: now, step: 0 }],
          params: [],
          tags: [
            { key: 'trellis.sweep.best_trial', value: best.job },
            ...(bestJob ? [{ key: 'best_child_run_id', value: bestJob.runId }] : []),
          ],
        });
      }
    }
    await this.context.store.repositories.sweeps.update(workspace, name, {
      state,
      reason,
      ...(state === 'Running' ? { startedAt: now } : {}),
      ...(ended ? { endedAt: now, stopRequest: null, ...(sweep.startedAt === null ? { startedAt: now } : {}) } : {}),
    });
    const status = state === 'Running' ? 'RUNNING' : state === 'Completed' ? 'FINISHED' : state === 'Failed' ? 'FAILED' : 'KILLED';
    await updateRun(this.context, workspace, runId, { status, ...(ended ? { endTime: now } : {}) });
    if (!ended) return this.wake();
    this.finalReports.delete(`${workspace}/${name}`);
    this.options.onSweepEnded?.(sweep);
  }

  /** A trial's reports of the primary metric: read again while its job runs, once after it ended. */
  private async reportsOf(sweep: SweepJob, job: Job, metric: string): Promise<MetricReport[]> {
    const sweepKey = `${sweep.workspace}/${sweep.name}`;
    const ended = this.finalReports.get(sweepKey) ?? new Map<string, MetricReport[]>();
    const known = ended.get(job.name);
    if (known) return known;
    const reports = await reportsOf(this.context, job.runId, metric);
    // Kept only once the job ended and its run was closed: nothing more can be logged to it.
    if (isEnded(job.state)) this.finalReports.set(sweepKey, ended.set(job.name, reports));
    return reports;
  }
}
