import type { CommandJobFields } from '../../core/azureml/parse-job-file.js';
import { parseSweepDocument } from '../../core/azureml/parse-sweep-file.js';
import type { SweepJobFile } from '../../core/azureml/sweep-job-schema.js';
import type { SweepSettings } from '../../core/azureml/sweep-step-schema.js';
import { invalidInput, type Problem } from '../../core/errors.js';
import { digestOf } from '../../core/resources/digest.js';
import { makeSampler } from '../../core/sweeps/samplers/make-sampler.js';
import { type SweepJob, type SweepJobSpec, trialJobName } from '../../core/sweeps/sweep-job.js';
import { trialJobFields } from '../../core/sweeps/trial-job.js';
import { plainDocument } from '../../core/yaml/document-source.js';
import { parseYaml } from '../../core/yaml/parse-yaml.js';
import type { Repositories } from '../../store/store.js';
import { stringify as stringifyYaml } from 'yaml';
import type { Caller, Context } from '../context.js';
import { auditJob } from '../jobs/job-audit.js';
import { checkJobFields, experimentIdFor, generateJobName, type SubmitJobInput, unsentLocalPath } from '../jobs/submit-job.js';
import { requireWorkspace } from '../resource-service.js';
import { createRunWithin } from '../tracking/run-service.js';
import { samplingAlgorithmOf } from './sweep-sampling.js';

/**
 * Submits a sweep job. Everything is checked before anything is written: the file, its search
 * space, objective, limits and policy, and the trial as the command job it will be (its compute,
 * environment, inputs and placeholders), each problem named by its field and line. Then the
 * sweep's MLflow run is made (the parent of its trials' runs) and the sweep is queued; the sweep
 * runner samples and submits its trials.
 */
export async function submitSweep(context: Context, caller: Caller, input: SubmitJobInput): Promise<SweepJob> {
  const { sweep: file, spec, name, experimentName } = await checkSweep(context, input);
  return queueSweep(context, caller, { file, spec, name, experimentName }, input);
}

/**
 * Submits the sweep a pipeline's `type: sweep` step runs, named as the step's job would be: its
 * trial is the step's component as the command job the step amounts to (bindings resolved), its
 * run a child of the pipeline's. The step was checked with its pipeline; the sweep's own file is
 * made here and checked again by the same parser. `onQueued` lands with the sweep, or not at all.
 */
export async function submitSweepStep(
  context: Context,
  caller: Caller,
  step: { fields: CommandJobFields; sweep: SweepSettings; name: string; experimentName: string },
  input: Omit<SubmitJobInput, 'text'> & { pipeline: NonNullable<SubmitJobInput['pipeline']> },
  options: { onQueued?: (transaction: Repositories, sweep: SweepJob) => Promise<void> } = {},
): Promise<SweepJob> {
  const { fields, sweep, name } = step;
  const document: Record<string, unknown> = {
    type: 'sweep',
    name,
    display_name: fields.display_name ?? name,
    experiment_name: step.experimentName,
    ...(fields.compute !== undefined ? { compute: fields.compute } : {}),
    trial: {
      command: fields.command,
      environment: fields.environment,
      ...(fields.code !== undefined ? { code: fields.code } : {}),
      ...(fields.environment_variables !== undefined ? { environment_variables: fields.environment_variables } : {}),
      ...(fields.resources !== undefined ? { resources: fields.resources } : {}),
      ...(fields.distribution !== undefined ? { distribution: fields.distribution } : {}),
    },
    ...(fields.inputs !== undefined ? { inputs: fields.inputs } : {}),
    ...(fields.outputs !== undefined ? { outputs: fields.outputs } : {}),
    ...sweep,
  };
  const { sweep: file, searchSpace } = parseSweepDocument(plainDocument(document), input.fileName);
  const text = stringifyYaml(document);
  return queueSweep(
    context,
    caller,
    { file, spec: { ...file, name, search_space: searchSpace }, name, experimentName: step.experimentName },
    { ...input, text },
    options,
  );
}

/** Makes the sweep's MLflow run (the parent of its trials' runs) and queues the sweep, with its audit entry, in one commit. */
async function queueSweep(
  context: Context,
  caller: Caller,
  checked: { file: SweepJobFile; spec: SweepJobSpec; name: string; experimentName: string },
  input: SubmitJobInput,
  options: { onQueued?: (transaction: Repositories, sweep: SweepJob) => Promise<void> } = {},
): Promise<SweepJob> {
  const { workspace, fileName } = input;
  const { file, spec, name, experimentName } = checked;
  const experimentId = await experimentIdFor(context, workspace, experimentName);
  const displayName = file.display_name ?? name;
  const pipeline = input.pipeline;
  const pipelineTags: Record<string, string> = pipeline ? { 'trellis.pipeline': pipeline.name, 'trellis.step': pipeline.step } : {};
  const now = context.clock().getTime();
  return context.store.transaction(async (transaction) => {
    const { info: run } = await createRunWithin(context, transaction, workspace, {
      experimentId,
      userId: caller.actor,
      runName: displayName,
      startTime: undefined,
      tags: [
        { key: 'mlflow.user', value: caller.actor },
        { key: 'mlflow.source.type', value: 'SWEEP' },
        { key: 'mlflow.source.name', value: fileName },
        { key: 'trellis.sweep', value: name },
        // A pipeline's sweep step: its run is a child of the pipeline's, as its trials' are of it.
        ...(pipeline ? [{ key: 'mlflow.parentRunId', value: pipeline.runId }] : []),
        ...Object.entries({ ...pipelineTags, ...(file.tags ?? {}) }).map(([key, value]) => ({ key, value })),
      ],
    });
    const sweep: SweepJob = {
      workspace,
      name,
      displayName,
      experimentName,
      description: file.description ?? null,
      tags: { ...(file.tags ?? {}), ...pipelineTags },
      spec,
      uploads: input.uploads,
      inlined: input.inlined,
      state: 'Queued',
      reason: 'queued: the sweep runner samples its first trials',
      runId: run.run_id,
      createdBy: caller.actor,
      submittedAt: now,
      startedAt: null,
      endedAt: null,
      stopRequest: null,
      source: {
        fileName,
        text: input.text,
        ...(input.defaultExperimentName !== undefined ? { defaultExperimentName: input.defaultExperimentName } : {}),
      },
    };
    await transaction.runs.update(run.run_id, { status: 'SCHEDULED' });
    await transaction.sweeps.insert(sweep);
    await auditJob(
      transaction,
      caller,
      {
        workspace,
        name,
        action: 'create',
        afterDigest: digestOf(spec),
        summary: `sweep queued: ${Object.keys(spec.search_space).join(', ')} by ${spec.sampling_algorithm.type} sampling, ${spec.objective.goal} ${spec.objective.primary_metric}`,
      },
      now,
    );
    await options.onQueued?.(transaction, sweep);
    return sweep;
  });
}

/**
 * Every check submitSweep makes, writing nothing: throws one InvalidInput with every problem. The
 * trial is checked as its first trial's command job, with the hyperparameters the sampler gives it.
 */
export async function checkSweep(context: Context, input: SubmitJobInput) {
  const { workspace, fileName, text } = input;
  await requireWorkspace(context, workspace);
  const yaml = parseYaml(text, fileName);
  const { sweep: file, searchSpace, localPaths } = parseSweepDocument(yaml, fileName);
  const locate = (path: string): Pick<Problem, 'line'> => {
    const line = yaml.locate(path.split('.')).line;
    return line ? { line } : {};
  };
  const problems: Problem[] = [];
  for (const local of localPaths) {
    const present = local.use === 'upload' ? input.uploads[local.value] : input.inlined[local.value];
    if (present === undefined) problems.push(unsentLocalPath(local));
  }
  const repositories = context.store.repositories;
  const name = file.name ?? generateJobName();
  if (
    (await repositories.sweeps.get(workspace, name)) ||
    (await repositories.jobs.get(workspace, name)) ||
    (await repositories.pipelines.get(workspace, name))
  )
    problems.push({
      path: 'name',
      message: `a job named '${name}' already exists in workspace '${workspace}'; job names are unique: pick another or leave name out`,
      ...locate('name'),
    });
  const spec = { ...file, name, search_space: searchSpace };
  const experimentName = file.experiment_name ?? input.defaultExperimentName ?? 'Default';
  const sampler = makeSampler(samplingAlgorithmOf(spec), searchSpace, file.objective.goal);
  const first = sampler.next(0, []) ?? {};
  const fields = trialJobFields(spec, experimentName, 0, first);
  for (const problem of await checkJobFields(context, fields, { ...input, fileName }, new Set())) {
    const path = trialField(problem.path);
    const message =
      problem.path === 'name'
        ? `trial 0 would run as job '${trialJobName(name, 0)}', which exists already; give the sweep another name`
        : problem.message;
    problems.push({ ...problem, path, message, ...locate(path) });
  }
  if (problems.length > 0)
    throw invalidInput(
      fileName,
      problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  return { sweep: file, spec, name, experimentName };
}

/** Where a problem of the trial's command job is written in the sweep file. */
function trialField(path: string): string {
  const [head = '', ...rest] = path.split('.');
  if (['command', 'code', 'environment', 'environment_variables', 'distribution'].includes(head)) return `trial.${path}`;
  if (head === 'limits') return 'limits.trial_timeout';
  if (head === 'resources') return rest.length > 0 ? `trial.${path}` : 'trial.resources';
  return path;
}
