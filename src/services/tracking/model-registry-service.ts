import type { KeyValue } from '../../core/tracking/entities.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import {
  checkAliasName,
  checkAliasNotReserved,
  checkModelName,
  checkNewModelName,
  checkRegistryTag,
  checkRegistryTagKey,
  isPromptTagged,
  parseStage,
  parseVersionNumber,
  stages,
  type Stage,
} from '../../core/tracking/model-registry-rules.js';
import type { Repositories } from '../../store/store.js';
import { auditChange } from '../audit-change.js';
import type { Caller, Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';
import {
  findModel,
  latestPerStage,
  requireModel,
  requireVersion,
  toModelVersion,
  type LoadedModel,
  type ModelVersion,
  type RegisteredModel,
} from './model-registry-view.js';

/**
 * MLflow's model registry for registered models, their tags and aliases (model_registry.proto,
 * with the semantics of MLflow's SQL store). The registered model is the same registry as Trellis
 * `model` assets: see model-registry-view.ts for how one maps onto the other.
 */

/** Makes sure the name has its registry row, dated like its assets when it had none. */
async function ensureRow(repositories: Repositories, workspace: string, loaded: LoadedModel, now: number): Promise<void> {
  if (loaded.row) return;
  await repositories.registry.ensure(
    workspace,
    loaded.model.name,
    loaded.model.creation_timestamp || now,
    loaded.model.last_updated_timestamp || now,
  );
}

export async function createRegisteredModel(
  context: Context,
  workspace: string,
  input: { name: string; tags: KeyValue[]; description: string | undefined },
): Promise<RegisteredModel> {
  checkNewModelName(input.name);
  input.tags.forEach(checkRegistryTag);
  await requireWorkspace(context, workspace);
  return context.store.transaction(async (repositories) => {
    const existing = await findModel(repositories, workspace, input.name);
    const created =
      !existing &&
      (await repositories.registry.create(workspace, input.name, input.description ?? null, input.tags, context.clock().getTime()));
    if (!created) {
      const existingIsPrompt = isPromptTagged(existing?.model.tags ?? []);
      const newIsPrompt = isPromptTagged(input.tags);
      const [before, after] = [existingIsPrompt ? 'prompt' : 'registered model', newIsPrompt ? 'prompt' : 'registered model'];
      if (existing && before !== after) {
        throw mlflowError(
          'RESOURCE_ALREADY_EXISTS',
          `Tried to create a ${after} with name '${input.name}', but the name is already taken by a ${before}. MLflow does not allow creating a model and a prompt with the same name.`,
        );
      }
      throw mlflowError('RESOURCE_ALREADY_EXISTS', `${newIsPrompt ? 'Prompt' : 'Registered Model'} (name=${input.name}) already exists.`);
    }
    return (await requireModel(repositories, workspace, input.name)).model;
  });
}

export async function getRegisteredModel(context: Context, workspace: string, name: string): Promise<RegisteredModel> {
  return (await requireModel(context.store.repositories, workspace, name)).model;
}

/** Sets the description; MLflow's handler sends '' for a missing one, so a missing one clears it. */
export async function updateRegisteredModel(
  context: Context,
  workspace: string,
  name: string,
  description: string | undefined,
): Promise<RegisteredModel> {
  return context.store.transaction(async (repositories) => {
    const loaded = await requireModel(repositories, workspace, name);
    const now = context.clock().getTime();
    await ensureRow(repositories, workspace, loaded, now);
    await repositories.registry.setDescription(workspace, name, description || null, now);
    return (await requireModel(repositories, workspace, name)).model;
  });
}

/** Renames the model and every version of it: the Trellis model assets move with it, each audited. */
export async function renameRegisteredModel(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  newName: string,
): Promise<RegisteredModel> {
  checkNewModelName(newName, 'new_name');
  return context.store.transaction(async (repositories) => {
    const loaded = await requireModel(repositories, workspace, name);
    if (newName !== name && (await findModel(repositories, workspace, newName)))
      throw mlflowError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${newName}) already exists.`);
    const now = context.clock();
    await ensureRow(repositories, workspace, loaded, now.getTime());
    await repositories.registry.rename(workspace, name, newName, now.getTime());
    await repositories.resources.renameAll(workspace, 'model', name, newName, now.toISOString());
    for (const before of loaded.assets) {
      const after = await repositories.resources.get({ workspace, kind: 'model', name: newName, version: before.version });
      await auditChange(
        repositories,
        caller,
        now.toISOString(),
        'update',
        before,
        after,
        `renamed from '${name}' to '${newName}' through MLflow`,
      );
    }
    return (await requireModel(repositories, workspace, newName)).model;
  });
}

/** Deletes the registered model with its aliases, tags and every asset version of the name (each audited). */
export async function deleteRegisteredModel(context: Context, caller: Caller, workspace: string, name: string): Promise<void> {
  await context.store.transaction(async (repositories) => {
    const loaded = await requireModel(repositories, workspace, name);
    const now = context.clock().toISOString();
    for (const resource of loaded.assets) {
      const deleted = await repositories.resources.delete({ workspace, kind: 'model', name, version: resource.version });
      await auditChange(repositories, caller, now, 'delete', deleted, undefined, 'deleted through MLflow (delete registered model)');
    }
    await repositories.registry.delete(workspace, name);
  });
}

/** Sets a tag of the registered model; as in MLflow, this does not count as an update of the model. */
export async function setRegisteredModelTag(context: Context, workspace: string, name: string, tag: KeyValue): Promise<void> {
  checkModelName(name);
  checkRegistryTag(tag);
  await context.store.transaction(async (repositories) => {
    const loaded = await requireModel(repositories, workspace, name);
    await ensureRow(repositories, workspace, loaded, context.clock().getTime());
    await repositories.registry.setTags(workspace, name, [tag]);
  });
}

/** Deletes a tag; a tag that is not there is no error, as in MLflow. */
export async function deleteRegisteredModelTag(context: Context, workspace: string, name: string, key: string): Promise<void> {
  checkModelName(name);
  checkRegistryTagKey(key);
  await context.store.transaction(async (repositories) => {
    await requireModel(repositories, workspace, name);
    await repositories.registry.deleteTag(workspace, name, key);
  });
}

export async function setAlias(context: Context, workspace: string, name: string, alias: string, version: string): Promise<void> {
  checkModelName(name);
  checkAliasName(alias);
  checkAliasNotReserved(alias);
  parseVersionNumber(version);
  await context.store.transaction(async (repositories) => {
    const resource = await requireVersion(repositories, workspace, name, version);
    const loaded = await requireModel(repositories, workspace, name);
    await ensureRow(repositories, workspace, loaded, context.clock().getTime());
    await repositories.registry.setAlias(workspace, name, alias, resource.version!);
  });
}

/** Deletes an alias of an existing model; an alias that is not there is no error, as in MLflow. */
export async function deleteAlias(context: Context, workspace: string, name: string, alias: string): Promise<void> {
  checkModelName(name);
  checkAliasName(alias);
  await context.store.transaction(async (repositories) => {
    await requireModel(repositories, workspace, name);
    await repositories.registry.deleteAlias(workspace, name, alias);
  });
}

/** The version an alias points at; 'latest' is the highest version. An unknown alias is INVALID_PARAMETER_VALUE, as MLflow answers. */
export async function getVersionByAlias(context: Context, workspace: string, name: string, alias: string): Promise<ModelVersion> {
  checkModelName(name);
  checkAliasName(alias);
  const repositories = context.store.repositories;
  const { model, versions } = await requireModel(repositories, workspace, name);
  if (alias.toLowerCase() === 'latest') {
    const newest = latestPerStage(versions.map((resource) => toModelVersion(resource, model.aliases))).sort(
      (a, b) => Number(b.version) - Number(a.version),
    )[0];
    if (!newest) throw mlflowError('RESOURCE_DOES_NOT_EXIST', `Latest version not found for model ${name}.`);
    return newest;
  }
  const target = model.aliases.find((candidate) => candidate.alias === alias);
  if (!target) throw mlflowError('INVALID_PARAMETER_VALUE', `Registered model alias ${alias} not found.`);
  return toModelVersion(await requireVersion(repositories, workspace, name, target.version), model.aliases);
}

/** The newest version in each of the stages asked for (every stage when none), as MLflow orders them. */
export async function getLatestVersions(context: Context, workspace: string, name: string, wanted: string[]): Promise<ModelVersion[]> {
  const { model, versions } = await requireModel(context.store.repositories, workspace, name);
  const stageNames: Stage[] = wanted.length === 0 ? [...stages] : wanted.map(parseStage);
  return latestPerStage(
    versions.map((resource) => toModelVersion(resource, model.aliases)),
    stageNames,
  );
}
