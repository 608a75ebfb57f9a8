import type { Resource } from '../../core/resources/resource.js';
import { checkName } from '../../core/resources/names.js';
import { compareValue } from '../../core/tracking/compare-value.js';
import type { KeyValue } from '../../core/tracking/entities.js';
import { checkTag } from '../../core/tracking/limits.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { parseModelVersionFilter, parseModelVersionOrderBy, parseRegisteredModelFilter, parseRegisteredModelOrderBy } from '../../core/tracking/model-registry-filter.js';
import type { OrderBy } from '../../core/tracking/order-by.js';
import type { Comparison } from '../../core/tracking/search-filter.js';
import type { Repositories } from '../../store/store.js';
import { auditChange } from '../audit-change.js';
import type { Caller, Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';
import { decodeOffset, encodeOffset } from './run-service.js';

/**
 * MLflow's model registry, which is the same registry as Trellis `model` assets: a model version
 * is a `model` resource whose version is a whole number (spec.path is where its files are,
 * status.lineage links it to its run, logged model and job; tags and description are the
 * resource's), so a version registered through MLflow is a Trellis model version with its audit
 * trail, and a model applied with `trellis apply` is a registered model in MLflow. Only what MLflow
 * adds — a registered model's own description and tags, aliases, stages — lives beside it.
 */

export const stages = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof stages)[number];

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  current_stage: Stage;
  description: string;
  source: string;
  run_id: string;
  run_link: string;
  status: 'READY';
  tags: KeyValue[];
  aliases: string[];
  model_id?: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description: string;
  latest_versions: ModelVersion[];
  tags: KeyValue[];
  aliases: Array<{ alias: string; version: string }>;
}

/** What the MLflow side keeps in a model resource's status. */
interface MlflowStatus {
  source?: string;
  run_id?: string;
  run_link?: string;
  user_id?: string;
  current_stage?: Stage;
  model_id?: string;
}

const wholeNumber = /^[1-9]\d*$/;
const modelVersionsTag = 'mlflow.modelVersions';

function mlflowStatusOf(resource: Resource): MlflowStatus {
  return (resource.status.mlflow ?? {}) as MlflowStatus;
}

function toModelVersion(resource: Resource, aliases: Array<{ alias: string; version: string }>): ModelVersion {
  const mlflow = mlflowStatusOf(resource);
  return {
    name: resource.name,
    version: resource.version ?? '',
    creation_timestamp: Date.parse(resource.createdAt),
    last_updated_timestamp: Date.parse(resource.updatedAt),
    user_id: mlflow.user_id ?? resource.createdBy,
    current_stage: mlflow.current_stage ?? 'None',
    description: resource.description ?? '',
    source: mlflow.source ?? String(resource.spec.path ?? ''),
    run_id: mlflow.run_id ?? '',
    run_link: mlflow.run_link ?? '',
    status: 'READY',
    tags: Object.entries(resource.tags).map(([key, value]) => ({ key, value })),
    aliases: aliases.filter((alias) => alias.version === resource.version).map((alias) => alias.alias),
    ...(mlflow.model_id ? { model_id: mlflow.model_id } : {}),
  };
}

function notFound(name: string): Error {
  return mlflowError('RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`);
}

function versionNotFound(name: string, version: string): Error {
  return mlflowError('RESOURCE_DOES_NOT_EXIST', `Model Version (name=${name}, version=${version}) not found`);
}

function checkModelName(name: string): void {
  const problem = checkName(name);
  if (problem) throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid registered model name: ${problem.message}`);
}

export function parseStage(value: string): Stage {
  const stage = stages.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
  if (!stage) throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid Model Version stage: ${value}. Value must be one of ${stages.join(', ')}.`);
  return stage;
}

/** The registry's view of one workspace: registered models (rows and asset names) with their versions. */
async function loadModels(repositories: Repositories, workspace: string, name?: string): Promise<RegisteredModel[]> {
  const [rows, resources] = await Promise.all([repositories.registry.list(workspace, name), repositories.resources.listAll(workspace, 'model', name)]);
  const names = new Set([...rows.map((row) => row.name), ...resources.map((resource) => resource.name)]);
  return [...names].sort().map((modelName) => {
    const row = rows.find((candidate) => candidate.name === modelName);
    const aliases = row?.aliases ?? [];
    const versions = resources.filter((resource) => resource.name === modelName && wholeNumber.test(resource.version ?? '')).map((resource) => toModelVersion(resource, aliases));
    const firstCreated = Math.min(...resources.filter((resource) => resource.name === modelName).map((resource) => Date.parse(resource.createdAt)));
    const lastUpdated = Math.max(row?.lastUpdatedTimestamp ?? 0, ...versions.map((version) => version.last_updated_timestamp));
    return {
      name: modelName,
      creation_timestamp: row?.creationTimestamp ?? firstCreated,
      last_updated_timestamp: lastUpdated,
      description: row?.description ?? '',
      latest_versions: latestPerStage(versions, [...stages]),
      tags: row?.tags ?? [],
      aliases: aliases.filter((alias) => versions.some((version) => version.version === alias.version)),
    };
  });
}

async function requireModel(repositories: Repositories, workspace: string, name: string): Promise<RegisteredModel> {
  const [model] = await loadModels(repositories, workspace, name);
  if (!model) throw notFound(name);
  return model;
}

async function versionsOf(repositories: Repositories, workspace: string, name: string): Promise<Resource[]> {
  return (await repositories.resources.listAll(workspace, 'model', name)).filter((resource) => wholeNumber.test(resource.version ?? ''));
}

async function requireVersion(repositories: Repositories, workspace: string, name: string, version: string): Promise<Resource> {
  const resource = wholeNumber.test(version) ? await repositories.resources.get({ workspace, kind: 'model', name, version }) : undefined;
  if (!resource) throw versionNotFound(name, version);
  return resource;
}

function latestPerStage(versions: ModelVersion[], wanted: string[]): ModelVersion[] {
  const latest = new Map<string, ModelVersion>();
  for (const version of versions) {
    const current = latest.get(version.current_stage);
    if (!current || Number(version.version) > Number(current.version)) latest.set(version.current_stage, version);
  }
  return wanted.flatMap((stage) => (latest.has(stage) ? [latest.get(stage)!] : []));
}

export async function createRegisteredModel(context: Context, workspace: string, input: { name: string; tags: KeyValue[]; description: string | undefined }): Promise<RegisteredModel> {
  checkModelName(input.name);
  input.tags.forEach(checkTag);
  await requireWorkspace(context, workspace);
  return context.store.transaction(async (repositories) => {
    const [existing] = await loadModels(repositories, workspace, input.name);
    if (existing) throw mlflowError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${input.name}) already exists.`);
    await repositories.registry.create(workspace, input.name, input.description ?? null, input.tags, context.clock().getTime());
    return requireModel(repositories, workspace, input.name);
  });
}

export async function getRegisteredModel(context: Context, workspace: string, name: string): Promise<RegisteredModel> {
  await requireWorkspace(context, workspace);
  return requireModel(context.store.repositories, workspace, name);
}

export async function updateRegisteredModel(context: Context, workspace: string, name: string, description: string | undefined): Promise<RegisteredModel> {
  return context.store.transaction(async (repositories) => {
    await requireModel(repositories, workspace, name);
    const now = context.clock().getTime();
    await repositories.registry.ensure(workspace, name, now);
    if (description !== undefined) await repositories.registry.setDescription(workspace, name, description, now);
    return requireModel(repositories, workspace, name);
  });
}

/** Renames the model and every version of it (the Trellis model assets move with it, audited). */
export async function renameRegisteredModel(context: Context, caller: Caller, workspace: string, name: string, newName: string): Promise<RegisteredModel> {
  checkModelName(newName);
  return context.store.transaction(async (repositories) => {
    await requireModel(repositories, workspace, name);
    const [taken] = await loadModels(repositories, workspace, newName);
    if (taken) throw mlflowError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${newName}) already exists.`);
    const now = context.clock();
    const before = await repositories.resources.listAll(workspace, 'model', name);
    await repositories.registry.ensure(workspace, name, now.getTime());
    await repositories.registry.rename(workspace, name, newName, now.getTime());
    await repositories.resources.renameAll(workspace, 'model', name, newName, now.toISOString());
    for (const resource of before) {
      const after = await repositories.resources.get({ workspace, kind: 'model', name: newName, version: resource.version });
      await auditChange(repositories, caller, now.toISOString(), 'update', resource, after, `renamed from '${name}' to '${newName}' through MLflow`);
    }
    return requireModel(repositories, workspace, newName);
  });
}

/** Deletes the registered model, all its versions (Trellis model assets included, audited) and aliases. */
export async function deleteRegisteredModel(context: Context, caller: Caller, workspace: string, name: string): Promise<void> {
  await context.store.transaction(async (repositories) => {
    await requireModel(repositories, workspace, name);
    const now = context.clock().toISOString();
    for (const resource of await repositories.resources.listAll(workspace, 'model', name)) {
      const deleted = await repositories.resources.delete({ workspace, kind: 'model', name, version: resource.version });
      await auditChange(repositories, caller, now, 'delete', deleted, undefined, 'deleted through MLflow (delete registered model)');
    }
    await repositories.registry.delete(workspace, name);
  });
}

export async function setRegisteredModelTag(context: Context, workspace: string, name: string, tag: KeyValue): Promise<void> {
  checkTag(tag);
  await context.store.transaction(async (repositories) => {
    await requireModel(repositories, workspace, name);
    const now = context.clock().getTime();
    await repositories.registry.ensure(workspace, name, now);
    await repositories.registry.setTags(workspace, name, [tag]);
    await repositories.registry.touch(workspace, name, now);
  });
}

export async function deleteRegisteredModelTag(context: Context, workspace: string, name: string, key: string): Promise<void> {
  await context.store.transaction(async (repositories) => {
    await requireModel(repositories, workspace, name);
    if (!(await repositories.registry.deleteTag(workspace, name, key))) {
      throw mlflowError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in registered model ${name}`);
    }
  });
}

export async function setAlias(context: Context, workspace: string, name: string, alias: string, version: string): Promise<void> {
  if (!/^[\w-]{1,255}$/.test(alias) || /^v\d+$/i.test(alias) || alias.toLowerCase() === 'latest') {
    throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid alias name: '${alias}'. Aliases are 1-255 letters, digits, '_' or '-', and cannot be 'latest' or look like a version ('v1').`);
  }
  await context.store.transaction(async (repositories) => {
    await requireVersion(repositories, workspace, name, version);
    const now = context.clock().getTime();
    await repositories.registry.ensure(workspace, name, now);
    await repositories.registry.setAlias(workspace, name, alias, version);
    await repositories.registry.touch(workspace, name, now);
  });
}

export async function deleteAlias(context: Context, workspace: string, name: string, alias: string): Promise<void> {
  await context.store.transaction(async (repositories) => {
    await requireModel(repositories, workspace, name);
    if (!(await repositories.registry.deleteAlias(workspace, name, alias))) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Registered model alias ${alias} not found.`);
  });
}

export async function getVersionByAlias(context: Context, workspace: string, name: string, alias: string): Promise<ModelVersion> {
  const repositories = context.store.repositories;
  const model = await requireModel(repositories, workspace, name);
  const target = model.aliases.find((candidate) => candidate.alias === alias);
  if (!target) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Registered model alias ${alias} not found.`);
  return toModelVersion(await requireVersion(repositories, workspace, name, target.version), model.aliases);
}

export interface CreateVersionInput {
  name: string;
  source: string;
  runId: string | undefined;
  runLink: string | undefined;
  modelId: string | undefined;
  tags: KeyValue[];
  description: string | undefined;
  userId: string | undefined;
}

/**
 * Registers a version: the next whole number after every version the name has (MLflow's or a
 * Trellis asset's), stored as a Trellis model asset pointing at the files (a logged model's or
 * a run's artifacts) with its lineage, and recorded on the logged model as MLflow does.
 */
export async function createModelVersion(context: Context, caller: Caller, workspace: string, input: CreateVersionInput): Promise<ModelVersion> {
  checkModelName(input.name);
  input.tags.forEach(checkTag);
  if (input.source.trim() === '') throw mlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'source'.");
  return context.store.transaction(async (repositories) => {
    const model = await requireModel(repositories, workspace, input.name);
    let modelId = input.modelId;
    const fromModelUri = /^models:\/(m-[0-9a-f]+)\/?$/.exec(input.source);
    if (!modelId && fromModelUri) modelId = fromModelUri[1];
    let runId = input.runId;
    let storage = input.source;
    if (modelId) {
      const logged = await repositories.loggedModels.require(workspace, modelId);
      runId = runId || logged.info.source_run_id;
      if (fromModelUri) storage = logged.info.artifact_uri;
    }
    const run = runId ? await repositories.runs.get(workspace, runId) : undefined;
    if (runId && !run) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`);
    const runsUri = /^runs:\/([0-9a-f]+)\/(.*)$/.exec(input.source);
    if (runsUri) {
      const sourceRun = await repositories.runs.requireInfo(workspace, runsUri[1]!);
      storage = `${sourceRun.artifact_uri}/${runsUri[2]}`.replace(/\/+$/, '');
      runId = runId || sourceRun.run_id;
    }
    const numbers = (await repositories.resources.listVersions(workspace, 'model', input.name)).filter((v) => wholeNumber.test(v)).map(Number);
    const version = String(Math.max(0, ...numbers) + 1);
    const now = context.clock();
    await repositories.registry.ensure(workspace, input.name, now.getTime());
    const jobName = run?.data.tags.find((tag) => tag.key === 'trellis.job')?.value;
    const mlflow: MlflowStatus = {
      source: input.source,
      ...(runId ? { run_id: runId } : {}),
      ...(input.runLink ? { run_link: input.runLink } : {}),
      user_id: input.userId || caller.actor,
      current_stage: 'None',
      ...(modelId ? { model_id: modelId } : {}),
    };
    const created = await repositories.resources.insert(
      {
        kind: 'model',
        workspace,
        name: input.name,
        version,
        spec: { type: 'mlflow_model', path: storage },
        status: {
          mlflow,
          lineage: {
            registeredThrough: 'mlflow',
            source: input.source,
            ...(run ? { run: { id: run.info.run_id, experimentId: run.info.experiment_id, name: run.info.run_name } } : {}),
            ...(modelId ? { loggedModel: modelId } : {}),
            ...(jobName ? { job: jobName } : {}),
          },
        },
        tags: Object.fromEntries(input.tags.map((tag) => [tag.key, tag.value])),
        description: input.description ?? null,
      },
      caller.actor,
      now.toISOString(),
    );
    await auditChange(repositories, caller, now.toISOString(), 'create', undefined, created, 'registered through MLflow');
    await repositories.registry.touch(workspace, input.name, now.getTime());
    if (modelId) {
      const logged = await repositories.loggedModels.require(workspace, modelId);
      const previous = logged.info.tags.find((tag) => tag.key === modelVersionsTag)?.value;
      const entries = previous ? (JSON.parse(previous) as Array<{ name: string; version: string }>) : [];
      entries.push({ name: input.name, version });
      await repositories.loggedModels.setTags(modelId, [{ key: modelVersionsTag, value: JSON.stringify(entries) }], now.getTime());
    }
    return toModelVersion(created, model.aliases);
  });
}

export async function getModelVersion(context: Context, workspace: string, name: string, version: string): Promise<ModelVersion> {
  const repositories = context.store.repositories;
  const resource = await requireVersion(repositories, workspace, name, version);
  const [model] = await loadModels(repositories, workspace, name);
  return toModelVersion(resource, model?.aliases ?? []);
}

/** Changes a version's description, tags or stage: mutable metadata of an immutable asset, audited. */
async function changeVersion(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  version: string,
  change: (resource: Resource, repositories: Repositories) => Promise<{ tags?: Record<string, string>; description?: string | null; status?: Record<string, unknown> }>,
  summary: string,
): Promise<ModelVersion> {
  return context.store.transaction(async (repositories) => {
    const before = await requireVersion(repositories, workspace, name, version);
    const changes = await change(before, repositories);
    const now = context.clock().toISOString();
    const after = await repositories.resources.update({ workspace, kind: 'model', name, version }, changes, now);
    await auditChange(repositories, caller, now, 'update', before, after, summary);
    const [model] = await loadModels(repositories, workspace, name);
    return toModelVersion(after, model?.aliases ?? []);
  });
}

export async function updateModelVersion(context: Context, caller: Caller, workspace: string, name: string, version: string, description: string | undefined): Promise<ModelVersion> {
  return changeVersion(context, caller, workspace, name, version, async () => (description === undefined ? {} : { description }), 'description changed through MLflow');
}

export async function setModelVersionTag(context: Context, caller: Caller, workspace: string, name: string, version: string, tag: KeyValue): Promise<void> {
  checkTag(tag);
  await changeVersion(context, caller, workspace, name, version, async (resource) => ({ tags: { ...resource.tags, [tag.key]: tag.value } }), `tag '${tag.key}' set through MLflow`);
}

export async function deleteModelVersionTag(context: Context, caller: Caller, workspace: string, name: string, version: string, key: string): Promise<void> {
  await changeVersion(
    context,
    caller,
    workspace,
    name,
    version,
    async (resource) => {
      if (!(key in resource.tags)) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in model version ${name}/${version}`);
      const tags = { ...resource.tags };
      delete tags[key];
      return { tags };
    },
    `tag '${key}' deleted through MLflow`,
  );
}

/** Moves a version to a stage; with archiveExisting, the others in that stage move to Archived. */
export async function transitionStage(context: Context, caller: Caller, workspace: string, name: string, version: string, stage: Stage, archiveExisting: boolean): Promise<ModelVersion> {
  return changeVersion(
    context,
    caller,
    workspace,
    name,
    version,
    async (resource, repositories) => {
      if (archiveExisting && (stage === 'Staging' || stage === 'Production')) {
        const now = context.clock().toISOString();
        for (const other of await versionsOf(repositories, workspace, name)) {
          if (other.version === version || (mlflowStatusOf(other).current_stage ?? 'None') !== stage) continue;
          const archived = await repositories.resources.update(
            { workspace, kind: 'model', name, version: other.version },
            { status: { ...other.status, mlflow: { ...mlflowStatusOf(other), current_stage: 'Archived' } } },
            now,
          );
          await auditChange(repositories, caller, now, 'update', other, archived, `archived through MLflow (version ${version} moved to ${stage})`);
        }
      }
      return { status: { ...resource.status, mlflow: { ...mlflowStatusOf(resource), current_stage: stage } } };
    },
    `stage set to ${stage} through MLflow`,
  );
}

export async function deleteModelVersion(context: Context, caller: Caller, workspace: string, name: string, version: string): Promise<void> {
  await context.store.transaction(async (repositories) => {
    await requireVersion(repositories, workspace, name, version);
    const deleted = await repositories.resources.delete({ workspace, kind: 'model', name, version });
    await repositories.registry.deleteAliasesOf(workspace, name, version);
    await auditChange(repositories, caller, context.clock().toISOString(), 'delete', deleted, undefined, 'deleted through MLflow');
  });
}

export async function getDownloadUri(context: Context, workspace: string, name: string, version: string): Promise<string> {
  const resource = await requireVersion(context.store.repositories, workspace, name, version);
  return String(resource.spec.path ?? mlflowStatusOf(resource).source ?? '');
}

export async function getLatestVersions(context: Context, workspace: string, name: string, wanted: string[]): Promise<ModelVersion[]> {
  const model = await requireModel(context.store.repositories, workspace, name);
  const stageNames = wanted.length === 0 ? [...stages] : wanted.map(parseStage);
  const versions = (await versionsOf(context.store.repositories, workspace, name)).map((resource) => toModelVersion(resource, model.aliases));
  return latestPerStage(versions, stageNames).sort((a, b) => Number(a.version) - Number(b.version));
}

interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

function page<T>(items: T[], maxResults: number, pageToken: string | undefined): Page<T> {
  const offset = decodeOffset(pageToken);
  const slice = items.slice(offset, offset + maxResults);
  return { items: slice, ...(offset + maxResults < items.length ? { nextPageToken: encodeOffset(offset + maxResults) } : {}) };
}

/**
 * MLflow 3 clients add `tags.mlflow.prompt.is_prompt != 'true'` to every registry search to leave
 * prompts out; a model without that tag is not a prompt, so it reads as 'false' there (as in
 * MLflow's store), while any other missing tag matches nothing.
 */
const promptTag = 'mlflow.prompt.is_prompt';

function matches(comparisons: Comparison[], field: (comparison: Comparison) => string | number | undefined): boolean {
  return comparisons.every((comparison) => {
    const actual = field(comparison) ?? (comparison.type === 'tag' && comparison.key === promptTag ? 'false' : undefined);
    return compareValue(actual, comparison.comparator, comparison.value);
  });
}

function ordered<T>(items: T[], orders: OrderBy[], field: (item: T, key: string) => string | number, fallback: (a: T, b: T) => number): T[] {
  return [...items].sort((a, b) => {
    for (const order of orders) {
      const left = field(a, order.key);
      const right = field(b, order.key);
      if (left === right) continue;
      return (left < right ? -1 : 1) * (order.ascending ? 1 : -1);
    }
    return fallback(a, b);
  });
}

export async function searchRegisteredModels(context: Context, workspace: string, input: { filter: string | undefined; maxResults: number; orderBy: string[]; pageToken: string | undefined }): Promise<Page<RegisteredModel>> {
  if (input.maxResults < 1 || input.maxResults > 1000) throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid value for max_results. It must be at most 1000, but got value ${input.maxResults}`);
  const comparisons = parseRegisteredModelFilter(input.filter);
  const orders = parseRegisteredModelOrderBy(input.orderBy);
  await requireWorkspace(context, workspace);
  const models = (await loadModels(context.store.repositories, workspace)).filter((model) =>
    matches(comparisons, (comparison) => (comparison.type === 'tag' ? model.tags.find((tag) => tag.key === comparison.key)?.value : model.name)),
  );
  const sorted = ordered(
    models,
    orders,
    (model, key) => (key === 'name' ? model.name : key === 'creation_timestamp' ? model.creation_timestamp : model.last_updated_timestamp),
    (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  return page(sorted, input.maxResults, input.pageToken);
}

export async function searchModelVersions(context: Context, workspace: string, input: { filter: string | undefined; maxResults: number; orderBy: string[]; pageToken: string | undefined }): Promise<Page<ModelVersion>> {
  if (input.maxResults < 1 || input.maxResults > 200_000) throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid value for max_results. It must be at most 200000, but got value ${input.maxResults}`);
  const comparisons = parseModelVersionFilter(input.filter);
  const orders = parseModelVersionOrderBy(input.orderBy);
  await requireWorkspace(context, workspace);
  const repositories = context.store.repositories;
  const models = await loadModels(repositories, workspace);
  const resources = (await repositories.resources.listAll(workspace, 'model')).filter((resource) => wholeNumber.test(resource.version ?? ''));
  const versions = resources.map((resource) => toModelVersion(resource, models.find((model) => model.name === resource.name)?.aliases ?? []));
  const attribute = (version: ModelVersion, key: string): string | number | undefined => {
    switch (key) {
      case 'name':
        return version.name;
      case 'run_id':
        return version.run_id;
      case 'source_path':
        return version.source;
      case 'version_number':
        return Number(version.version);
      case 'creation_timestamp':
        return version.creation_timestamp;
      case 'last_updated_timestamp':
        return version.last_updated_timestamp;
      default:
        return undefined;
    }
  };
  const matched = versions.filter((version) => matches(comparisons, (comparison) => (comparison.type === 'tag' ? version.tags.find((tag) => tag.key === comparison.key)?.value : attribute(version, comparison.key))));
  const sorted = ordered(matched, orders, (version, key) => attribute(version, key) ?? '', (a, b) => b.last_updated_timestamp - a.last_updated_timestamp || (a.name < b.name ? -1 : a.name > b.name ? 1 : Number(b.version) - Number(a.version)));
  return page(sorted, input.maxResults, input.pageToken);
}
