import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compareArtifactPaths } from '../artifact-path.js';
import type { ArtifactListItem } from '../artifact-store.js';
import { hasCode } from '../../core/error-codes.js';

/**
 * Walks a folder in the order a blob store lists keys (UTF-8 bytes, a folder sorting as
 * `name/`), lazily, so a page of a large tree reads only what it returns plus the folders
 * on the way to the continuation point. Symbolic links are skipped: the store never makes them.
 */

interface ListedEntry {
  item: ArtifactListItem;
  /** The key the listing is ordered and continued by: `path`, or `path/` for a folder. */
  sortKey: string;
}

/**
 * Yields the entries of `dir` (whose keys start with `folderKey`, '' or 'runs/1/') that sort after
 * `afterKey`, descending into folders when `recursive`; folders holding no files are skipped.
 */
export async function* walkSorted(
  dir: string,
  folderKey: string,
  recursive: boolean,
  afterKey: string | undefined,
): AsyncGenerator<ListedEntry> {
  const children = (await readDirectory(dir))
    .filter((entry) => entry.isFile() || entry.isDirectory())
    .map((entry) => {
      const path = folderKey + entry.name;
      const isDirectory = entry.isDirectory();
      return { name: entry.name, path, isDirectory, sortKey: isDirectory ? `${path}/` : path };
    })
    .sort((a, b) => compareArtifactPaths(a.sortKey, b.sortKey));

  for (const child of children) {
    const isBeforeToken = afterKey !== undefined && compareArtifactPaths(child.sortKey, afterKey) <= 0;
    const absolute = join(dir, child.name);
    if (child.isDirectory && recursive) {
      // A folder sorting before the token may still hold it (and keys after it): descend then.
      if (isBeforeToken && afterKey !== undefined && !afterKey.startsWith(child.sortKey)) continue;
      yield* walkSorted(absolute, child.sortKey, true, afterKey);
    } else if (child.isDirectory) {
      if (!isBeforeToken && (await holdsAnyFile(absolute))) {
        yield { item: { path: child.path, isDirectory: true }, sortKey: child.sortKey };
      }
    } else if (!isBeforeToken) {
      const size = await fileSize(absolute);
      if (size !== undefined) yield { item: { path: child.path, size, isDirectory: false }, sortKey: child.sortKey };
    }
  }
}

/** True when a file exists anywhere under `dir`; a blob store has no empty folders to show. */
async function holdsAnyFile(dir: string): Promise<boolean> {
  const entries = await readDirectory(dir);
  if (entries.some((entry) => entry.isFile())) return true;
  for (const entry of entries) {
    if (entry.isDirectory() && (await holdsAnyFile(join(dir, entry.name)))) return true;
  }
  return false;
}

async function readDirectory(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    // Deleted (or pruned) while we were listing: it is simply not there any more.
    if (hasCode(error, 'ENOENT', 'ENOTDIR')) return [];
    throw error;
  }
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const stats = await lstat(path);
    return stats.isFile() ? stats.size : undefined;
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}
