import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { unlessMissing } from '../core/error-codes.js';
import { isKept, isRebuiltFolder } from '../core/backup/kept-state.js';

/** A file of the data directory that a backup keeps, as it was when listed. */
export interface DataDirectoryFile {
  /** Relative to the data directory, '/'-separated. */
  path: string;
  absolutePath: string;
  size: number;
  modifiedAtMs: number;
  changedAtMs: number;
  inode: number;
}

/**
 * The regular files under `home` that a backup keeps (core/backup/kept-state.ts), sorted by path;
 * folders that hold nothing kept are not entered. Links and other special files are left out: the
 * data directory holds none that are state. `leaveOut` names more relative paths to leave out.
 */
export async function listKeptFiles(home: string, leaveOut: (path: string) => boolean): Promise<DataDirectoryFile[]> {
  const found: DataDirectoryFile[] = [];
  const visit = async (folder: string, relative: string) => {
    // A folder removed while listing (a job's attempt cleaned up) has nothing to keep.
    const entries = (await unlessMissing(readdir(folder, { withFileTypes: true }))) ?? [];
    for (const entry of entries) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const absolutePath = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!isRebuiltFolder(path) && !leaveOut(path)) await visit(absolutePath, path);
      } else if (entry.isFile() && isKept(path, leaveOut)) {
        const info = await unlessMissing(lstat(absolutePath));
        if (info?.isFile())
          found.push({ path, absolutePath, size: info.size, modifiedAtMs: info.mtimeMs, changedAtMs: info.ctimeMs, inode: info.ino });
      }
    }
  };
  await visit(home, '');
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
