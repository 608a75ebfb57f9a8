import { parsePipelineDocument } from '../../core/azureml/parse-pipeline-file.js';
import { invalidInput, isTrellisError, type Problem } from '../../core/errors.js';
import { type PipelineJob, stepJobName } from '../../core/pipelines/pipeline-job.js';
import { stepJob } from '../../core/pipelines/step-job.js';
import { digestOf } from '../../core/resources/digest.js';
import { parseYaml } from '../../core/yaml/parse-yaml.js';
import type { Caller, Context } from '../context.js';
import { auditJob } from '../jobs/job-audit.js';
import { checkJobFields, experimentIdFor, generateJobName, type SubmitJobInput, unsentLocalPath } from '../jobs/submit-job.js';
import { requireWorkspace } from '../resource-service.js';
import { createRun } from '../tracking/run-service.js';
import { withParallelCommand } from './parallel-step-job.js';
import { withRegisteredComponents } from './pipeline-components.js';

/**
 * Submits a pipeline job. Everything is checked before anything is written: the file and its
 * bindings, and each step as the command job it will be (its compute, environment, inputs and
 * placeholders), inputs that read another step's output taken as given; each problem names its
 * field under `jobs.<step>` and its line. Then the pipeline's MLflow run is made (the parent of
 * its steps' runs) and the pipeline is queued with every step waiting; the pipeline runner
 * submits each step when the steps it reads from have completed.
 */
export async function submitPipeline(context: Context, caller: Caller, input: SubmitJobInput): Promise<PipelineJob> {
  const { workspace, fileName } = input;
  const { file, spec, name, experimentName, steps } = await checkPipeline(context, input);

  // The pipeline's MLflow run: its steps' runs are its children.
  const experimentId = await experimentIdFor(context, workspace, experimentName);
  const displayName = file.display_name ?? name;
  const run = await createRun(context, workspace, {
    experimentId,
    userId: caller.actor,
    runName: displayName,
    startTime: undefined,
    tags: [
      { key: 'mlflow.user', value: caller.actor },
      { key: 'mlflow.source.type', value: 'PIPELINE' },
      { key: 'mlflow.source.name', value: fileName },
      { key: 'trellis.pipeline', value: name },
      ...Object.entries(file.tags ?? {}).map(([key, value]) => ({ key, value })),
    ],
  });
  const now = context.clock().getTime();
  const pipeline: PipelineJob = {
    workspace,
    name,
    displayName,
    experimentName,
    description: file.description ?? null,
    tags: file.tags ?? {},
    spec,
    uploads: input.uploads,
    inlined: input.inlined,
    state: 'Queued',
    reason: `queued: ${steps.length} step${steps.length === 1 ? '' : 's'}, each submitted when the steps it reads from have completed`,
    runId: run.info.run_id,
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
  await context.store.transaction(async (transaction) => {
    await transaction.runs.update(run.info.run_id, { status: 'SCHEDULED' });
    await transaction.pipelines.insert(pipeline, steps);
    await auditJob(
      transaction,
      caller,
      { workspace, name, action: 'create', afterDigest: digestOf(spec), summary: `pipeline queued with steps ${steps.join(', ')}` },
      now,
    );
  });
  return pipeline;
}

/**
 * Every check submitPipeline makes, writing nothing: throws one InvalidInput with every problem
 * (a schedule checks its job this way when it is created, not when it fires).
 */
export async function checkPipeline(context: Context, input: SubmitJobInput) {
  const { workspace, fileName, text } = input;
  await requireWorkspace(context, workspace);
  const yaml = parseYaml(text, fileName);
  // Registered components go inline first, so each step is checked as the command job it will be.
  const components = await withRegisteredComponents(context, workspace, yaml);
  if (components.problems.length > 0) throw invalidInput(fileName, components.problems);
  const { pipeline: file, localPaths } = parsePipelineDocument(components.document, fileName);
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
    (await repositories.pipelines.get(workspace, name)) ||
    (await repositories.jobs.get(workspace, name)) ||
    (await repositories.sweeps.get(workspace, name))
  )
    problems.push({
      path: 'name',
      message: `a job named '${name}' already exists in workspace '${workspace}'; job names are unique: pick another or leave name out`,
    });
  const spec = { ...file, name };
  const experimentName = file.experiment_name ?? input.defaultExperimentName ?? 'Default';
  const steps = Object.keys(file.jobs);
  for (const step of steps) {
    const { fields: written, pending } = stepJob(spec, experimentName, step, () => 'pending');
    let fields = written;
    try {
      fields = withParallelCommand(written, spec.jobs[step]);
    } catch (error) {
      // A parallel step whose mini_batch_size does not fit its input's type: named under the step.
      if (!isTrellisError(error) || error.problems.length === 0) throw error;
      for (const problem of error.problems) {
        const path = `jobs.${step}.${problem.path}`;
        problems.push({ ...problem, path, ...locate(path) });
      }
    }
    const stepProblems = await checkJobFields(context, fields, { ...input, fileName }, pending);
    for (const problem of stepProblems) {
      // The step's job name is made here: a clash is the pipeline's name's problem.
      const path = problem.path === 'name' ? 'name' : `jobs.${step}.${problem.path}`;
      const message =
        problem.path === 'name'
          ? `step ${step} would run as job '${stepJobName(name, step)}', which exists already; give the pipeline another name`
          : problem.message;
      problems.push({ ...problem, path, message, ...locate(path) });
    }
  }
  if (problems.length > 0)
    throw invalidInput(
      fileName,
      problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );

  return { file, spec, name, experimentName, steps };
}
