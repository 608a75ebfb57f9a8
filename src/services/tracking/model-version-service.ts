import type { Logger } from 'pino';
import { isTrellisError } from '../../core/errors.js';
import type { ResourceOf } from '../../core/resources/resource.js';
import type { KeyValue } from '../../core/tracking/entities.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import {
  activeStages,
  checkModelName,
  checkRegistryTag,
  checkRegistryTagKey,
  isPromptTagged,
  parseVersionNumber,
  type Stage,
} from '../../core/tracking/model-registry-rules.js';
import { parseModelUri, parseRunsUri, parseUri } from '../../core/tracking/model-version-source.js';
import type { Repositories } from '../../store/store.js';
import { auditChange } from '../audit-change.js';
import type { Caller, Context } from '../context.js';
import { checkVersionSource } from './model-version-source-check.js';
import {
  aliasesOf,
  downloadUriOf,
  mlflowStatusOf,
  requireModel,
  requireVersion,
  stageOf,
  toModelVersion,
  type MlflowVersionStatus,
  type ModelVersion,
} from './model-registry-view.js';

/**
 * MLflow's model versions, each one a Trellis `model` asset: registering a version creates the
 * asset with its lineage and an audit record in one transaction; stage, tag and description
 * changes are audited updates of it; deleting one deletes the asset.
 */

/** Run tags that name the Trellis job a run came from, newest spelling first. */
const jobNameTags = ['trellis.job.name', 'trellis.job'];
/** The logged-model tag listing the registered versions made from it (mlflow.utils.mlflow_tags). */
const modelVersionsTag = 'mlflow.modelVersions';
/** Two registrations racing for the same number: the loser runs again and takes the next one. */
const createAttempts = 3;

export interface CreateVersionInput {
  name: string;
  source: string;
  /** undefined when the request has no run_id (MLflow tells "absent" from "empty" for models:/ sources). */
  runId: string | undefined;
  runLink: string | undefined;
  modelId: string | undefined;
  tags: KeyValue[];
  description: string | undefined;
}

/**
 * Registers a version: the next number after every number the name ever had (a deleted version's
 * number is not given again, as in MLflow) and every whole-number asset version, stored as a
 * Trellis model asset that points at the files and records its run, logged model and job.
 */
export async function createModelVersion(
  context: Context,
  caller: Caller,
  workspace: string,
  input: CreateVersionInput,
): Promise<ModelVersion> {
  checkModelName(input.name);
  input.tags.forEach(checkRegistryTag);
  for (let attempt = 1; ; attempt++) {
    try {
      return await context.store.transaction((repositories) => createOnce(context, caller, workspace, input, repositories));
    } catch (error) {
      if (attempt < createAttempts && isTrellisError(error) && error.code === 'ResourceAlreadyExists') continue;
      throw error;
    }
  }
}

async function createOnce(
  context: Context,
  caller: Caller,
  workspace: string,
  input: CreateVersionInput,
  repositories: Repositories,
): Promise<ModelVersion> {
  const isPrompt = isPromptTagged(input.tags);
  const lineage = await checkVersionSource(repositories, workspace, input, isPrompt);
  const loaded = await requireModel(repositories, workspace, input.name);

  // Where MLflow clients download from (MLflow's storage_location), and where the files are for Trellis.
  let storageLocation = lineage.source;
  let path = lineage.source;
  let runId = lineage.runId;
  const fromModel = parseUri(lineage.source).scheme === 'models' ? parseModelUri(lineage.source) : undefined;
  if (fromModel?.modelId) {
    const logged = await repositories.loggedModels.require(workspace, fromModel.modelId);
    storageLocation = logged.info.artifact_uri;
    path = logged.info.artifact_uri;
    runId = runId || logged.info.source_run_id;
  } else if (fromModel?.name && fromModel.version) {
    const copied = await requireVersion(repositories, workspace, fromModel.name, fromModel.version);
    storageLocation = downloadUriOf(copied);
    path = copied.spec.path;
  }
  if (!runId && lineage.modelId) runId = (await repositories.loggedModels.require(workspace, lineage.modelId)).info.source_run_id;
  const run = runId ? await repositories.runs.get(workspace, runId) : undefined;
  const runsUri = parseRunsUri(lineage.source);
  if (runsUri) {
    const sourceRun = runsUri.runId === run?.info.run_id ? run.info : await repositories.runs.getInfo(workspace, runsUri.runId);
    if (sourceRun) path = [sourceRun.artifact_uri, runsUri.path].filter((part) => part !== '').join('/');
  }

  const now = context.clock();
  if (!loaded.row)
    await repositories.registry.ensure(workspace, input.name, loaded.model.creation_timestamp || now.getTime(), now.getTime());
  const highest = await repositories.registry.lockForNewVersion(workspace, input.name, now.getTime());
  const numbers = (await repositories.resources.listVersions(workspace, 'model', input.name))
    .filter((version) => /^[1-9]\d*$/.test(version))
    .map(Number);
  const version = String(Math.max(highest, ...numbers) + 1);
  await repositories.registry.setLastVersion(workspace, input.name, Number(version));
  // Aliases left behind by a version deleted through the Trellis API must not adopt this one.
  await repositories.registry.deleteAliasesOf(workspace, input.name, version);

  const jobName = jobNameTags.map((key) => run?.data.tags.find((tag) => tag.key === key)?.value).find((value) => value !== undefined);
  const mlflow: MlflowVersionStatus = {
    source: lineage.source,
    storage_location: storageLocation,
    ...(runId ? { run_id: runId } : {}),
    ...(input.runLink ? { run_link: input.runLink } : {}),
    user_id: caller.actor,
    current_stage: 'None',
    ...(lineage.modelId ? { model_id: lineage.modelId } : {}),
  };
  const created = await repositories.resources.insert(
    {
      kind: 'model',
      workspace,
      name: input.name,
      version,
      spec: { type: isPrompt ? 'custom_model' : 'mlflow_model', path },
      status: {
        mlflow,
        lineage: {
          registeredThrough: 'mlflow',
          source: lineage.source,
          ...(runId
            ? { run: run ? { id: run.info.run_id, experimentId: run.info.experiment_id, name: run.info.run_name } : { id: runId } }
            : {}),
          ...(lineage.modelId ? { loggedModel: lineage.modelId } : {}),
          ...(jobName ? { job: jobName } : {}),
          ...(isPrompt ? { prompt: true } : {}),
        },
      },
      tags: Object.fromEntries(input.tags.map((tag) => [tag.key, tag.value])),
      description: input.description || null,
    },
    caller.actor,
    now.toISOString(),
  );
  await auditChange(repositories, caller, now.toISOString(), 'create', undefined, created, 'registered through MLflow');
  if (lineage.modelId && !isPrompt)
    await recordOnLoggedModel(repositories, context.logger, workspace, lineage.modelId, input.name, version, now.getTime());
  return toModelVersion(created, await aliasesOf(repositories, workspace, input.name));
}

/** Adds {name, version} to the logged model's mlflow.modelVersions tag, as MLflow's tracking store does. */
async function recordOnLoggedModel(
  repositories: Repositories,
  logger: Logger,
  workspace: string,
  modelId: string,
  name: string,
  version: string,
  now: number,
): Promise<void> {
  const logged = await repositories.loggedModels.require(workspace, modelId);
  const previous = logged.info.tags.find((tag) => tag.key === modelVersionsTag)?.value;
  let entries: Array<{ name: string; version: string | number }> = [];
  try {
    entries = previous ? (JSON.parse(previous) as typeof entries) : [];
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // A set-tag may have written anything there; MLflow's list starts again, and what was lost is said in the log.
    logger.warn(
      { err: error, workspace, modelId, tag: modelVersionsTag, value: previous },
      `model registry: the ${modelVersionsTag} tag of logged model ${modelId} is not JSON; it is replaced by a list naming only ${name} version ${version}`,
    );
    entries = [];
  }
  if (!entries.some((entry) => entry.name === name && String(entry.version) === version)) entries.push({ name, version });
  // Python's json.dumps spacing and MLflow's integer versions, so the tag reads the same as one MLflow's server wrote.
  const value = `[${entries.map((entry) => `{"name": ${JSON.stringify(entry.name)}, "version": ${JSON.stringify(Number(entry.version))}}`).join(', ')}]`;
  await repositories.loggedModels.setTags(modelId, [{ key: modelVersionsTag, value }], now);
}

export async function getModelVersion(context: Context, workspace: string, name: string, version: string): Promise<ModelVersion> {
  const repositories = context.store.repositories;
  const resource = await requireVersion(repositories, workspace, name, version);
  return toModelVersion(resource, await aliasesOf(repositories, workspace, name));
}

export async function getDownloadUri(context: Context, workspace: string, name: string, version: string): Promise<string> {
  return downloadUriOf(await requireVersion(context.store.repositories, workspace, name, version));
}

type VersionChange = { tags?: Record<string, string>; description?: string | null; status?: Record<string, unknown> };

/** Changes a version's description, tags or stage: mutable metadata of an immutable asset, audited. */
async function changeVersion(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  version: string,
  change: (resource: ResourceOf<'model'>, repositories: Repositories) => Promise<VersionChange | undefined>,
  summary: string,
): Promise<ModelVersion> {
  return context.store.transaction(async (repositories) => {
    const before = await requireVersion(repositories, workspace, name, version);
    const changes = await change(before, repositories);
    let after = before;
    if (changes) {
      const now = context.clock().toISOString();
      after = await repositories.resources.update({ workspace, kind: 'model', name, version: before.version }, changes, now);
      await auditChange(repositories, caller, now, 'update', before, after, summary);
    }
    return toModelVersion(after, await aliasesOf(repositories, workspace, name));
  });
}

/** Sets the description; MLflow clears it when the request has none. */
export async function updateModelVersion(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  version: string,
  description: string | undefined,
): Promise<ModelVersion> {
  return changeVersion(
    context,
    caller,
    workspace,
    name,
    version,
    async () => ({ description: description || null }),
    'description changed through MLflow',
  );
}

export async function setModelVersionTag(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  version: string,
  tag: KeyValue,
): Promise<void> {
  checkModelName(name);
  parseVersionNumber(version);
  checkRegistryTag(tag);
  await changeVersion(
    context,
    caller,
    workspace,
    name,
    version,
    async (resource) => ({ tags: { ...resource.tags, [tag.key]: tag.value } }),
    `tag '${tag.key}' set through MLflow`,
  );
}

/** Deletes a tag; a tag that is not there is no error, as in MLflow. */
export async function deleteModelVersionTag(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  version: string,
  key: string,
): Promise<void> {
  checkModelName(name);
  parseVersionNumber(version);
  checkRegistryTagKey(key);
  await changeVersion(
    context,
    caller,
    workspace,
    name,
    version,
    async (resource) => {
      if (!(key in resource.tags)) return undefined;
      const tags = { ...resource.tags };
      delete tags[key];
      return { tags };
    },
    `tag '${key}' deleted through MLflow`,
  );
}

/**
 * Moves a version to a stage; with archiveExisting, the other versions in that stage move to
 * Archived. The registered model counts as updated.
 */
export async function transitionStage(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  version: string,
  stage: Stage,
  archiveExisting: boolean,
): Promise<ModelVersion> {
  if (archiveExisting && !activeStages.includes(stage)) {
    // MLflow answers this with INTERNAL_ERROR (500), which clients retry for minutes; it is the caller's mistake, so 400.
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are ${activeStages.join(', ')}`,
    );
  }
  return changeVersion(
    context,
    caller,
    workspace,
    name,
    version,
    async (resource, repositories) => {
      const now = context.clock();
      if (archiveExisting) {
        const loaded = await requireModel(repositories, workspace, name);
        for (const other of loaded.versions) {
          if (other.version === resource.version || stageOf(other) !== stage) continue;
          const archived = await repositories.resources.update(
            { workspace, kind: 'model', name, version: other.version },
            { status: { ...other.status, mlflow: { ...mlflowStatusOf(other), current_stage: 'Archived' } } },
            now.toISOString(),
          );
          await auditChange(
            repositories,
            caller,
            now.toISOString(),
            'update',
            other,
            archived,
            `archived through MLflow (version ${resource.version} moved to ${stage})`,
          );
        }
      }
      await touchModel(repositories, workspace, name, now.getTime());
      return { status: { ...resource.status, mlflow: { ...mlflowStatusOf(resource), current_stage: stage } } };
    },
    `stage set to ${stage} through MLflow`,
  );
}

/** Deletes the version (the Trellis asset, audited) and its aliases; its number is not given again. */
export async function deleteModelVersion(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  version: string,
): Promise<void> {
  await context.store.transaction(async (repositories) => {
    const resource = await requireVersion(repositories, workspace, name, version);
    const now = context.clock();
    await touchModel(repositories, workspace, name, now.getTime());
    await repositories.registry.setLastVersion(workspace, name, Number(resource.version));
    await repositories.registry.deleteAliasesOf(workspace, name, resource.version!);
    const deleted = await repositories.resources.delete({ workspace, kind: 'model', name, version: resource.version });
    await auditChange(repositories, caller, now.toISOString(), 'delete', deleted, undefined, 'deleted through MLflow');
  });
}

/** Marks the registered model updated, making its registry row first when it only had assets. */
async function touchModel(repositories: Repositories, workspace: string, name: string, now: number): Promise<void> {
  const loaded = await requireModel(repositories, workspace, name);
  if (!loaded.row) await repositories.registry.ensure(workspace, name, loaded.model.creation_timestamp || now, now);
  await repositories.registry.touch(workspace, name, now);
}
