import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Every file under `folder` that holds `needle`, byte for byte, by its path under `folder`. */
export async function filesHolding(folder: string, needle: Buffer): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const holding: string[] = [];
  for (const entry of entries.filter((item) => item.isFile())) {
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
      // -shm and -wal come and go with the connection: a file gone meanwhile holds nothing.
      if (error.code === 'ENOENT') return Buffer.alloc(0);
      throw error;
    });
    if (bytes.includes(needle)) holding.push(path.slice(folder.length + 1));
  }
  return holding;
}
