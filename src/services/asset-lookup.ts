import { isTrellisError, TrellisError } from '../core/errors.js';
import type { Resource, ResourceOf } from '../core/resources/resource.js';
import type { UploadedContent } from './apply-resource.js';
import { applyResourceFields } from './apply-resource-fields.js';
import type { Caller, Context } from './context.js';
import { resolveReference } from './resource-service.js';

/** Finding assets by reference for messages and lineage, and storing uploaded content as assets (jobs and deployments). */

export async function existingNames(
  context: Context,
  workspace: string,
  kind: 'compute' | 'environment' | 'data' | 'model' | 'component',
): Promise<string> {
  const page = await context.store.repositories.resources.list({ workspace, kind, tags: [], limit: 20, latestOnly: kind !== 'compute' });
  return page.items.length > 0
    ? page.items.map((item) => (item.version ? `${item.name}:${item.version}` : item.name)).join(', ')
    : '(none)';
}

/** The asset a reference names, or undefined when there is none (or the reference is malformed). */
export async function findAsset<Kind extends 'environment' | 'data' | 'model' | 'code' | 'component'>(
  context: Context,
  workspace: string,
  kind: Kind,
  reference: string,
): Promise<ResourceOf<Kind> | undefined> {
  try {
    return await resolveReference(context, workspace, kind, reference);
  } catch (error) {
    if (isTrellisError(error) && (error.status === 404 || error.status === 400)) return undefined;
    throw error;
  }
}

/**
 * Creates (or finds) the asset holding uploaded content, named by its digest, through the same
 * path as `trellis apply`: the same bytes give the same asset. `extra` sets the asset's type (and
 * may name it); `purpose` says where it came from (`job submit`, `deployment`), in its description.
 */
export async function registerContent(
  context: Context,
  caller: Caller,
  workspace: string,
  kind: 'code' | 'data' | 'model',
  upload: UploadedContent,
  localPath: string,
  extra: { type?: string; name?: string; version?: string | undefined },
  purpose = 'job submit',
): Promise<Resource> {
  const name = `${kind === 'code' ? 'code' : 'input'}-${upload.digest.slice('sha256:'.length, 'sha256:'.length + 16)}`;
  const result = await applyResourceFields(context, caller, {
    workspace,
    kind,
    fields: { name, version: '1', ...extra, path: localPath, description: `snapshot made at ${purpose} from ${localPath}` },
    fileName: `${kind} snapshot of ${localPath}`,
    uploads: { [localPath]: upload },
  });
  if (!result.resource) throw new TrellisError('SnapshotFailed', 500, `the ${kind} snapshot of '${localPath}' was not stored`);
  return result.resource;
}
