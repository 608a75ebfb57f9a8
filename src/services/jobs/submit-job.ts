import { isDatastoreUri, parseDatastoreUri } from '../../core/datastores/datastore-uri.js';
import { datastoreInputProblem } from '../datastores/datastore-transfer.js';
import { datastoreProblem } from '../datastores/datastore-service.js';
import { isRegistryAssetId, registryOfStorage } from '../../core/registries/registry-asset-id.js';
import type { LocalPath } from '../../core/azureml/parse-resource-file.js';
import { randomInt } from 'node:crypto';
import { dataInputTypes, inputModes } from '../../core/azureml/command-job-schema.js';
import { jobFromFields, parseJobFile, type CommandJobFields, type ParsedJobFile } from '../../core/azureml/parse-job-file.js';
import { remoteScheme } from '../../core/azureml/paths.js';
import { resolveCuratedEnvironment } from '../../core/environments/curated.js';
import { invalidInput, type Problem } from '../../core/errors.js';
import { checkCommand } from '../../core/jobs/command-template.js';
import { type EnforcedSettings, priorityOf, type Job, type JobLineage, type LineageInput } from '../../core/jobs/job.js';
import { reservedOverrides } from '../../core/jobs/job-environment.js';
import { adjectives, nouns } from '../../core/tracking/run-names.js';
import { parseContentUri } from '../../core/resources/content-uri.js';
import { digestOf } from '../../core/resources/digest.js';
import { inlineLocalFile, type UploadedContent } from '../apply-resource.js';
import { existingNames, findAsset, registerContent } from '../asset-lookup.js';
import type { Repositories } from '../../store/store.js';
import type { Caller, Context } from '../context.js';
import { enforceJobPolicies } from '../policy/job-policies.js';
import { auditJob } from './job-audit.js';
import { requireWorkspace } from '../resource-service.js';
import { createExperiment, ensureDefaultExperiment } from '../tracking/experiment-service.js';
import { createRunWithin } from '../tracking/run-service.js';
import { ensureServerlessCompute, serverlessComputeName } from './serverless-compute.js';

export interface SubmitJobInput {
  workspace: string;
  fileName: string;
  /** The job file's text, with any --set overrides already applied. */
  text: string;
  /** Keyed by the local path exactly as the YAML writes it (code, local data inputs). */
  uploads: Record<string, UploadedContent>;
  /** Text of local files Azure ML inlines (an inline environment's conda_file). */
  inlined: Record<string, string>;
  /** Azure ML names the experiment after the job file's folder when the file names none. */
  defaultExperimentName?: string | undefined;
  /** The pipeline whose step this job runs: its run is the parent of the job's run, and the job is tagged with both names. */
  pipeline?: { name: string; step: string; runId: string } | undefined;
  /** The sweep whose trial this job runs: its run is the parent of the job's run, and the job is tagged with the sweep and the trial. */
  sweep?: { name: string; trial: number; runId: string } | undefined;
}

/** What a caller of submitJobFields writes in the commit that queues the job. */
export interface QueueOptions {
  /** Writes that must land with the job, or not at all (a pipeline's step pointing at its job). */
  onQueued?: (transaction: Repositories, job: Job) => Promise<void>;
}

/** What a job's checks resolved, for queueing it. */
interface CheckedJob {
  name: string;
  /** The job as it is kept: the file's fields, with the content of the local files Azure ML inlines (an inline environment's conda_file). */
  spec: ParsedJobFile['job'];
  computeName: string;
  instanceCount: number;
  environment: JobLineage['environment'];
  inputs: Record<string, LineageInput>;
  localInputs: Array<{ name: string; type: string; path: string; mode: string }>;
  /** What the enforce-setting policies hold the job to (known once the checks pass). */
  enforced?: EnforcedSettings;
}

/** Compute types a command job can run on here, and the backend each uses. */
const runnableComputeTypes = new Set<string>(['amlcompute', 'computeinstance', 'kubernetes', 'slurm']);

/**
 * Submits a command job. Everything is checked before anything is written: the compute, the
 * environment and every input must exist, every ${{...}} must name a declared input or output,
 * and the cluster must be able to hold instance_count nodes; each problem names its field and
 * what exists. Then the code snapshot and local inputs become content-addressed assets, the job's
 * MLflow run is made, and the job is queued with its lineage fixed.
 */
export async function submitJob(context: Context, caller: Caller, input: SubmitJobInput): Promise<Job> {
  await requireWorkspace(context, input.workspace);
  return submitParsedJob(context, caller, parseJobFile(input.text, input.fileName), input);
}

/** A local path of a job file that came without its content (the file was not sent by trellis job create). */
export function unsentLocalPath(local: LocalPath): Problem {
  return {
    path: local.pointer.join('.'),
    ...(local.line ? { line: local.line } : {}),
    message: `local path '${local.value}' was not sent with the job; submit it with 'trellis job create --file', which uploads it`,
  };
}

/** Every check submitJob makes, writing nothing: throws one InvalidInput with every problem. */
export async function checkJob(context: Context, input: SubmitJobInput): Promise<void> {
  await requireWorkspace(context, input.workspace);
  const { problems } = await checkParsedJob(context, parseJobFile(input.text, input.fileName), input, new Set());
  if (problems.length > 0) throw invalidInput(input.fileName, problems);
}

/**
 * Submits a command job that Trellis builds itself (a batch scoring job): validated by the same
 * schema and checks as a job file, with no YAML text in between, then submitted as submitJob does.
 */
export async function submitJobFields(
  context: Context,
  caller: Caller,
  fields: CommandJobFields,
  input: Omit<SubmitJobInput, 'text'>,
  options: QueueOptions = {},
): Promise<Job> {
  await requireWorkspace(context, input.workspace);
  return submitParsedJob(context, caller, jobFromFields(fields, input.fileName), input, options);
}

/**
 * The problems a command job that Trellis builds (a pipeline's step) would be refused for, without
 * submitting it. `pendingInputs`: inputs bound to outputs not written yet (a step that runs
 * first), taken as given.
 */
export async function checkJobFields(
  context: Context,
  fields: CommandJobFields,
  input: Omit<SubmitJobInput, 'text'>,
  pendingInputs: ReadonlySet<string>,
): Promise<Problem[]> {
  return (await checkParsedJob(context, jobFromFields(fields, input.fileName), input, pendingInputs)).problems;
}

async function submitParsedJob(
  context: Context,
  caller: Caller,
  parsed: ParsedJobFile,
  input: Omit<SubmitJobInput, 'text'>,
  options: QueueOptions = {},
): Promise<Job> {
  const { problems, checked } = await checkParsedJob(context, parsed, input, new Set());
  if (problems.length > 0 || !checked) throw invalidInput(input.fileName, problems);
  const enforced = await enforceJobPolicies(context, {
    workspace: input.workspace,
    name: checked.name,
    computeName: checked.computeName,
    environment: checked.spec.environment === undefined ? undefined : environmentOf(checked.spec.environment),
    code: checked.spec.code ? codeUploadOf(checked.spec.code, input.uploads) : undefined,
  });
  return queueCheckedJob(context, caller, checked.spec, input, { ...checked, enforced }, options);
}

/** The job's code as content: uploaded with the job, or already stored (a registered component's code snapshot, as a content URI). */
function codeUploadOf(code: string, uploads: SubmitJobInput['uploads']): UploadedContent {
  const stored = parseContentUri(code);
  return (
    uploads[code] ??
    (stored?.type === 'file'
      ? { type: 'file', digest: stored.digest, size: 0, fileName: stored.fileName }
      : { type: 'folder', digest: stored?.digest ?? code, size: 0, fileCount: 0 })
  );
}

/** A job file's environment as the policies read it: a reference, or the inline spec. */
function environmentOf(environment: string | object): string | Record<string, unknown> {
  return typeof environment === 'string' ? environment : Object.fromEntries(Object.entries(environment));
}

/** Every check of a parsed job, and what they resolved; nothing is written. */
async function checkParsedJob(
  context: Context,
  parsed: ParsedJobFile,
  input: Omit<SubmitJobInput, 'text'>,
  pendingInputs: ReadonlySet<string>,
): Promise<{ problems: Problem[]; checked?: CheckedJob }> {
  const { workspace } = input;
  const { job: file, localPaths } = parsed;
  const problems: Problem[] = [];
  const repositories = context.store.repositories;

  // The job keeps the content of an inline environment's conda file, as Azure ML does: the build needs nothing from the submitter's disk.
  const spec = structuredClone(file);
  for (const local of localPaths) {
    if (local.use === 'inline-yaml') {
      problems.push(...inlineLocalFile(spec, local, input.inlined, "submit it with 'trellis job create --file', which reads it"));
      continue;
    }
    if (input.uploads[local.value] === undefined) problems.push(unsentLocalPath(local));
  }

  // Compute: named (azureml:cpu-cluster or cpu-cluster), or the serverless cluster made on demand.
  if (file.code && remoteScheme(file.code) !== undefined && !parseContentUri(file.code))
    problems.push({
      path: 'code',
      message: `code '${file.code}' cannot be read here; give a local folder or file (trellis job create uploads it)`,
    });

  // `compute: azureml:serverless` names serverless compute, as on Azure ML.
  const computeName = file.compute ? file.compute.replace(/^azureml:/, '') : serverlessComputeName;
  const instanceCount = file.resources?.instance_count ?? 1;
  if (computeName !== serverlessComputeName) {
    const compute = await repositories.resources.get({ workspace, kind: 'compute', name: computeName, version: null });
    if (!compute) {
      const names = await existingNames(context, workspace, 'compute');
      problems.push({
        path: 'compute',
        message: `compute '${computeName}' does not exist in workspace '${workspace}'; computes here: ${names}. Create one with: trellis compute create --name ${computeName} --file <amlcompute.yml>, or leave compute out to run on serverless compute`,
      });
    } else {
      const spec = compute.spec;
      if (!runnableComputeTypes.has(spec.type))
        problems.push({
          path: 'compute',
          message: `compute '${computeName}' is of type ${spec.type}, which runs no jobs here; use an amlcompute, kubernetes or slurm compute`,
        });
      if (spec.type === 'amlcompute' && instanceCount > spec.max_instances)
        problems.push({
          path: 'resources.instance_count',
          message: `the job asks for ${instanceCount} nodes but compute '${computeName}' has max_instances ${spec.max_instances}; lower instance_count or raise the cluster's max_instances`,
        });
      if (spec.type === 'slurm' && spec.nodes_max !== undefined && instanceCount > spec.nodes_max)
        problems.push({
          path: 'resources.instance_count',
          message: `the job asks for ${instanceCount} nodes but Slurm compute '${computeName}' has nodes_max ${spec.nodes_max}; lower instance_count or raise the compute's nodes_max`,
        });
      if (spec.type === 'computeinstance' && instanceCount > 1)
        problems.push({
          path: 'resources.instance_count',
          message: `compute '${computeName}' is a compute instance (one node); use an amlcompute cluster for ${instanceCount} nodes`,
        });
    }
  }

  // Environment: a curated one, an environment asset, or inline.
  let environment: JobLineage['environment'] | undefined;
  if (typeof file.environment === 'string') {
    const curated = resolveCuratedEnvironment(file.environment);
    if (curated) environment = { name: curated.name, version: curated.version, curated: true };
    else {
      const found = await findAsset(context, workspace, 'environment', file.environment);
      if (found) environment = { name: found.name, version: found.version ?? '', curated: false };
      else
        problems.push({
          path: 'environment',
          message: `environment '${file.environment}' does not exist in workspace '${workspace}'; environments here: ${await existingNames(context, workspace, 'environment')}; curated: trellis-python-sklearn, trellis-python, trellis-node (see docs/environments.md)`,
        });
    }
  } else {
    environment = { inline: true, digest: digestOf(spec.environment) };
  }

  // Inputs: literals, local data (uploaded), data assets (exact version), remote URIs (fetched when the job prepares).
  const inputs: Record<string, LineageInput> = {};
  const provided: Record<string, { optional?: boolean; provided: boolean }> = {};
  const localInputs: Array<{ name: string; type: string; path: string; mode: string }> = [];
  for (const [name, value] of Object.entries(file.inputs ?? {})) {
    if (pendingInputs.has(name)) {
      provided[name] = { provided: true };
      continue;
    }
    if (typeof value !== 'object') {
      inputs[name] = { type: 'literal', value };
      provided[name] = { provided: true };
      continue;
    }
    const spec = value;
    const optional = spec.optional === true;
    if (!(dataInputTypes as readonly string[]).includes(spec.type)) {
      provided[name] = { optional, provided: spec.default !== undefined };
      if (spec.default !== undefined) inputs[name] = { type: 'literal', value: spec.default };
      continue;
    }
    provided[name] = { optional, provided: spec.path !== undefined };
    if (spec.path === undefined) continue;
    const mode = spec.mode ?? 'ro_mount';
    if (!(inputModes as readonly string[]).includes(mode)) continue;
    const scheme = remoteScheme(spec.path);
    if (scheme === undefined) {
      localInputs.push({ name, type: spec.type, path: spec.path, mode });
    } else if (isDatastoreUri(spec.path)) {
      // azureml://datastores/<name>/paths/<path>: the datastore must exist and the path be there; downloaded when the job prepares.
      const target = parseDatastoreUri(spec.path);
      const problem =
        'problem' in target
          ? target.problem
          : spec.type === 'uri_file' || spec.type === 'uri_folder'
            ? await datastoreInputProblem(context, workspace, target, spec.type)
            : `a ${spec.type} input cannot be read from a datastore here; use type uri_file or uri_folder`;
      if (problem) problems.push({ path: `inputs.${name}.path`, message: problem });
      else inputs[name] = { type: spec.type, uri: spec.path, mode };
    } else if (scheme === 'azureml' && (!spec.path.startsWith('azureml://') || isRegistryAssetId(spec.path))) {
      const found = await findAsset(context, workspace, spec.type.endsWith('_model') ? 'model' : 'data', spec.path);
      const registry = found ? registryOfStorage(found.workspace) : undefined;
      if (found)
        inputs[name] = {
          type: spec.type,
          asset: { name: found.name, version: found.version ?? '', ...(registry !== undefined ? { registry } : {}) },
          digest: null,
          mode,
        };
      else
        problems.push({
          path: `inputs.${name}.path`,
          message: `'${spec.path}' does not exist in workspace '${workspace}'; ${spec.type.endsWith('_model') ? 'models' : 'data assets'} here: ${await existingNames(context, workspace, spec.type.endsWith('_model') ? 'model' : 'data')}`,
        });
    } else if (['https', 'http', 'wasbs', 'wasb', 'abfss'].includes(scheme)) {
      inputs[name] = { type: spec.type, uri: spec.path, mode };
    } else {
      problems.push({
        path: `inputs.${name}.path`,
        message: `'${spec.path}' (${scheme}) cannot be read here; use a local path, azureml:<data>:<version>, or an https/wasbs URI`,
      });
    }
  }

  // Outputs bound to a datastore path are uploaded there when the job ends: the datastore must exist now.
  for (const [name, output] of Object.entries(file.outputs ?? {})) {
    if (output.path === undefined || !isDatastoreUri(output.path)) continue;
    const target = parseDatastoreUri(output.path);
    const problem = 'problem' in target ? target.problem : await datastoreProblem(context, workspace, target.datastore);
    if (problem) problems.push({ path: `outputs.${name}.path`, message: problem });
  }

  problems.push(...checkCommand(file.command, { inputs: provided, outputs: Object.keys(file.outputs ?? {}) }));
  const reserved = reservedOverrides(file.environment_variables ?? {});
  if (reserved.length > 0)
    problems.push({
      path: 'environment_variables',
      message: `${reserved.join(', ')} ${reserved.length === 1 ? 'is' : 'are'} set by Trellis to tie the job to its run; remove ${reserved.length === 1 ? 'it' : 'them'}`,
    });
  const name = file.name ?? generateJobName();
  if (
    (await repositories.jobs.get(workspace, name)) ||
    (await repositories.pipelines.get(workspace, name)) ||
    (await repositories.sweeps.get(workspace, name))
  )
    problems.push({
      path: 'name',
      message: `a job named '${name}' already exists in workspace '${workspace}'; job names are unique: pick another or leave name out`,
    });
  if (problems.length > 0) return { problems };
  return { problems, checked: { name, spec, computeName, instanceCount, environment: environment!, inputs, localInputs } };
}

/** Registers the job's code and local inputs as assets, makes its MLflow run, and queues it. */
async function queueCheckedJob(
  context: Context,
  caller: Caller,
  file: ParsedJobFile['job'],
  input: Omit<SubmitJobInput, 'text'>,
  checked: CheckedJob,
  options: QueueOptions = {},
): Promise<Job> {
  const { workspace, fileName } = input;
  const { name, computeName, instanceCount, environment, inputs, localInputs, enforced } = checked;

  // Content-addressed assets for the code snapshot and local inputs: the same bytes give the same asset.
  let code: JobLineage['code'] = null;
  if (file.code) {
    const upload = codeUploadOf(file.code, input.uploads);
    const asset = await registerContent(context, caller, workspace, 'code', upload, file.code, {});
    code = { name: asset.name, version: asset.version ?? '1', digest: upload.digest };
  }
  for (const local of localInputs) {
    const upload = input.uploads[local.path]!;
    // A local model input (mlflow_model, custom_model, ...) becomes a model asset, where the lineage of a *_model input points.
    const isModel = local.type.endsWith('_model');
    const type = isModel ? local.type : local.type === 'uri_file' ? 'uri_file' : 'uri_folder';
    const asset = await registerContent(context, caller, workspace, isModel ? 'model' : 'data', upload, local.path, { type });
    inputs[local.name] = {
      type: local.type,
      asset: { name: asset.name, version: asset.version ?? '1' },
      digest: upload.digest,
      mode: local.mode,
    };
  }
  if (computeName === serverlessComputeName) await ensureServerlessCompute(context, caller, workspace);

  // The job's MLflow run, in the experiment the file names (made if new).
  const experimentName = file.experiment_name ?? input.defaultExperimentName ?? 'Default';
  const experimentId = await experimentIdFor(context, workspace, experimentName);
  await ensureDefaultExperiment(context, workspace);
  const displayName = file.display_name ?? name;
  // The run, the job and its history, the audit entry (and what the caller adds) land in one commit, not two or three.
  return context.store.transaction(async (transaction) => {
    const { info: run } = await createRunWithin(context, transaction, workspace, {
      experimentId,
      userId: caller.actor,
      runName: displayName,
      startTime: undefined,
      tags: [
        { key: 'mlflow.user', value: caller.actor },
        { key: 'mlflow.source.type', value: 'JOB' },
        { key: 'mlflow.source.name', value: fileName },
        { key: 'trellis.job', value: name },
        // A pipeline's step: its run is a child of the pipeline's, as MLflow nests runs.
        ...(input.pipeline
          ? [
              { key: 'mlflow.parentRunId', value: input.pipeline.runId },
              { key: 'trellis.pipeline', value: input.pipeline.name },
              { key: 'trellis.step', value: input.pipeline.step },
            ]
          : []),
        // A sweep's trial: its run is a child of the sweep's.
        ...(input.sweep
          ? [
              { key: 'mlflow.parentRunId', value: input.sweep.runId },
              { key: 'trellis.sweep', value: input.sweep.name },
              { key: 'trellis.trial', value: String(input.sweep.trial) },
            ]
          : []),
        ...Object.entries(file.tags ?? {}).map(([key, value]) => ({ key, value })),
      ],
    });

    const now = context.clock().getTime();
    const job: Job = {
      workspace,
      name,
      displayName,
      experimentName,
      description: file.description ?? null,
      tags: {
        ...(file.tags ?? {}),
        ...(input.pipeline ? { 'trellis.pipeline': input.pipeline.name, 'trellis.step': input.pipeline.step } : {}),
        ...(input.sweep ? { 'trellis.sweep': input.sweep.name, 'trellis.trial': String(input.sweep.trial) } : {}),
      },
      compute: computeName,
      spec: { ...file, name },
      lineage: {
        code,
        environment,
        inputs,
        compute: computeName,
        submittedBy: caller.actor,
        ...(enforced && Object.keys(enforced).length > 0 ? { enforced } : {}),
      },
      state: 'Queued',
      reason: 'queued: waiting for the scheduler',
      exitCode: null,
      retries: 0,
      attempt: 0,
      priority: priorityOf(file.queue_settings?.priority),
      instanceCount,
      submittedAt: now,
      startedAt: null,
      endedAt: null,
      runId: run.run_id,
      createdBy: caller.actor,
      nodeSeconds: 0,
      nodes: [],
      handle: null,
      stopRequest: null,
    };
    // The run waits with its job: SCHEDULED from the start.
    await transaction.runs.update(run.run_id, { status: 'SCHEDULED' });
    await transaction.jobs.insert(job, now);
    await auditJob(
      transaction,
      caller,
      { workspace, name, action: 'create', afterDigest: digestOf(job.spec), summary: `queued on ${computeName}` },
      now,
    );
    await options.onQueued?.(transaction, job);
    return job;
  });
}

/** Azure ML-style job names: two words and ten letters or digits (`sharp_otter_4fp6kq1mxt`). */
export function generateJobName(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const suffix = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return `${adjectives[randomInt(adjectives.length)]}_${nouns[randomInt(nouns.length)]}_${suffix}`;
}

/** The id of the active experiment `name`, made when new; 422 when it is deleted. */
export async function experimentIdFor(context: Context, workspace: string, name: string): Promise<string> {
  const existing = await context.store.repositories.experiments.getByName(workspace, name);
  if (existing && existing.lifecycle_stage === 'active') return existing.experiment_id;
  if (existing)
    throw invalidInput('job', [
      { path: 'experiment_name', message: `experiment '${name}' is deleted; restore it or use another experiment_name` },
    ]);
  try {
    return await createExperiment(context, workspace, { name, tags: [] });
  } catch (error) {
    const made = await context.store.repositories.experiments.getByName(workspace, name);
    if (made) return made.experiment_id;
    throw error;
  }
}
