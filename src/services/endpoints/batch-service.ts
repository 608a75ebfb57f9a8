import { applySetOverrides, type CommandJobFields } from '../../core/azureml/parse-job-file.js';
import { parseBatchDeployment } from '../../core/azureml/parse-endpoint-file.js';
import type { BatchDeploymentSpec } from '../../core/azureml/batch-deployment-schema.js';
import { type Deployment, modelSpaceOf } from '../../core/endpoints/endpoint.js';
import { formatRegistryAssetId } from '../../core/registries/registry-asset-id.js';
import { invalidInput, TrellisError, type Problem } from '../../core/errors.js';
import type { Job } from '../../core/jobs/job.js';
import { parseContentUri } from '../../core/resources/content-uri.js';
import { digestOf } from '../../core/resources/digest.js';
import type { UploadedContent } from '../apply-resource.js';
import { existingNames } from '../asset-lookup.js';
import type { Caller, Context } from '../context.js';
import { generateJobName, submitJobFields } from '../jobs/submit-job.js';
import { deploymentAuditEvent, deploymentOf, isUnchanged, resolveLineage, withLocalFiles } from './deployment-service.js';
import { getEndpoint } from './endpoint-service.js';
import { batchDriverCommand } from './batch-driver-command.js';
import { deploymentEnvironmentSpec } from './model-environment.js';
import { mlflowModelEnvironmentName } from '../../core/environments/mlflow-model-environment.js';

/**
 * Batch deployments and invocations. A batch deployment is only a record (model, compute,
 * settings): nothing runs until `invoke`, which submits a command job on the deployment's compute
 * whose command is the batch driver (serving/batch/batch-driver.ts) with the input data and the
 * model as job inputs and one uri_folder output, `score`. So a scoring job is queued, scheduled,
 * logged, retried on infrastructure failures and found again after a server restart like any
 * job, and its output folder (output_file_name and batch-summary.json) becomes a data asset when
 * it ends. The driver keeps its ledger of finished mini-batches in the job's checkpoint folder.
 */

export interface ApplyBatchDeploymentInput {
  workspace: string;
  endpoint: string;
  fileName: string;
  text: string;
  name?: string | undefined;
  uploads: Record<string, UploadedContent>;
  /** Text of local files Azure ML inlines (an inline environment's conda_file). */
  inlined: Record<string, string>;
}

/** The job tags that tie a scoring job to its endpoint and deployment (`list-jobs`). */
export const batchEndpointTag = 'trellis.batch-endpoint';
export const batchDeploymentTag = 'trellis.batch-deployment';

export async function applyBatchDeployment(
  context: Context,
  caller: Caller,
  input: ApplyBatchDeploymentInput,
): Promise<{ deployment: Deployment; action: 'created' | 'updated' | 'unchanged' }> {
  const { workspace } = input;
  const endpoint = await getEndpoint(context, workspace, input.endpoint, 'batch');
  let text = applySetOverrides(input.text, input.name ? [`name=${input.name}`] : [], input.fileName);
  if (!/^endpoint_name\s*:/m.test(text)) text = applySetOverrides(text, [`endpoint_name=${endpoint.name}`], input.fileName);
  const parsed = parseBatchDeployment(text, input.fileName);
  const problems: Problem[] = [];
  if (parsed.spec.endpoint_name !== endpoint.name)
    problems.push({
      path: 'endpoint_name',
      message: `the file names endpoint '${parsed.spec.endpoint_name}' but it is being deployed to '${endpoint.name}'; make them agree`,
    });
  const spec = withLocalFiles(parsed, input, 'batch-deployment', problems);
  if (!spec.compute) problems.push({ path: 'compute', message: 'is required: the cluster the scoring jobs run on (azureml:cpu-cluster)' });
  else if (!(await context.store.repositories.resources.get({ workspace, kind: 'compute', name: computeName(spec), version: null }))) {
    problems.push({
      path: 'compute',
      message: `compute '${computeName(spec)}' does not exist in workspace '${workspace}'; computes here: ${await existingNames(context, workspace, 'compute')}`,
    });
  }
  const lineage = await resolveLineage(context, caller, workspace, spec, input, problems);
  if (problems.length > 0) throw invalidInput(input.fileName, problems);

  const repositories = context.store.repositories;
  const now = context.clock().getTime();
  const existing = await repositories.endpoints.getDeploymentOf(endpoint, spec.name);
  if (existing && isUnchanged(existing, spec, lineage)) return { deployment: existing, action: 'unchanged' };
  const etag = digestOf({ spec, now }).slice(7, 23);
  const deployment: Deployment<'batch'> = {
    workspace,
    endpoint: endpoint.name,
    name: spec.name,
    spec,
    lineage,
    // Nothing to start: a batch deployment is ready once recorded.
    state: 'Succeeded',
    reason: null,
    instanceCount: spec.resources.instance_count,
    createdBy: existing?.createdBy ?? caller.actor,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    etag,
  };
  await context.store.transaction(async (transaction) => {
    if (existing)
      await transaction.endpoints.updateDeployment(workspace, endpoint.name, spec.name, {
        spec,
        lineage,
        state: 'Succeeded',
        reason: null,
        instanceCount: deployment.instanceCount,
        updatedAt: now,
        etag,
      });
    else await transaction.endpoints.insertDeployment(deployment);
    // The first deployment of an endpoint becomes its default, as on Azure ML.
    if (endpoint.defaultDeployment === null)
      await transaction.endpoints.updateEndpoint(workspace, endpoint.name, { defaultDeployment: spec.name, updatedAt: now });
    await transaction.audit.append(
      deploymentAuditEvent(
        caller,
        now,
        'batch-deployment',
        existing,
        deployment,
        lineage.model ? `model ${lineage.model.name}:${lineage.model.version} on ${computeName(spec)}` : null,
      ),
    );
  });
  return { deployment, action: existing ? 'updated' : 'created' };
}

export async function getBatchDeployment(
  context: Context,
  workspace: string,
  endpoint: string,
  name: string,
): Promise<Deployment<'batch'>> {
  return deploymentOf(context, await getEndpoint(context, workspace, endpoint, 'batch'), name);
}

export async function listBatchDeployments(context: Context, workspace: string, endpoint: string): Promise<Deployment[]> {
  await getEndpoint(context, workspace, endpoint, 'batch');
  return context.store.repositories.endpoints.listDeployments(workspace, endpoint);
}

/** Deletes a deployment that is not the endpoint's default (make another the default first, as Azure requires). */
export async function deleteBatchDeployment(
  context: Context,
  caller: Caller,
  workspace: string,
  endpoint: string,
  name: string,
): Promise<void> {
  const owner = await getEndpoint(context, workspace, endpoint, 'batch');
  const deployment = await deploymentOf(context, owner, name);
  const others = (await context.store.repositories.endpoints.listDeployments(workspace, endpoint)).filter((item) => item.name !== name);
  if (owner.defaultDeployment === name && others.length > 0) {
    throw new TrellisError(
      'DeploymentIsDefault',
      409,
      `deployment '${name}' is the default of batch endpoint '${endpoint}'; make another one the default first: trellis batch-endpoint update --name ${endpoint} --set defaults.deployment_name=<other>`,
    );
  }
  const now = context.clock().getTime();
  await context.store.transaction(async (transaction) => {
    await transaction.endpoints.deleteDeployment(workspace, endpoint, name);
    if (owner.defaultDeployment === name)
      await transaction.endpoints.updateEndpoint(workspace, endpoint, { defaultDeployment: null, updatedAt: now });
    await transaction.audit.append(deploymentAuditEvent(caller, now, 'batch-deployment', deployment, undefined, null));
  });
}

export interface InvokeInput {
  workspace: string;
  endpoint: string;
  /** The deployment to run; default: the endpoint's default deployment. */
  deployment?: string | undefined;
  /** azureml:<data>:<version>, a datastore path (azureml://datastores/<name>/paths/...), an https/wasbs URI, or a local folder sent in `uploads`. */
  input: string;
  /** The input's type: uri_folder (default) or uri_file. */
  inputType?: 'uri_folder' | 'uri_file' | undefined;
  uploads: Record<string, UploadedContent>;
}

/** Submits the scoring job of one invocation and returns it; the output is data asset azureml_<job>_output_data_score. */
export async function invokeBatchEndpoint(context: Context, caller: Caller, input: InvokeInput): Promise<Job> {
  const endpoint = await getEndpoint(context, input.workspace, input.endpoint, 'batch');
  const deploymentName = input.deployment ?? endpoint.defaultDeployment;
  if (!deploymentName)
    throw new TrellisError(
      'NoDefaultDeployment',
      409,
      `batch endpoint '${endpoint.name}' has no default deployment; name one with --deployment-name, or create a deployment: trellis batch-deployment create --file <deployment.yml> --endpoint-name ${endpoint.name}`,
    );
  const deployment = await deploymentOf(context, endpoint, deploymentName);
  const spec = deployment.spec;
  const model = deployment.lineage.model;
  if (!model)
    throw new TrellisError('DeploymentHasNoModel', 409, `batch deployment '${deploymentName}' names no model; update it with a model`);
  // Several nodes share the scoring through the job's checkpoint folder, which pods do not share.
  const nodes = spec.resources.instance_count;
  const compute = await context.store.repositories.resources.get({
    workspace: input.workspace,
    kind: 'compute',
    name: computeName(spec),
    version: null,
  });
  if (nodes > 1 && compute?.spec.type === 'kubernetes') {
    throw new TrellisError(
      'MultiNodeBatchNotSupported',
      409,
      `batch deployment '${deploymentName}' asks for ${nodes} instances on kubernetes compute '${computeName(spec)}', whose pods share no folder for the scoring ledger; set resources.instance_count: 1 (and raise settings.max_concurrency_per_instance), or use an amlcompute or slurm cluster`,
    );
  }
  const scoringScript = spec.code_configuration?.scoring_script;
  const settings = { ...spec.settings, ...(scoringScript ? { scoring_script: scoringScript } : {}) };
  const driver = batchDriverCommand();
  const name = generateJobName();
  // The job's code folder is the deployment's code snapshot; the command runs inside it.
  const code = deployment.lineage.code ? await codeUpload(context, input.workspace, deployment.lineage.code.name) : undefined;
  const command = [
    ...driver.map(quote),
    '--input ${{inputs.data}}',
    '--model ${{inputs.model}}',
    '--output ${{outputs.score}}',
    ...(code ? ['--code "$PWD"'] : []),
    ...(nodes > 1 ? [`--nodes ${nodes}`] : []),
    `--settings ${Buffer.from(JSON.stringify(settings)).toString('base64')}`,
  ].join(' ');
  const job: CommandJobFields = {
    name,
    display_name: `${endpoint.name}-${deploymentName}`,
    experiment_name: endpoint.name,
    description: `batch scoring: endpoint ${endpoint.name}, deployment ${deploymentName}, input ${input.input}`,
    tags: { [batchEndpointTag]: endpoint.name, [batchDeploymentTag]: deploymentName },
    command,
    inputs: {
      data: { type: input.inputType ?? 'uri_folder', path: input.input },
      model: {
        type: model.type === 'mlflow_model' ? 'mlflow_model' : 'custom_model',
        path:
          model.registry === undefined
            ? `azureml:${model.name}:${model.version}`
            : formatRegistryAssetId({ registry: model.registry, kind: 'model', name: model.name, version: model.version }),
      },
    },
    outputs: { score: { type: 'uri_folder' } },
    compute: `azureml:${computeName(spec)}`,
    environment: await jobEnvironment(context, deployment, spec),
    ...(code ? { code: codeFolder } : {}),
    resources: { instance_count: nodes },
    ...(settings.environment_variables ? { environment_variables: settings.environment_variables } : {}),
  };
  const uploads = code ? { ...input.uploads, [codeFolder]: code } : input.uploads;
  return submitJobFields(context, caller, job, { workspace: input.workspace, fileName: `invoke ${endpoint.name}`, uploads, inlined: {} });
}

/** The local path the scoring job's code is given under (its upload is the code snapshot). */
const codeFolder = './trellis-batch-code';

/** The stored content of the deployment's code snapshot (its newest version, as the online deployments read it), as an upload a job can name. */
async function codeUpload(context: Context, workspace: string, name: string): Promise<UploadedContent> {
  const asset = (await context.store.repositories.resources.list({ workspace, kind: 'code', tags: [], limit: 1, name, latestOnly: true }))
    .items[0];
  const uploaded = (asset?.status as { content?: UploadedContent[] } | undefined)?.content?.[0];
  if (uploaded?.type === 'folder') return uploaded;
  // A code asset made from a reference has no upload record; its path names the stored folder.
  const stored = asset ? parseContentUri(asset.spec.path) : undefined;
  if (stored?.type === 'folder') return { type: 'folder', digest: stored.digest, size: 0, fileCount: 0 };
  throw new TrellisError(
    'CodeMissing',
    409,
    `the deployment's code snapshot ${name} is gone or is not a stored folder; update the deployment (trellis batch-deployment update --file ...) to snapshot its code again`,
  );
}

/**
 * The scoring job runs in the deployment's environment: the one it names (curated, an asset's
 * exact version, or inline), the one saved with a no-code MLflow model (its conda file, or the
 * curated scikit-learn one when it has none), and the Node one for an ONNX model (the driver and
 * onnxruntime-node need nothing else).
 */
async function jobEnvironment(
  context: Context,
  deployment: Deployment<'batch'>,
  spec: BatchDeploymentSpec,
): Promise<CommandJobFields['environment']> {
  const environment = deployment.lineage.environment;
  if (!environment) return 'trellis-node';
  if (environment.curated) return `${environment.name}:${environment.version}`;
  if (environment.name === mlflowModelEnvironmentName) {
    const model = deployment.lineage.model;
    const asset = model
      ? await context.store.repositories.resources.get({
          workspace: modelSpaceOf(deployment),
          kind: 'model',
          name: model.name,
          version: model.version,
        })
      : undefined;
    return deploymentEnvironmentSpec(context, deployment, asset);
  }
  if (environment.name.startsWith('inline-') && spec.environment && typeof spec.environment === 'object') return spec.environment;
  return `azureml:${environment.name}:${environment.version}`;
}

/** The endpoint's scoring jobs, newest first (optionally one deployment's). */
export async function listBatchJobs(context: Context, workspace: string, endpoint: string, deployment?: string): Promise<Job[]> {
  await getEndpoint(context, workspace, endpoint, 'batch');
  const found: Job[] = [];
  let before: { submittedAt: number; name: string } | undefined;
  // Jobs have no tag index: page through them (a workspace's job list, not the whole store).
  for (;;) {
    const page = await context.store.repositories.jobs.list(workspace, { limit: 500, before });
    found.push(
      ...page.filter(
        (job) => job.tags[batchEndpointTag] === endpoint && (deployment === undefined || job.tags[batchDeploymentTag] === deployment),
      ),
    );
    if (page.length < 500) return found;
    const last = page[page.length - 1]!;
    before = { submittedAt: last.submittedAt, name: last.name };
  }
}

function computeName(spec: Pick<BatchDeploymentSpec, 'compute'>): string {
  return (spec.compute ?? '').replace(/^azureml:/, '');
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
