import type { Readable } from 'node:stream';
import { validateArtifactPath, validateArtifactPrefix } from '../../artifacts/artifact-path.js';
import type { ArtifactListItem, ByteRange } from '../../artifacts/artifact-store.js';
import { listAll } from '../../artifacts/list-all.js';
import { isTrellisError } from '../../core/errors.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { mlflowSafePath } from '../../core/tracking/safe-artifact-path.js';
import type { Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';

/**
 * The artifact proxy behind MLflow's `mlflow-artifacts:` scheme (`mlflow server
 * --serve-artifacts`): clients PUT and GET files through this server and need no storage
 * credentials. Paths are relative to the workspace's MLflow artifact root, which lives in the
 * workspace's own artifact space under `mlflow-artifacts/`, so no workspace reads another's files.
 */
const root = 'mlflow-artifacts';

/** What artifacts/list and the proxy's list answer: one level of a folder, as MLflow's FileInfo. */
export interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** The store key of a file under the proxy's root; refuses a path that is not a valid relative path. */
export function storeKey(path: string): string {
  return `${root}/${checkPath(path)}`;
}

/**
 * Refuses what MLflow refuses ('..', absolute paths, backslashes, '#') with MLflow's answer, "Invalid
 * path", then what else Trellis's keys may not hold (NUL, empty segments, ...), naming the problem;
 * changes nothing.
 */
function checkPath(path: string): string {
  refuseUnsafe(path);
  try {
    return validateArtifactPath(path);
  } catch (error) {
    throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid path: '${path}': ${(error as Error).message}`);
  }
}

function checkFolder(path: string): string {
  refuseUnsafe(path);
  try {
    return validateArtifactPrefix(path);
  } catch (error) {
    throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid path: '${path}': ${(error as Error).message}`);
  }
}

function refuseUnsafe(path: string): void {
  if (mlflowSafePath(path) === undefined) throw mlflowError('INVALID_PARAMETER_VALUE', 'Invalid path');
}

export async function uploadArtifact(context: Context, workspace: string, path: string, body: Readable, maxBytes: number): Promise<void> {
  const key = storeKey(path);
  await requireWorkspace(context, workspace);
  await context.artifactsFor(workspace).put(key, body, { maxBytes });
}

/**
 * The size of a file to download; a missing file is RESOURCE_DOES_NOT_EXIST and a folder
 * INVALID_PARAMETER_VALUE, as MLflow's server answers.
 */
export async function artifactSize(context: Context, workspace: string, path: string): Promise<number> {
  const key = storeKey(path);
  await requireWorkspace(context, workspace);
  const artifacts = context.artifactsFor(workspace);
  const stat = await artifacts.stat(key);
  if (stat) return stat.size;
  const inside = await artifacts.list(key, { limit: 1 });
  if (inside.items.length > 0) throw mlflowError('INVALID_PARAMETER_VALUE', `Artifact path refers to a directory, not a file: '${path}'`);
  throw mlflowError('RESOURCE_DOES_NOT_EXIST', `No artifact found at '${path}'`);
}

/** Opens a file (or bytes `range.start`..`range.end` of it) for download; call artifactSize first. */
export async function openArtifact(context: Context, workspace: string, path: string, range?: ByteRange): Promise<Readable> {
  const key = storeKey(path);
  try {
    return await context.artifactsFor(workspace).open(key, range);
  } catch (error) {
    // Deleted between artifactSize and here.
    if (isTrellisError(error) && error.code === 'ArtifactNotFound')
      throw mlflowError('RESOURCE_DOES_NOT_EXIST', `No artifact found at '${path}'`);
    throw error;
  }
}

/** One level of a folder, names only (the proxy's list); a file or a missing folder lists as empty, as in MLflow. */
export async function listArtifactFolder(context: Context, workspace: string, path: string | undefined): Promise<FileInfo[]> {
  await requireWorkspace(context, workspace);
  const folder = path ? checkFolder(path) : '';
  const items = await listAll(context.artifactsFor(workspace), folder ? `${root}/${folder}` : root);
  return items.map((item) => toFileInfo(item, item.path.slice(item.path.lastIndexOf('/') + 1)));
}

/** Deletes a file or a whole folder. */
export async function deleteArtifacts(context: Context, workspace: string, path: string): Promise<void> {
  const folder = checkFolder(path);
  await requireWorkspace(context, workspace);
  const artifacts = context.artifactsFor(workspace);
  if (await artifacts.delete(`${root}/${folder}`)) return;
  for (const item of await listAll(artifacts, `${root}/${folder}`, { recursive: true })) {
    if (!item.isDirectory) await artifacts.delete(item.path);
  }
}

/**
 * The store folder behind an `mlflow-artifacts:` URI (a run's or a logged model's root), or
 * undefined for a URI this server does not serve (an artifact_location the user chose).
 */
export function proxiedFolder(uri: string): string | undefined {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?(\/.*)?$/.exec(uri);
  if (!match) return undefined;
  return (match[1] ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
}

/**
 * The proxy path of a file under a run's, logged model's or model version's artifact root: the
 * root's folder joined with `relativePath` (checked here and again as a whole by storeKey). A
 * root this server does not serve (an artifact_location the user chose, such as s3:// or file://)
 * is RESOURCE_DOES_NOT_EXIST: the server never reads outside its own artifact store.
 */
export function pathUnderRoot(rootUri: string, relativePath: string): string {
  const folder = proxiedFolder(rootUri);
  if (folder === undefined)
    throw mlflowError(
      'RESOURCE_DOES_NOT_EXIST',
      `The artifacts at '${rootUri}' are not stored by this server; read '${relativePath}' from that location with its own client.`,
    );
  const relative = checkPath(relativePath);
  return folder === '' ? relative : `${folder}/${relative}`;
}

/**
 * artifacts/list of the tracking API: one level under `path` of a run's (or logged model's)
 * artifact root, paths relative to that root.
 */
export async function listUnderRoot(context: Context, workspace: string, rootUri: string, path: string | undefined): Promise<FileInfo[]> {
  const folder = proxiedFolder(rootUri);
  if (folder === undefined) return [];
  const relative = path ? checkFolder(path) : '';
  const prefix = [root, folder, relative].filter((part) => part !== '').join('/');
  const base = [root, folder].filter((part) => part !== '').join('/');
  const items = await listAll(context.artifactsFor(workspace), prefix);
  return items.map((item) => toFileInfo(item, item.path.slice(base.length + 1)));
}

function toFileInfo(item: ArtifactListItem, path: string): FileInfo {
  return item.isDirectory ? { path, is_dir: true } : { path, is_dir: false, file_size: item.size ?? 0 };
}
