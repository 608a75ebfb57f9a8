import { parseResourceDocument } from '../core/azureml/parse-resource-file.js';
import { TrellisError } from '../core/errors.js';
import { isRegistryAssetId, parseRegistryAssetId, registryOfStorage, registryStorageOf } from '../core/registries/registry-asset-id.js';
import { isAssetKind, type ResourceKind } from '../core/resources/kinds.js';
import { checkName } from '../core/resources/names.js';
import { parseAssetReference } from '../core/resources/reference.js';
import { plainDocument } from '../core/yaml/document-source.js';
import type { Resource, ResourceOf, Tags } from '../core/resources/resource.js';
import type { Page, ResourceChanges, ResourceKey, TagFilter } from '../store/resource-repository.js';
import { describeKey } from '../store/resource-repository.js';
import { auditChange } from './audit-change.js';
import type { Caller, Context } from './context.js';

type ContainedKind = Exclude<ResourceKind, 'workspace'>;

/** Fails with 404 unless the workspace exists: every workspace-scoped call starts here. */
export async function requireWorkspace(context: Context, workspace: string): Promise<ResourceOf<'workspace'>> {
  const found = await context.store.repositories.workspaces.get(workspace);
  if (!found) {
    throw new TrellisError(
      'WorkspaceNotFound',
      404,
      `workspace '${workspace}' does not exist; create it with: trellis workspace create --name ${workspace}`,
    );
  }
  return found;
}

/** The resource `key` names (version `latest`: the newest), or a 404. */
export async function getResource<Kind extends ResourceKind>(context: Context, key: ResourceKey<Kind>): Promise<ResourceOf<Kind>> {
  await requireWorkspace(context, key.workspace);
  const found =
    key.version === 'latest'
      ? await context.store.repositories.resources.getLatest(key.workspace, key.kind, key.name, { skipArchived: true })
      : await context.store.repositories.resources.get(key);
  if (!found) throw notFound(key);
  return found;
}

/**
 * Resolves `name:version`, `name@latest`, `azureml:name:version` or `azureml:name@latest` in the
 * workspace, and `azureml://registries/<registry>/<kind>/<name>/versions/<v>` (or `/labels/latest`)
 * in that registry. Whether the caller may read the registry is the API's check, made on the request.
 */
export async function resolveReference<Kind extends ContainedKind>(
  context: Context,
  workspace: string,
  kind: Kind,
  reference: string,
): Promise<ResourceOf<Kind>> {
  let target: { name: string; version: string | null };
  if (isRegistryAssetId(reference)) {
    const parsed = parseRegistryAssetId(reference);
    if (parsed.kind !== kind)
      throw new TrellisError('InvalidReference', 400, `'${reference}' names a ${parsed.kind}, where a ${kind} is expected`);
    if (!(await context.store.repositories.registries.get(parsed.registry)))
      throw new TrellisError(
        'RegistryNotFound',
        404,
        `registry '${parsed.registry}' does not exist; list them with: trellis registry list`,
      );
    return getResource(context, { workspace: registryStorageOf(parsed.registry), kind, name: parsed.name, version: parsed.version });
  }
  if (isAssetKind(kind)) {
    const parsed = parseAssetReference(reference);
    target = { name: parsed.name, version: parsed.version ?? 'latest' };
  } else {
    const problem = checkName(reference);
    if (problem) throw new TrellisError('InvalidReference', 400, problem.message);
    target = { name: reference, version: null };
  }
  return getResource(context, { workspace, kind, ...target });
}

export async function listResources(
  context: Context,
  query: { workspace: string; kind: ContainedKind; name?: string; tags: TagFilter[]; limit: number; pageToken?: string },
): Promise<Page<Resource>> {
  await requireWorkspace(context, query.workspace);
  // Without a name, assets list one row per name (its newest version), as `az ml model list` does.
  return context.store.repositories.resources.list({ ...query, latestOnly: query.name === undefined && isAssetKind(query.kind) });
}

/**
 * Archives an asset version (`version` given) or every version of a name, or restores them, as
 * `az ml component archive` / `restore` do: an archived version is left out of lists and of
 * `@latest`, and still resolves by its exact version, so what already names it keeps running.
 * Returns the versions changed; a name or version that does not exist is a 404.
 */
export async function setArchived(
  context: Context,
  caller: Caller,
  target: { workspace: string; kind: ContainedKind; name: string; version?: string | undefined },
  archived: boolean,
): Promise<Resource[]> {
  await requireWorkspace(context, target.workspace);
  if (!isAssetKind(target.kind))
    throw new TrellisError('NotAnAsset', 400, `${target.kind} is not a versioned asset; only assets are archived`);
  const now = context.clock().toISOString();
  return context.store.transaction(async (repositories) => {
    const versions =
      target.version === undefined
        ? await repositories.resources.listAll(target.workspace, target.kind, target.name)
        : [await repositories.resources.get({ ...target, version: target.version })].filter((found) => found !== undefined);
    if (versions.length === 0)
      throw notFound({ workspace: target.workspace, kind: target.kind, name: target.name, version: target.version ?? 'latest' });
    const changed: Resource[] = [];
    for (const before of versions) {
      if ((before.status.archived === true) === archived) {
        changed.push(before);
        continue;
      }
      const { archived: _was, ...rest } = before.status;
      const key = { workspace: before.workspace, kind: before.kind, name: before.name, version: before.version };
      const after = await repositories.resources.update(key, { status: archived ? { ...rest, archived: true } : rest }, now);
      await auditChange(repositories, caller, now, 'update', before, after);
      changed.push(after);
    }
    return changed;
  });
}

/** What a PATCH may change: tags and description of any resource, and the spec of one that is not an asset version. */
export interface ResourcePatch {
  tags?: Tags;
  description?: string | null;
  /** Fields to change in the spec, merged into the stored one and validated as a file would be. */
  spec?: Record<string, unknown>;
}

/**
 * Changes tags and description (the mutable parts of any resource), guarded by the etag. A new
 * spec (not for an asset version: 409) goes through its kind's schema, as `trellis apply` does,
 * so a bad field is refused with InvalidInput naming it and nothing is written.
 */
export async function updateResourceMetadata(
  context: Context,
  caller: Caller,
  key: ResourceKey,
  changes: ResourcePatch,
  ifMatch: string | undefined,
): Promise<Resource> {
  await requireWorkspace(context, key.workspace);
  if (changes.spec !== undefined && isAssetKind(key.kind)) {
    throw new TrellisError(
      'AssetVersionImmutable',
      409,
      `${describeKey(key)} is immutable; only tags and description can change. Create a new version instead`,
    );
  }
  const now = context.clock().toISOString();
  return context.store.transaction(async (repositories) => {
    const before = await repositories.resources.get(key);
    if (!before) throw notFound(key);
    const { spec, ...metadata } = changes;
    const after = await repositories.resources.update(key, spec === undefined ? metadata : respecified(before, changes), now, ifMatch);
    await auditChange(repositories, caller, now, 'update', before, after);
    return after;
  });
}

/** The stored resource with the patch merged in, parsed by its kind's schema (defaults, secrets, notes) as a file would be. */
function respecified(before: Resource, changes: ResourcePatch): ResourceChanges {
  const description = changes.description === undefined ? before.description : changes.description;
  const parsed = parseResourceDocument(
    plainDocument({
      ...before.spec,
      ...changes.spec,
      name: before.name,
      tags: changes.tags ?? before.tags,
      ...(description !== null ? { description } : {}),
    }),
    { fileName: 'request body', expectedKind: before.kind },
  );
  return { spec: parsed.spec, tags: parsed.tags, description: parsed.description, status: { ...before.status, notes: parsed.notes } };
}

export async function deleteResource(context: Context, caller: Caller, key: ResourceKey, ifMatch: string | undefined): Promise<Resource> {
  await requireWorkspace(context, key.workspace);
  const now = context.clock().toISOString();
  return context.store.transaction(async (repositories) => {
    const deleted = await repositories.resources.delete(key, ifMatch);
    await auditChange(repositories, caller, now, 'delete', deleted, undefined);
    return deleted;
  });
}

function notFound(key: ResourceKey): TrellisError {
  const registry = registryOfStorage(key.workspace);
  if (registry !== undefined)
    return new TrellisError(
      'ResourceNotFound',
      404,
      `${key.kind} '${key.name}'${key.version === 'latest' ? ' has no versions' : ` version ${String(key.version)} does not exist`} in registry '${registry}'; list what it holds with: trellis ${key.kind} list --registry-name ${registry}`,
    );
  const what =
    key.version === 'latest'
      ? `${key.kind} '${key.name}' has no versions in workspace '${key.workspace}'`
      : `${describeKey(key)} does not exist`;
  return new TrellisError('ResourceNotFound', 404, `${what}; list what exists with: trellis ${key.kind} list -w ${key.workspace}`);
}
