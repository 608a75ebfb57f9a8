import { stringify } from 'yaml';
import { isTrellisError, TrellisError } from '../core/errors.js';
import type { Resource } from '../core/resources/resource.js';
import { applyResource, type UploadedContent } from './apply-resource.js';
import type { Caller, Context } from './context.js';
import { resolveReference } from './resource-service.js';

/** Finding assets by reference for messages and lineage, and storing uploaded content as assets (jobs and deployments). */

export async function existingNames(
  context: Context,
  workspace: string,
  kind: 'compute' | 'environment' | 'data' | 'model',
): Promise<string> {
  const page = await context.store.repositories.resources.list({ workspace, kind, tags: [], limit: 20, latestOnly: kind !== 'compute' });
  return page.items.length > 0
    ? page.items.map((item) => (item.version ? `${item.name}:${item.version}` : item.name)).join(', ')
    : '(none)';
}

/** The asset a reference names, or undefined when there is none (or the reference is malformed). */
export async function findAsset(
  context: Context,
  workspace: string,
  kind: 'environment' | 'data' | 'model' | 'code',
  reference: string,
): Promise<Resource | undefined> {
  try {
    return await resolveReference(context, workspace, kind, reference);
  } catch (error) {
    if (isTrellisError(error) && (error.status === 404 || error.status === 400)) return undefined;
    throw error;
  }
}

/**
 * Creates (or finds) the asset holding uploaded content, named by its digest, through the same
 * path as `trellis apply`: the same bytes give the same asset. `purpose` says where it came from
 * (`job submit`, `deployment`), in the asset's description.
 */
export async function registerContent(
  context: Context,
  caller: Caller,
  workspace: string,
  kind: 'code' | 'data' | 'model',
  upload: UploadedContent,
  localPath: string,
  extra: Record<string, unknown>,
  purpose = 'job submit',
): Promise<Resource> {
  const name = `${kind === 'code' ? 'code' : 'input'}-${upload.digest.slice('sha256:'.length, 'sha256:'.length + 16)}`;
  const text = stringify({ name, version: '1', ...extra, path: localPath, description: `snapshot made at ${purpose} from ${localPath}` });
  const result = await applyResource(context, caller, {
    workspace,
    fileName: `${kind} snapshot of ${localPath}`,
    text,
    expectedKind: kind,
    uploads: { [localPath]: upload },
    inlined: {},
    dryRun: false,
  });
  if (!result.resource) throw new TrellisError('SnapshotFailed', 500, `the ${kind} snapshot of '${localPath}' was not stored`);
  return result.resource;
}
