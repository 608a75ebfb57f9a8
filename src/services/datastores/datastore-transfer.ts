import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type DatastorePath, formatDatastoreUri } from '../../core/datastores/datastore-uri.js';
import { TrellisError } from '../../core/errors.js';
import type { Context } from '../context.js';
import { datastoreProblem, openDatastoreFiles } from './datastore-service.js';

/** A folder's path in a datastore as a prefix: '' for the root, else ending in '/'. */
function folderPrefix(path: string): string {
  return path === '' || path.endsWith('/') ? path : `${path}/`;
}

/**
 * What is wrong with a job input or data asset at `target` of type uri_file or uri_folder, or
 * undefined: the datastore must exist and the file (or a file under the folder) be there.
 */
export async function datastoreInputProblem(
  context: Context,
  workspace: string,
  target: DatastorePath,
  type: string,
): Promise<string | undefined> {
  const missing = await datastoreProblem(context, workspace, target.datastore);
  if (missing) return missing;
  try {
    const files = await openDatastoreFiles(context, workspace, target.datastore);
    if (type === 'uri_file') {
      if (target.path === '' || target.path.endsWith('/'))
        return `'${formatDatastoreUri(target)}' names a folder; a uri_file input names a file (or use type: uri_folder)`;
      if (!(await files.stat(target.path)))
        return `'${target.path}' does not exist in datastore '${target.datastore}' (${files.description}); upload it there first`;
      return undefined;
    }
    if ((await files.listFiles(folderPrefix(target.path))).length === 0)
      return `the folder '${target.path}' of datastore '${target.datastore}' (${files.description}) holds no files; upload them there first`;
    return undefined;
  } catch (error) {
    if (error instanceof TrellisError) return `datastore '${target.datastore}' could not be read: ${error.message}`;
    throw error;
  }
}

/**
 * Downloads a datastore input into `folder` (the attempt's inputs/<name>): a uri_file as
 * `<folder>/<its name>`, a uri_folder's files under `folder` as they are laid out there. Returns
 * the path the job is given. ro_mount and rw_mount are downloads too: Trellis mounts nothing.
 */
export async function downloadDatastoreInput(
  context: Context,
  workspace: string,
  target: DatastorePath,
  type: string,
  folder: string,
): Promise<{ path: string; files: number; description: string }> {
  const files = await openDatastoreFiles(context, workspace, target.datastore);
  await mkdir(folder, { recursive: true });
  if (type === 'uri_file') {
    const local = join(folder, target.path.split('/').at(-1) ?? 'input');
    await pipeline(await files.open(target.path), createWriteStream(local));
    return { path: local, files: 1, description: files.description };
  }
  const prefix = folderPrefix(target.path);
  const found = await files.listFiles(prefix);
  for (const file of found) {
    const local = join(folder, ...file.path.slice(prefix.length).split('/'));
    await mkdir(dirname(local), { recursive: true });
    await pipeline(await files.open(file.path), createWriteStream(local));
  }
  return { path: folder, files: found.length, description: files.description };
}

/** Uploads a job output's files (paths relative to the output) to `target`, a folder of a datastore; returns how many. */
export async function uploadToDatastore(
  context: Context,
  workspace: string,
  target: DatastorePath,
  outputFiles: Array<{ path: string; absolutePath: string }>,
  type: string,
): Promise<number> {
  const files = await openDatastoreFiles(context, workspace, target.datastore);
  // A uri_file output of one file goes to the path itself, unless that path is a folder.
  if (type === 'uri_file' && outputFiles.length === 1 && target.path !== '' && !target.path.endsWith('/')) {
    await files.put(target.path, createReadStream(outputFiles[0]!.absolutePath));
    return 1;
  }
  const prefix = folderPrefix(target.path);
  for (const file of outputFiles) await files.put(`${prefix}${file.path}`, createReadStream(file.absolutePath));
  return outputFiles.length;
}
