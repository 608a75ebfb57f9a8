import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Folders never uploaded with a code or data folder: version control and caches. */
const skippedFolders = new Set(['.git', '__pycache__', '.ipynb_checkpoints', 'node_modules', '.venv']);

export interface LocalFile {
  /** '/'-separated path inside the uploaded folder. */
  path: string;
  absolutePath: string;
  size: number;
}

/** Every file under a folder, sorted, with '/'-separated relative paths. */
export async function walkFolder(root: string): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  async function visit(folder: string): Promise<void> {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      const absolutePath = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!skippedFolders.has(entry.name)) await visit(absolutePath);
        continue;
      }
      const info = await stat(absolutePath).catch(() => undefined);
      if (info?.isFile()) files.push({ path: relative(root, absolutePath).split(sep).join('/'), absolutePath, size: info.size });
    }
  }
  await visit(root);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** sha256 of a file, streamed: `sha256:<hex>`. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
}
