import { isTrellisError } from '../core/errors.js';
import { type Job, outputAssetName } from '../core/jobs/job.js';
import { stepDependencies } from '../core/pipelines/pipeline-graph.js';
import { type PipelineJob, stepJobName } from '../core/pipelines/pipeline-job.js';
import { type PipelinePlan, planPipeline } from '../core/pipelines/plan-pipeline.js';
import { differingParts, type ReuseDecision, type ReuseKey, reuseExplanation, reuseKeyOf } from '../core/pipelines/reuse-key.js';
import { type StepOutputValue, stepJob } from '../core/pipelines/step-job.js';
import type { Caller, Context } from '../services/context.js';
import type { SweepSettings } from '../core/azureml/sweep-step-schema.js';
import type { SweepJob } from '../core/sweeps/sweep-job.js';
import { cancelJob } from '../services/jobs/job-service.js';
import { submitSweepStep } from '../services/sweeps/submit-sweep.js';
import { bestTrialJob, cancelSweep } from '../services/sweeps/sweep-service.js';
import { submitJobFields } from '../services/jobs/submit-job.js';
import { withParallelCommand } from '../services/pipelines/parallel-step-job.js';
import { stepContentOf } from '../services/pipelines/step-content.js';
import { withInlinedCondaFile } from '../services/pipelines/step-environment.js';
import { updateRun } from '../services/tracking/run-service.js';
import type { Repositories } from '../store/store.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { realTimers, type Timers } from './timers.js';

export interface PipelineRunnerOptions {
  tickMs: number;
  /** Wakes the job runner: a step just submitted is scheduled at once. */
  wakeJobs: () => void;
  /** Wakes the sweep runner: a sweep step just submitted samples its first trials at once. */
  wakeSweeps?: () => void;
  timers?: Timers;
}

/** The actor of what the runner does on a pipeline's behalf: the pipeline, for the one who submitted it. */
function callerFor(pipeline: PipelineJob): Caller {
  return { actor: pipeline.createdBy, requestId: null };
}

/**
 * The reconcile loop of pipeline jobs: for each live pipeline, reads its steps and their command
 * jobs, asks planPipeline what to do, and does it — submits the steps whose upstream completed
 * (each as a command job named <pipeline>-<step>, with its bindings resolved to the data assets
 * the upstream outputs were registered as), skips the steps that cannot run, cancels running
 * steps after a failure or a cancel, and records the pipeline's state and its MLflow run's. All
 * of it is in the store, so after a restart (kill -9 included) it goes on where it was: a step
 * whose job was submitted just before is found by its name, never submitted twice.
 */
export class PipelineRunner {
  private readonly loop: ReconcileLoop;

  constructor(
    private readonly context: Context,
    private readonly options: PipelineRunnerOptions,
  ) {
    this.loop = new ReconcileLoop({
      name: 'pipeline runner',
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
    const live = await this.context.store.repositories.pipelines.live();
    for (const pipeline of live) {
      try {
        await this.advance(pipeline);
      } catch (error) {
        // One pipeline's trouble does not hold up the others; the next pass tries again.
        this.context.logger.error({ err: error, pipeline: `${pipeline.workspace}/${pipeline.name}` }, 'pipeline runner: a pass failed');
      }
    }
    return live.length > 0;
  }

  private async advance(pipeline: PipelineJob): Promise<void> {
    const repositories = this.context.store.repositories;
    const { workspace, name } = pipeline;
    const steps = await repositories.pipelines.steps(workspace, name);
    // A step submitted just before a restart has its job but not yet its row's word for it.
    const jobNameOf = (step: (typeof steps)[number]) => step.job ?? stepJobName(name, step.step);
    // One query for every step's job: a pass over a pipeline of N steps reads N jobs at once, not one by one.
    const found = new Map((await repositories.jobs.getMany(workspace, steps.map(jobNameOf))).map((job) => [job.name, job]));
    const jobs = new Map<string, Job>();
    // A sweep step runs as a sweep job: where it stands is the sweep's state, its outputs its best trial's.
    const sweeps = new Map<string, SweepJob>();
    for (const step of steps) {
      if (!pipeline.spec.jobs[step.step]?.sweep) continue;
      const sweep = await repositories.sweeps.get(workspace, jobNameOf(step));
      if (!sweep || sweep.tags['trellis.pipeline'] !== name) continue;
      sweeps.set(step.step, sweep);
      const best = sweep.state === 'Completed' ? await bestTrialJob(this.context, sweep) : undefined;
      if (best) jobs.set(step.step, best);
      if (step.state === 'Waiting') {
        await repositories.pipelines.updateStep(workspace, name, step.step, { state: 'Submitted', job: sweep.name, reason: null });
        step.state = 'Submitted';
        step.job = sweep.name;
      }
    }
    for (const step of steps) {
      if (sweeps.has(step.step)) continue;
      const job = found.get(jobNameOf(step));
      // A reused step's job is the earlier one it reuses, of another pipeline.
      if (!job || (step.state !== 'Reused' && job.tags['trellis.pipeline'] !== name)) continue;
      jobs.set(step.step, job);
      if (step.state === 'Waiting') {
        await repositories.pipelines.updateStep(workspace, name, step.step, { state: 'Submitted', job: job.name, reason: null });
        step.state = 'Submitted';
        step.job = job.name;
      }
    }
    const dependencies = stepDependencies(pipeline.spec);
    // Steps found Reused in this pass, written together (one commit) before any job is submitted and at the end.
    const reusedRows: Array<{ step: string; job: string; reuse: { key: string; parts: Record<string, string>; note: string } }> = [];
    const writeReused = async () => {
      if (reusedRows.length === 0) return;
      const rows = reusedRows.splice(0);
      await this.context.store.transaction(async (transaction) => {
        for (const { step, job, reuse } of rows)
          await transaction.pipelines.updateStep(workspace, name, step, { state: 'Reused', job, reason: null, reuse });
      });
    };
    const now = this.context.clock().getTime();
    let plan: PipelinePlan;
    let submitted = 0;
    let submittedSweeps = 0;
    // A reused step completes at once, so the steps after it are planned again in this pass, not the next one.
    for (;;) {
      plan = planPipeline({
        state: pipeline.state,
        stopRequest: pipeline.stopRequest,
        continueOnStepFailure: pipeline.spec.settings?.continue_on_step_failure ?? false,
        steps,
        dependencies,
        jobs: new Map([
          ...[...jobs].map(([step, job]): [string, { state: Job['state']; stopRequest: string | null }] => [
            step,
            { state: job.state, stopRequest: job.stopRequest },
          ]),
          ...[...sweeps].map(([step, sweep]): [string, { state: Job['state']; stopRequest: string | null }] => [
            step,
            { state: sweep.state, stopRequest: sweep.stopRequest },
          ]),
        ]),
      });

      for (const step of plan.cancel) {
        const sweep = sweeps.get(step);
        const job = jobs.get(step);
        if (!job && !sweep) continue;
        const actor = { actor: `pipeline:${name} for ${pipeline.createdBy}`, requestId: null };
        try {
          if (sweep) await cancelSweep(this.context, actor, workspace, sweep.name);
          else if (job) await cancelJob(this.context, actor, workspace, job.name);
        } catch (error) {
          // Ended meanwhile: nothing to cancel.
          if (!isTrellisError(error) || error.code !== 'JobFinished') throw error;
        }
      }
      for (const { step, reason } of plan.skip)
        await repositories.pipelines.updateStep(workspace, name, step, { state: 'Skipped', reason });
      let reusedNow = 0;
      for (const step of plan.submit) {
        const outputOf = (upstream: string, output: string): StepOutputValue => registeredOutput(jobs.get(upstream), output);
        // What this pass did to the step, for planning again within it.
        const row = steps.find((candidate) => candidate.step === step);
        const settings = pipeline.spec.jobs[step]?.sweep;
        try {
          if (settings) {
            await writeReused();
            const sweep = await this.submitSweepStep(pipeline, step, settings, outputOf);
            submittedSweeps += 1;
            if (row) Object.assign(row, { state: 'Submitted', job: sweep.name, reason: null });
            sweeps.set(step, sweep);
            continue;
          }
          const written = stepJob(pipeline.spec, pipeline.experimentName, step, outputOf).fields;
          const fields = withInlinedCondaFile(withParallelCommand(written, pipeline.spec.jobs[step]), pipeline.inlined);
          const key = reuseKeyOf(await stepContentOf(this.context, workspace, fields, pipeline.uploads));
          const decision = await decideReuse(repositories, pipeline, step, key);
          const reuse = { key: key.key, parts: key.parts, note: reuseExplanation(decision) };
          if (decision.reused) {
            reusedRows.push({ step, job: decision.from, reuse });
            if (row) Object.assign(row, { state: 'Reused', job: decision.from, reason: null });
            const earlier = await repositories.jobs.get(workspace, decision.from);
            if (earlier) jobs.set(step, earlier);
            reusedNow += 1;
            continue;
          }
          await writeReused();
          const job = await submitJobFields(
            this.context,
            callerFor(pipeline),
            fields,
            {
              workspace,
              fileName: `step ${step} of pipeline ${name}`,
              uploads: pipeline.uploads,
              inlined: pipeline.inlined,
              pipeline: { name, step, runId: pipeline.runId },
            },
            // The step says Submitted in the commit that queues its job: one commit a step, not two.
            {
              onQueued: (transaction, job) =>
                transaction.pipelines.updateStep(workspace, name, step, { state: 'Submitted', job: job.name, reason: null, reuse }),
            },
          );
          submitted += 1;
          if (row) Object.assign(row, { state: 'Submitted', job: job.name, reason: null });
          jobs.set(step, job);
        } catch (error) {
          // Refused now though it was checked at submit (an asset deleted since, say): the step fails with the reason.
          if (!isTrellisError(error) || error.status >= 500) throw error;
          await writeReused();
          await repositories.pipelines.updateStep(workspace, name, step, { state: 'NotSubmitted', reason: error.message });
          if (row) Object.assign(row, { state: 'NotSubmitted', reason: error.message });
          this.wake();
        }
      }
      // Only reuses changed what the plan sees; cancels and skips are for the next pass to see through.
      if (reusedNow === 0 || plan.cancel.length > 0 || plan.skip.length > 0) break;
    }
    await writeReused();
    if (submitted > 0) this.options.wakeJobs();
    if (submittedSweeps > 0) this.options.wakeSweeps?.();

    if (plan.next) {
      const { state, reason } = plan.next;
      const ended = state === 'Completed' || state === 'Failed' || state === 'Canceled';
      await repositories.pipelines.update(workspace, name, {
        state,
        reason,
        ...(state === 'Running' ? { startedAt: now } : {}),
        ...(ended ? { endedAt: now, stopRequest: null, ...(pipeline.startedAt === null ? { startedAt: now } : {}) } : {}),
      });
      const status = state === 'Running' ? 'RUNNING' : state === 'Completed' ? 'FINISHED' : state === 'Failed' ? 'FAILED' : 'KILLED';
      await updateRun(this.context, workspace, pipeline.runId, { status, ...(ended ? { endTime: now } : {}) });
      if (!ended) this.wake();
    }
  }

  /** Submits a sweep step as a sweep job named as its job would be, the step saying Submitted in the same commit. */
  private async submitSweepStep(
    pipeline: PipelineJob,
    step: string,
    settings: SweepSettings,
    outputOf: (upstream: string, output: string) => StepOutputValue,
  ): Promise<SweepJob> {
    const { workspace, name } = pipeline;
    const fields = withInlinedCondaFile(stepJob(pipeline.spec, pipeline.experimentName, step, outputOf).fields, pipeline.inlined);
    return submitSweepStep(
      this.context,
      callerFor(pipeline),
      { fields, sweep: settings, name: stepJobName(name, step), experimentName: pipeline.experimentName },
      {
        workspace,
        fileName: `step ${step} of pipeline ${name}`,
        uploads: pipeline.uploads,
        inlined: pipeline.inlined,
        pipeline: { name, step, runId: pipeline.runId },
      },
      {
        onQueued: (transaction, sweep) =>
          transaction.pipelines.updateStep(workspace, name, step, { state: 'Submitted', job: sweep.name, reason: null }),
      },
    );
  }
}

/**
 * Whether a step about to run may reuse an earlier completed run with its key — not when the
 * pipeline or the step forces a run, or its component is not deterministic — and if not, why.
 */
async function decideReuse(repositories: Repositories, pipeline: PipelineJob, step: string, key: ReuseKey): Promise<ReuseDecision> {
  const { workspace, name } = pipeline;
  const alwaysRun = pipeline.spec.settings?.force_rerun === true ? 'forced' : pipeline.spec.jobs[step]?.alwaysRun;
  if (alwaysRun) return { reused: false, why: alwaysRun };
  const earlier = await repositories.pipelines.completedWithKey(workspace, key.key);
  if (earlier) return { reused: true, from: earlier };
  // What it is compared with: a step of this name in a pipeline of the same experiment (the same pipeline submitted before, as a rule).
  const last = await repositories.pipelines.lastKeyedStep(workspace, step, { name, experimentName: pipeline.experimentName });
  if (!last) return { reused: false, why: 'first' };
  return { reused: false, why: 'changed', since: last.job, parts: differingParts(key, { key: '', parts: last.parts }) };
}

/** The data asset a step's job registered for `output` (outputs are registered as `<name>` version 1 of their own asset). */
function registeredOutput(job: Job | undefined, output: string): StepOutputValue {
  if (job?.state !== 'Completed') return 'pending';
  const spec = job.spec.outputs?.[output];
  const name = outputAssetName(job.name, output, spec);
  // Every output is kept as a data asset: a model output (mlflow_model, custom_model) is the folder the step wrote, read as one.
  const type = spec?.type === undefined || spec.type.endsWith('_model') ? 'uri_folder' : spec.type;
  return { type, asset: spec?.version ? `${name}:${spec.version}` : `${name}@latest` };
}
