import type { ResourceOf } from '../../core/resources/resource.js';
import type { KeyValue } from '../../core/tracking/entities.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { checkModelName, parseVersionNumber, stages, type Stage } from '../../core/tracking/model-registry-rules.js';
import { parseRunsUri } from '../../core/tracking/model-version-source.js';
import type { ModelAssetSummary, RegisteredModelRow } from '../../store/registry-repository.js';
import type { Repositories } from '../../store/store.js';

/**
 * MLflow's view of Trellis `model` assets. A model version is a `model` resource whose version is a
 * whole number: its tags and description are the resource's, its files are spec.path, and what
 * only MLflow has (source, stage, run, logged model) is in status.mlflow. A registered model is a
 * name: the registry row beside it (description, tags, aliases, highest number given) and/or its
 * assets. Versions like '2024-01' are Trellis-only and never shown to MLflow.
 */

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

/** What MLflow keeps in a model resource's status, under `mlflow`. */
export interface MlflowVersionStatus {
  source?: string;
  /** Where get-download-uri points (MLflow's storage_location); spec.path when absent. */
  storage_location?: string;
  run_id?: string;
  run_link?: string;
  user_id?: string;
  current_stage?: Stage;
  model_id?: string;
}

const wholeNumber = /^[1-9]\d*$/;

/** Whether MLflow sees this asset version: only whole-number versions are MLflow versions. */
export function isRegistryVersion(resource: ResourceOf<'model'>): boolean {
  return wholeNumber.test(resource.version ?? '');
}

export function mlflowStatusOf(resource: ResourceOf<'model'>): MlflowVersionStatus {
  return (resource.status.mlflow ?? {}) as MlflowVersionStatus;
}

export function stageOf(resource: ResourceOf<'model'>): Stage {
  return mlflowStatusOf(resource).current_stage ?? 'None';
}

/** Where the version's files are for MLflow clients: MLflow's storage location, else the asset's path. */
export function downloadUriOf(resource: ResourceOf<'model'>): string {
  return mlflowStatusOf(resource).storage_location ?? resource.spec.path;
}

export function toModelVersion(resource: ResourceOf<'model'>, aliases: ReadonlyArray<{ alias: string; version: string }>): ModelVersion {
  const mlflow = mlflowStatusOf(resource);
  const path = typeof resource.spec.path === 'string' ? resource.spec.path : '';
  return {
    name: resource.name,
    version: resource.version ?? '',
    creation_timestamp: Date.parse(resource.createdAt),
    last_updated_timestamp: Date.parse(resource.updatedAt),
    user_id: mlflow.user_id ?? resource.createdBy,
    current_stage: mlflow.current_stage ?? 'None',
    description: resource.description ?? '',
    source: mlflow.source ?? path,
    // An asset applied with `path: runs:/<run>/model` (as Azure ML allows) names its run there.
    run_id: mlflow.run_id ?? parseRunsUri(path)?.runId ?? '',
    run_link: mlflow.run_link ?? '',
    status: 'READY',
    tags: Object.entries(resource.tags).map(([key, value]) => ({ key, value })),
    aliases: aliases.filter((alias) => alias.version === resource.version).map((alias) => alias.alias),
    ...(mlflow.model_id ? { model_id: mlflow.model_id } : {}),
  };
}

/**
 * The newest version in each stage, in the order MLflow lists them: by the first (lowest)
 * version that reached each stage.
 */
export function latestPerStage(versions: readonly ModelVersion[], wanted: readonly Stage[] = stages): ModelVersion[] {
  const latest = new Map<Stage, ModelVersion>();
  for (const version of [...versions].sort((a, b) => Number(a.version) - Number(b.version))) latest.set(version.current_stage, version);
  return [...latest.values()].filter((version) => wanted.includes(version.current_stage));
}

/** One registered model, with everything needed to answer for it or change it. */
export interface LoadedModel {
  model: RegisteredModel;
  row: RegisteredModelRow | undefined;
  /** Every asset version of the name, MLflow-visible or not, oldest first. */
  assets: ResourceOf<'model'>[];
  /** The MLflow versions among them. */
  versions: ResourceOf<'model'>[];
}

/** Builds the registered model from its row (if any), asset summary (if any) and MLflow versions. */
export function registeredModelOf(
  name: string,
  row: RegisteredModelRow | undefined,
  summary: ModelAssetSummary | undefined,
  versions: readonly ResourceOf<'model'>[],
): RegisteredModel {
  const numbers = new Set(versions.map((resource) => resource.version));
  // A version deleted through the Trellis API leaves its aliases behind; they point at nothing.
  const aliases = (row?.aliases ?? []).filter((alias) => numbers.has(alias.version));
  const firstCreated = summary ? Date.parse(summary.firstCreatedAt) : 0;
  const lastCreated = summary ? Date.parse(summary.lastCreatedAt) : 0;
  return {
    name,
    creation_timestamp: row?.creationTimestamp ?? firstCreated,
    // Changes to the model and new versions move it; a version's own edits do not, as in MLflow.
    last_updated_timestamp: Math.max(row?.lastUpdatedTimestamp ?? 0, lastCreated),
    description: row?.description ?? '',
    latest_versions: latestPerStage(versions.map((resource) => toModelVersion(resource, aliases))),
    tags: row?.tags ?? [],
    aliases,
  };
}

function summaryOf(name: string, assets: readonly ResourceOf<'model'>[]): ModelAssetSummary | undefined {
  if (assets.length === 0) return undefined;
  const created = assets.map((resource) => resource.createdAt).sort();
  return { name, firstCreatedAt: created[0]!, lastCreatedAt: created.at(-1)! };
}

export function notFound(name: string): Error {
  return mlflowError('RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`);
}

export function versionNotFound(name: string, version: number | string): Error {
  return mlflowError('RESOURCE_DOES_NOT_EXIST', `Model Version (name=${name}, version=${version}) not found`);
}

/** The registered model of a name, or undefined when the name has neither a row nor assets. */
export async function findModel(repositories: Repositories, workspace: string, name: string): Promise<LoadedModel | undefined> {
  const [row, assets] = await Promise.all([
    repositories.registry.get(workspace, name),
    repositories.resources.listAll(workspace, 'model', name),
  ]);
  if (!row && assets.length === 0) return undefined;
  const versions = assets.filter(isRegistryVersion);
  return { model: registeredModelOf(name, row, summaryOf(name, assets), versions), row, assets, versions };
}

export async function requireModel(repositories: Repositories, workspace: string, name: string): Promise<LoadedModel> {
  checkModelName(name);
  const loaded = await findModel(repositories, workspace, name);
  if (!loaded) throw notFound(name);
  return loaded;
}

/** A version by MLflow's rules: a valid name, a version Python's int() reads, and the asset itself. */
export async function requireVersion(
  repositories: Repositories,
  workspace: string,
  name: string,
  version: string,
): Promise<ResourceOf<'model'>> {
  checkModelName(name);
  const number = parseVersionNumber(version);
  const resource = number > 0 ? await repositories.resources.get({ workspace, kind: 'model', name, version: String(number) }) : undefined;
  if (!resource) throw versionNotFound(name, number);
  return resource;
}

/** The aliases of a name that point at a version that exists. */
export async function aliasesOf(
  repositories: Repositories,
  workspace: string,
  name: string,
): Promise<Array<{ alias: string; version: string }>> {
  return (await findModel(repositories, workspace, name))?.model.aliases ?? [];
}
