import { applySetOverrides } from '../../core/azureml/parse-job-file.js';
import { parseOnlineDeployment } from '../../core/azureml/parse-endpoint-file.js';
import { remoteScheme } from '../../core/azureml/paths.js';
import { isPlainObject } from '../../core/azureml/schema-helpers.js';
import { resolveCuratedEnvironment } from '../../core/environments/curated.js';
import { mlflowModelEnvironmentName } from '../../core/environments/mlflow-model-environment.js';
import {
  type Deployment,
  type DeploymentLineage,
  type DeploymentSpec as AnyDeploymentSpec,
  type Endpoint,
  type EndpointType,
  modelSpaceOf,
} from '../../core/endpoints/endpoint.js';
import { invalidInput, isTrellisError, TrellisError, type Problem } from '../../core/errors.js';
import type { LocalPath } from '../../core/azureml/parse-resource-file.js';
import { assetIdOf, registryOfStorage } from '../../core/registries/registry-asset-id.js';
import { digestOf } from '../../core/resources/digest.js';
import { stringifyYaml } from '../../core/yaml/stringify-yaml.js';
import { inlineLocalFile, type UploadedContent } from '../apply-resource.js';
import { existingNames, findAsset, registerContent } from '../asset-lookup.js';
import { deploymentModelType, onlineDeploymentType } from '../../core/policy/policy-target.js';
import type { Caller, Context } from '../context.js';
import { enforcePolicies } from '../policy/policy-enforcement.js';
import { recordDeploymentInstances } from '../cost/deployment-usage.js';
import { getEndpoint } from './endpoint-service.js';
import { mlflowModelEnvironmentOf } from './model-environment.js';

/**
 * Online deployments: create or update from Azure ML YAML, read, list, delete. What a deployment
 * serves is fixed when it is created or updated: the model's exact version (a local model folder
 * becomes a content-addressed model asset), the code snapshot, the environment version, who
 * deployed it and when. The serving controller then brings its instances up; until they are ready
 * the deployment gets no traffic.
 */

export interface ApplyDeploymentInput {
  workspace: string;
  /** From the URL (`--endpoint-name`); the file's endpoint_name, when there is one, must agree. */
  endpoint: string;
  fileName: string;
  text: string;
  /** `--name` overrides the file's. */
  name?: string | undefined;
  /** Keyed by the local path exactly as the YAML writes it (model.path, code_configuration.code). */
  uploads: Record<string, UploadedContent>;
  /** Text of local files Azure ML inlines (an inline environment's conda_file). */
  inlined: Record<string, string>;
}

export type DeploymentSpec = ReturnType<typeof parseOnlineDeployment>['spec'];

export async function applyDeployment(
  context: Context,
  caller: Caller,
  input: ApplyDeploymentInput,
): Promise<{ deployment: Deployment; action: 'created' | 'updated' | 'unchanged' }> {
  const { workspace } = input;
  const endpoint = await getEndpoint(context, workspace, input.endpoint, 'online');
  // The endpoint comes from the URL; a file without endpoint_name gets it (as `--endpoint-name` does on Azure).
  const overrides = [...(input.name ? [`name=${input.name}`] : [])];
  let text = applySetOverrides(input.text, overrides, input.fileName);
  if (!/^endpoint_name\s*:/m.test(text)) text = applySetOverrides(text, [`endpoint_name=${endpoint.name}`], input.fileName);
  const parsed = parseOnlineDeployment(text, input.fileName);
  const problems: Problem[] = [];
  if (parsed.spec.endpoint_name !== endpoint.name)
    problems.push({
      path: 'endpoint_name',
      message: `the file names endpoint '${parsed.spec.endpoint_name}' but it is being deployed to '${endpoint.name}'; make them agree`,
    });
  const spec = withLocalFiles(parsed, input, 'online-deployment', problems);
  const lineage = await resolveLineage(context, caller, workspace, spec, input, problems);
  if (problems.length > 0) throw invalidInput(input.fileName, problems);
  await refuseDeniedDeployment(context, workspace, endpoint.name, spec, lineage);

  const repositories = context.store.repositories;
  const now = context.clock().getTime();
  const existing = await repositories.endpoints.getDeploymentOf(endpoint, spec.name);
  const instanceCount = initialInstances(spec);
  const etag = digestOf({ spec, lineage: { ...lineage, deployedAt: 0 }, now }).slice(7, 23);
  if (existing && isUnchanged(existing, spec, lineage)) return { deployment: existing, action: 'unchanged' };
  const deployment: Deployment<'online'> = {
    workspace,
    endpoint: endpoint.name,
    name: spec.name,
    spec,
    lineage,
    state: existing ? 'Updating' : 'Creating',
    reason: existing ? 'new instances are starting; the current ones serve until they are ready' : 'instances are starting',
    instanceCount,
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
        state: deployment.state,
        reason: deployment.reason,
        instanceCount,
        updatedAt: now,
        etag,
      });
    else await transaction.endpoints.insertDeployment(deployment);
    await recordDeploymentInstances(transaction, deployment, instanceCount, now);
    await transaction.audit.append(deploymentAuditEvent(caller, now, 'online-deployment', existing, deployment, describeLineage(lineage)));
  });
  return { deployment, action: existing ? 'updated' : 'created' };
}

export async function getDeployment(context: Context, workspace: string, endpoint: string, name: string): Promise<Deployment<'online'>> {
  return deploymentOf(context, await getEndpoint(context, workspace, endpoint, 'online'), name);
}

/**
 * A deployment of an endpoint already read (online or batch), or a 404 that lists the ones it has
 * and says how to create one.
 */
export async function deploymentOf<Type extends EndpointType>(
  context: Context,
  endpoint: Endpoint<Type>,
  name: string,
): Promise<Deployment<Type>> {
  const repositories = context.store.repositories.endpoints;
  const deployment = await repositories.getDeploymentOf(endpoint, name);
  if (deployment) return deployment;
  const names = (await repositories.listDeployments(endpoint.workspace, endpoint.name)).map((item) => item.name);
  const kind = endpoint.type === 'batch' ? 'batch' : 'online';
  throw new TrellisError(
    'DeploymentNotFound',
    404,
    `${kind} endpoint '${endpoint.name}' has no deployment '${name}'; its deployments: ${names.join(', ') || '(none)'}; create one with: trellis ${kind}-deployment create --file <deployment.yml> --endpoint-name ${endpoint.name}`,
  );
}

export async function listDeployments(context: Context, workspace: string, endpoint: string): Promise<Deployment[]> {
  await getEndpoint(context, workspace, endpoint, 'online');
  return context.store.repositories.endpoints.listDeployments(workspace, endpoint);
}

/** Deletes a deployment that takes no live traffic (move its traffic first, as Azure requires). */
export async function deleteDeployment(context: Context, caller: Caller, workspace: string, endpoint: string, name: string): Promise<void> {
  const owner = await getEndpoint(context, workspace, endpoint, 'online');
  const deployment = await deploymentOf(context, owner, name);
  if ((owner.traffic[name] ?? 0) > 0 || (owner.mirrorTraffic[name] ?? 0) > 0) {
    throw new TrellisError(
      'DeploymentHasTraffic',
      409,
      `deployment '${name}' still gets ${owner.traffic[name] ?? 0}% of live traffic${owner.mirrorTraffic[name] ? ` and ${owner.mirrorTraffic[name]}% mirrored` : ''}; move it first: trellis online-endpoint update --name ${endpoint} --traffic "<other>=100"`,
    );
  }
  const now = context.clock().getTime();
  await context.store.transaction(async (transaction) => {
    await transaction.endpoints.deleteDeployment(workspace, endpoint, name);
    await recordDeploymentInstances(transaction, deployment, 0, now);
    await transaction.audit.append(deploymentAuditEvent(caller, now, 'online-deployment', deployment, undefined, null));
  });
}

/** Whether a create/update would change nothing: the same YAML resolving to the same versions. */
export function isUnchanged(existing: Deployment, spec: AnyDeploymentSpec, lineage: DeploymentLineage): boolean {
  const versions = (of: DeploymentLineage) => digestOf({ ...of, deployedBy: '', deployedAt: 0 });
  return digestOf(existing.spec) === digestOf(spec) && versions(existing.lineage) === versions(lineage);
}

/** The audit record of a deployment created (no `before`), updated, or deleted (no `after`). */
export function deploymentAuditEvent(
  caller: Caller,
  now: number,
  kind: 'online-deployment' | 'batch-deployment',
  before: Deployment | undefined,
  after: Deployment | undefined,
  summary: string | null,
) {
  const deployment = (after ?? before)!;
  return {
    workspace: deployment.workspace,
    at: new Date(now).toISOString(),
    actor: caller.actor,
    action: !before ? 'create' : after ? 'update' : 'delete',
    kind,
    name: `${deployment.endpoint}/${deployment.name}`,
    version: null,
    beforeDigest: before ? digestOf(before.spec) : null,
    afterDigest: after ? digestOf(after.spec) : null,
    requestId: caller.requestId,
    summary,
  };
}

/** The instances to start with: instance_count, or min_instances (at least 1) under target_utilization. */
export function initialInstances(spec: DeploymentSpec): number {
  const scale = spec.scale_settings;
  if (scale?.type === 'target_utilization') return spec.instance_count ?? Math.max(1, scale.min_instances);
  return spec.instance_count ?? 1;
}

/**
 * The deployment's spec as it is stored: a copy of the parsed one with each file Azure ML inlines
 * (an inline environment's `conda_file`, read and sent by the CLI) in place of its path, as
 * `az ml` does. Problems name a local path the client did not send. Online and batch share it.
 */
export function withLocalFiles<Spec extends object>(
  parsed: { spec: Spec; localPaths: LocalPath[] },
  input: Pick<ApplyDeploymentInput, 'uploads' | 'inlined'>,
  command: 'online-deployment' | 'batch-deployment',
  problems: Problem[],
): Spec {
  const spec = structuredClone(parsed.spec);
  const how = `create it with 'trellis ${command} create --file', which reads and uploads the files it names`;
  for (const local of parsed.localPaths) {
    if (local.use === 'inline-yaml') problems.push(...inlineLocalFile(spec, local, input.inlined, how));
    else if (input.uploads[local.value] === undefined)
      problems.push({
        path: local.pointer.join('.'),
        ...(local.line ? { line: local.line } : {}),
        message: `local path '${local.value}' was not sent with the deployment; ${how}`,
      });
  }
  return spec;
}

/**
 * Resolves the model, code and environment to exact versions; problems name the field and what
 * exists. Online and batch deployments share it (their model, code and environment fields agree).
 */
/**
 * Policies on a deployment and the model it serves (Azure's v2 data-plane view, where
 * OnlyDeployAllowedRegistryModels_Deny looks): a matching deny refuses the deployment with the
 * definition's name and what matched.
 */
async function refuseDeniedDeployment(
  context: Context,
  workspace: string,
  endpoint: string,
  spec: DeploymentSpec,
  lineage: DeploymentLineage,
): Promise<void> {
  const what = `deployment '${spec.name}' of endpoint '${endpoint}'`;
  const common = { workspace, name: spec.name, endpoint, tags: spec.tags ?? {} };
  await enforcePolicies(context, { ...common, type: onlineDeploymentType, spec: { ...spec } }, what);
  if (lineage.model)
    await enforcePolicies(
      context,
      {
        ...common,
        type: deploymentModelType,
        model: { assetId: assetIdOf(modelSpaceOf({ workspace, lineage }), 'model', lineage.model.name, lineage.model.version) },
      },
      what,
    );
}

export async function resolveLineage(
  context: Context,
  caller: Caller,
  workspace: string,
  spec: Pick<DeploymentSpec, 'model' | 'code_configuration' | 'environment'>,
  input: Pick<ApplyDeploymentInput, 'uploads'>,
  problems: Problem[],
): Promise<DeploymentLineage> {
  const now = context.clock().getTime();
  let model: DeploymentLineage['model'] = null;
  const reference = spec.model;
  if (typeof reference === 'string') {
    const found = await findAsset(context, workspace, 'model', reference);
    if (found) {
      const registry = registryOfStorage(found.workspace);
      model = { name: found.name, version: found.version ?? '1', type: found.spec.type, ...(registry !== undefined ? { registry } : {}) };
    } else
      problems.push({
        path: 'model',
        message: `model '${reference}' does not exist in workspace '${workspace}'; models here: ${await existingNames(context, workspace, 'model')}`,
      });
  } else if (reference !== undefined) {
    const path = reference.path;
    const type = reference.type;
    if (remoteScheme(path) !== undefined) {
      problems.push({
        path: 'model.path',
        message: `'${path}' is remote; register the model first (trellis model create) and deploy it as azureml:<name>:<version>, or give a local folder`,
      });
    } else if (input.uploads[path]) {
      // An inline model that names itself is registered under that name (and version, or the next one), as on Azure ML.
      const identity =
        typeof reference.name === 'string'
          ? {
              name: reference.name,
              version: reference.version === undefined || reference.version === null ? undefined : String(reference.version),
            }
          : {};
      try {
        const asset = await registerContent(
          context,
          caller,
          workspace,
          'model',
          input.uploads[path]!,
          path,
          { type, ...identity },
          'deployment',
        );
        model = { name: asset.name, version: asset.version ?? '1', type };
      } catch (error) {
        if (!isTrellisError(error) || error.status >= 500) throw error;
        problems.push({ path: 'model', message: error.message });
      }
    }
  } else {
    problems.push({
      path: 'model',
      message:
        'is required: a registered model (azureml:<name>:<version>) or a local folder ({path: ./model, type: mlflow_model|custom_model})',
    });
  }

  let code: DeploymentLineage['code'] = null;
  const codePath = spec.code_configuration?.code;
  if (typeof codePath === 'string' && input.uploads[codePath]) {
    const asset = await registerContent(context, caller, workspace, 'code', input.uploads[codePath]!, codePath, {}, 'deployment');
    code = { name: asset.name, digest: input.uploads[codePath]!.digest };
  } else if (typeof codePath === 'string' && remoteScheme(codePath) !== undefined) {
    const found =
      codePath.startsWith('azureml:') && !codePath.startsWith('azureml://')
        ? await findAsset(context, workspace, 'code', codePath)
        : undefined;
    if (found) code = { name: found.name, digest: found.spec.path };
    else
      problems.push({
        path: 'code_configuration.code',
        message: `'${codePath}' cannot be read here; give a local folder or a code asset (azureml:<name>:<version>)`,
      });
  }

  let environment: DeploymentLineage['environment'] = null;
  const env = spec.environment as unknown;
  if (typeof env === 'string') {
    const curated = resolveCuratedEnvironment(env);
    if (curated) environment = { name: curated.name, version: curated.version, curated: true };
    else {
      const found = await findAsset(context, workspace, 'environment', env);
      if (found) environment = { name: found.name, version: found.version ?? null, curated: false };
      else
        problems.push({
          path: 'environment',
          message: `environment '${env}' does not exist in workspace '${workspace}'; environments here: ${await existingNames(context, workspace, 'environment')}; curated: trellis-python-sklearn, trellis-python, trellis-node`,
        });
    }
  } else if (isPlainObject(env)) {
    environment = { name: `inline-${digestOf(env).slice(7, 19)}`, version: null, curated: false };
  } else if (model?.type === 'mlflow_model' && code === null) {
    // A no-code MLflow deployment runs in the environment saved with the model (its conda file), as
    // on Azure ML; a model without one, in the curated scikit-learn environment (it holds mlflow).
    const asset = await context.store.repositories.resources.get({ workspace, kind: 'model', name: model.name, version: model.version });
    const own = asset ? await mlflowModelEnvironmentOf(context, workspace, asset) : undefined;
    const curated = resolveCuratedEnvironment('trellis-python-sklearn');
    if (own) environment = { name: mlflowModelEnvironmentName, version: digestOf(own).slice(7, 19), curated: false };
    else if (curated) environment = { name: curated.name, version: curated.version, curated: true };
  }
  return { model, environment, code, deployedBy: caller.actor, deployedAt: now };
}

function describeLineage(lineage: DeploymentLineage): string {
  const parts = [lineage.model ? `model ${lineage.model.name}:${lineage.model.version}` : 'no model'];
  if (lineage.environment)
    parts.push(`environment ${lineage.environment.name}${lineage.environment.version ? `:${lineage.environment.version}` : ''}`);
  if (lineage.code) parts.push(`code ${lineage.code.name}`);
  return parts.join(', ');
}

export interface UpdateDeploymentFieldsInput {
  workspace: string;
  endpoint: string;
  name: string;
  /** field=value, as az's --set: instance_count=2, code_configuration.scoring_script=score.py. */
  set: string[];
}

/**
 * `az ml online-deployment update --name blue --endpoint-name X --set instance_count=2`, with no
 * file: the stored spec with those fields changed, checked as a file would be. What the deployment
 * serves stays as it was resolved, unless --set names another model, code or environment; those must
 * be registered (azureml:<name>:<version>), since new local files come only with a deployment file.
 */
export async function updateDeploymentFields(
  context: Context,
  caller: Caller,
  input: UpdateDeploymentFieldsInput,
): Promise<{ deployment: Deployment; action: 'updated' | 'unchanged' }> {
  const { workspace } = input;
  const endpoint = await getEndpoint(context, workspace, input.endpoint, 'online');
  const existing = await deploymentOf(context, endpoint, input.name);
  const label = `--set for deployment '${existing.name}' of endpoint '${endpoint.name}'`;
  const parsed = parseOnlineDeployment(applySetOverrides(stringifyYaml(existing.spec), input.set, label), label);
  const spec = parsed.spec;
  const problems: Problem[] = [];
  if (spec.name !== existing.name)
    problems.push({
      path: 'name',
      message: `a deployment cannot be renamed; create '${spec.name}' from a file: trellis online-deployment create --file <deployment.yml> --endpoint-name ${endpoint.name}`,
    });
  if (spec.endpoint_name !== endpoint.name)
    problems.push({
      path: 'endpoint_name',
      message: `a deployment cannot move to another endpoint; create it there from a file: trellis online-deployment create --file <deployment.yml> --endpoint-name ${spec.endpoint_name}`,
    });
  for (const local of parsed.localPaths) {
    if (fieldAt(existing.spec, local.pointer) === local.value) continue;
    problems.push({
      path: local.pointer.join('.'),
      message: `'${local.value}' is a local path, and local files are uploaded from a deployment file: trellis online-deployment update --file <deployment.yml> --endpoint-name ${endpoint.name}; or name a registered asset (azureml:<name>:<version>)`,
    });
  }
  const changed = (pointer: string[]) =>
    digestOf({ value: fieldAt(existing.spec, pointer) ?? null }) !== digestOf({ value: fieldAt(spec, pointer) ?? null });
  const [modelChanged, codeChanged, environmentChanged] = [['model'], ['code_configuration', 'code'], ['environment']].map(changed);
  const now = context.clock().getTime();
  let lineage: DeploymentLineage = { ...existing.lineage, deployedBy: caller.actor, deployedAt: now };
  if (modelChanged || codeChanged || environmentChanged) {
    const resolved = await resolveLineage(context, caller, workspace, spec, { uploads: {} }, problems);
    lineage = {
      ...lineage,
      model: modelChanged ? resolved.model : existing.lineage.model,
      code: codeChanged ? resolved.code : existing.lineage.code,
      // A no-code MLflow model's environment comes with the model.
      environment:
        environmentChanged || (modelChanged && existing.lineage.code === null) ? resolved.environment : existing.lineage.environment,
    };
  }
  if (problems.length > 0) throw invalidInput(label, problems);
  if (isUnchanged(existing, spec, lineage)) return { deployment: existing, action: 'unchanged' };

  const instanceCount = initialInstances(spec);
  const etag = digestOf({ spec, lineage: { ...lineage, deployedAt: 0 }, now }).slice(7, 23);
  const reason = 'new instances are starting; the current ones serve until they are ready';
  const deployment: Deployment<'online'> = { ...existing, spec, lineage, state: 'Updating', reason, instanceCount, updatedAt: now, etag };
  await context.store.transaction(async (transaction) => {
    await transaction.endpoints.updateDeployment(workspace, endpoint.name, existing.name, {
      spec,
      lineage,
      state: 'Updating',
      reason,
      instanceCount,
      updatedAt: now,
      etag,
    });
    await recordDeploymentInstances(transaction, deployment, instanceCount, now);
    await transaction.audit.append(
      deploymentAuditEvent(
        caller,
        now,
        'online-deployment',
        existing,
        deployment,
        `--set ${input.set.join(' ')}; ${describeLineage(lineage)}`,
      ),
    );
  });
  return { deployment, action: 'updated' };
}

/** The value at a field path of a spec, or undefined. */
function fieldAt(spec: object, pointer: readonly (string | number)[]): unknown {
  let value: unknown = spec;
  for (const segment of pointer)
    value = isPlainObject(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[segment] : undefined;
  return value;
}
