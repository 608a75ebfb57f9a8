import { remoteScheme } from '../../core/azureml/paths.js';
import type { CreateJobSource } from '../../core/azureml/schedule-schema.js';
import { isPlainObject } from '../../core/azureml/schema-helpers.js';
import { invalidInput, isTrellisError, type Problem } from '../../core/errors.js';
import type { Job } from '../../core/jobs/job.js';
import type { PipelineJob } from '../../core/pipelines/pipeline-job.js';
import { parseContentUri } from '../../core/resources/content-uri.js';
import { applyCreateJobOverrides } from '../../core/schedules/job-template.js';
import type { JobTemplate, ScheduleJobType } from '../../core/schedules/schedule.js';
import { parseYaml } from '../../core/yaml/parse-yaml.js';
import { stringifyYaml } from '../../core/yaml/stringify-yaml.js';
import type { SubmitJobInput } from '../jobs/submit-job.js';
import type { Context } from '../context.js';

/** A job file as `trellis schedule create` sends it beside the schedule: the create_job file, or the inline job, with its uploads. */
export type SentJob = Omit<SubmitJobInput, 'workspace' | 'pipeline'>;

/**
 * The job a schedule will submit, from its create_job: the job file the CLI sent (a local file, or
 * the inline job with its local paths uploaded), or an existing job of the workspace
 * (`azureml:<job name>`) whose stored spec and contents become the template; then create_job's
 * overrides applied. Problems name `create_job`.
 */
export async function resolveJobTemplate(
  context: Context,
  workspace: string,
  source: CreateJobSource,
  sent: SentJob | undefined,
  scheduleFile: string,
): Promise<JobTemplate> {
  const refuse = (message: string, path = 'create_job'): never => {
    throw invalidInput(scheduleFile, [{ path, message }]);
  };
  let base: { document: Record<string, unknown>; sent: SentJob; source: string };
  if (source.kind === 'reference' && source.reference.startsWith('azureml:')) {
    base = await existingJobTemplate(context, workspace, source.reference.slice('azureml:'.length), scheduleFile);
  } else if (source.kind === 'reference') {
    if (remoteScheme(source.reference) !== undefined)
      refuse(`'${source.reference}' cannot be read here; give a job file (./job.yml) or an existing job (azureml:<job name>)`);
    if (!sent)
      refuse(
        `the job file '${source.reference}' was not sent with the schedule; create it with 'trellis schedule create --file', which reads it`,
      );
    base = { document: parseYaml(sent!.text, sent!.fileName).value, sent: sent!, source: source.reference };
  } else if (sent) {
    base = { document: parseYaml(sent.text, sent.fileName).value, sent, source: 'inline' };
  } else {
    // An inline job sent without its local paths read: fine when it has none (checked below).
    const text = stringifyYaml(source.job);
    base = { document: source.job, sent: { fileName: `${scheduleFile} (create_job)`, text, uploads: {}, inlined: {} }, source: 'inline' };
  }
  const overrides = source.kind === 'reference' ? source.overrides : {};
  const { job, problems } = applyCreateJobOverrides(base.document, overrides);
  if (problems.length > 0) throw invalidInput(scheduleFile, problems);
  const type = jobTypeOf(job);
  if (!type) return refuse(`the job's type is '${String(job.type)}'; a schedule creates command or pipeline jobs`, 'create_job.type');
  return {
    type,
    fileName: base.sent.fileName,
    text: stringifyYaml(job),
    uploads: base.sent.uploads,
    inlined: base.sent.inlined,
    ...(base.sent.defaultExperimentName !== undefined ? { defaultExperimentName: base.sent.defaultExperimentName } : {}),
    source: base.source,
  };
}

function jobTypeOf(job: Record<string, unknown>): ScheduleJobType | undefined {
  const type = typeof job.type === 'string' ? job.type.toLowerCase() : 'command';
  return type === 'command' || type === 'pipeline' ? type : undefined;
}

/**
 * An existing job as a template, as Azure ML's `create_job: azureml:<job>` does: a pipeline job's
 * spec with the contents it was submitted with; a command job's spec with its code and local
 * inputs pointing at the snapshots made when it was submitted.
 */
async function existingJobTemplate(
  context: Context,
  workspace: string,
  name: string,
  scheduleFile: string,
): Promise<{ document: Record<string, unknown>; sent: SentJob; source: string }> {
  const repositories = context.store.repositories;
  const pipeline = await repositories.pipelines.get(workspace, name);
  if (pipeline) return pipelineTemplate(pipeline, scheduleFile);
  const job = await repositories.jobs.get(workspace, name);
  if (!job)
    throw invalidInput(scheduleFile, [
      {
        path: 'create_job',
        message: `there is no job named '${name}' in workspace '${workspace}' to use as the template; list them with: trellis job list`,
      },
    ]);
  if (job.tags['trellis.pipeline'] !== undefined)
    throw invalidInput(scheduleFile, [
      { path: 'create_job', message: `'${name}' is a step of pipeline ${job.tags['trellis.pipeline']}; schedule the pipeline instead` },
    ]);
  return commandTemplate(context, workspace, job);
}

function pipelineTemplate(
  pipeline: PipelineJob,
  scheduleFile: string,
): { document: Record<string, unknown>; sent: SentJob; source: string } {
  if (!pipeline.source)
    throw invalidInput(scheduleFile, [
      {
        path: 'create_job',
        message: `pipeline job '${pipeline.name}' was submitted before pipelines kept their file, so it cannot be a template; give its file (create_job: ./pipeline.yml)`,
      },
    ]);
  // The file as submitted, not the parsed spec: the template is checked and submitted as a file again.
  const { name: _name, ...document } = parseYaml(pipeline.source.text, pipeline.source.fileName).value;
  const { defaultExperimentName } = pipeline.source;
  return {
    document,
    sent: {
      fileName: `azureml:${pipeline.name}`,
      text: '',
      uploads: pipeline.uploads,
      inlined: pipeline.inlined,
      ...(defaultExperimentName !== undefined ? { defaultExperimentName } : {}),
    },
    source: `azureml:${pipeline.name}`,
  };
}

async function commandTemplate(
  context: Context,
  workspace: string,
  job: Job,
): Promise<{ document: Record<string, unknown>; sent: SentJob; source: string }> {
  const { name: _name, ...spec } = job.spec;
  const document: Record<string, unknown> = { ...spec };
  const code = job.lineage.code;
  if (code) {
    const asset = await context.store.repositories.resources.get({ workspace, kind: 'code', name: code.name, version: code.version });
    const path = asset && isPlainObject(asset.spec) && typeof asset.spec.path === 'string' ? asset.spec.path : undefined;
    if (path === undefined || !parseContentUri(path))
      throw invalidInput(`azureml:${job.name}`, [
        {
          path: 'code',
          message: `the code snapshot ${code.name}:${code.version} of job '${job.name}' is gone; schedule a job file instead`,
        },
      ]);
    document.code = path;
  }
  const inputs = isPlainObject(document.inputs) ? { ...document.inputs } : {};
  for (const [name, input] of Object.entries(job.lineage.inputs)) {
    const written = inputs[name];
    if ('asset' in input && input.asset && isPlainObject(written))
      inputs[name] = { ...written, path: `azureml:${input.asset.name}:${input.asset.version}` };
  }
  if (Object.keys(inputs).length > 0) document.inputs = inputs;
  return {
    document,
    // The experiment it ran in, when its file named none (Azure ML's default: the file's folder).
    sent: { fileName: `azureml:${job.name}`, text: '', uploads: {}, inlined: {}, defaultExperimentName: job.experimentName },
    source: `azureml:${job.name}`,
  };
}

/** Problems of a job check, moved under create_job so the schedule file's reader knows where they are. */
export function underCreateJob(error: unknown, jobFile: string): Problem[] | undefined {
  if (!isTrellisError(error) || error.status !== 422) return undefined;
  return error.problems.map((problem) => ({
    path: `create_job (${jobFile}${problem.line ? ` line ${problem.line}` : ''}): ${problem.path}`,
    message: problem.message,
  }));
}
