import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Owner-only modes: the data directory holds endpoint keys, token secrets and users' data. */
const privateFolderMode = 0o700;
const privateFileMode = 0o600;

/**
 * From here on, every file and folder this process (and every job and worker it starts, which
 * inherit the mask) creates is owner-only. Jobs run as the same user, so they still read their
 * folders. Call before anything is created in the data directory.
 */
export function makeNewFilesPrivate(): void {
  process.umask(0o077);
}

/**
 * Creates the data directory owner-only, or makes an existing one so: the folder itself, each
 * entry at its top level (the folder then guards what lies deeper), and the given files (a SQLite
 * database elsewhere, with its -wal and -shm). Returns one line saying what was fixed, or
 * undefined when nothing was open to others.
 */
export async function secureDataDirectory(home: string, databaseFiles: string[] = []): Promise<string | undefined> {
  await mkdir(home, { recursive: true, mode: privateFolderMode });
  const fixed: string[] = [];
  const failed: string[] = [];
  const restrict = async (path: string, label: string) => {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      // Gone meanwhile (ENOENT): nothing to restrict. Otherwise it is reported as not restricted.
      if (error.code !== 'ENOENT') failed.push(`${label} (${error.code ?? 'error'})`);
      return undefined;
    });
    if (!info || (info.mode & 0o077) === 0 || !(info.isDirectory() || info.isFile())) return;
    const mode = info.isDirectory() ? privateFolderMode : privateFileMode;
    try {
      await chmod(path, mode);
      fixed.push(`${label} ${octal(info.mode)} -> ${octal(mode)}`);
    } catch (error) {
      failed.push(`${label} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  await restrict(home, 'itself');
  for (const entry of (await readdir(home)).sort()) await restrict(join(home, entry), entry);
  // Those already fixed above are owner-only by now, and left alone.
  for (const file of databaseFiles.flatMap((file) => [file, `${file}-wal`, `${file}-shm`])) await restrict(file, file);
  if (fixed.length === 0 && failed.length === 0) return undefined;
  const parts = [];
  if (fixed.length > 0) parts.push(`made owner-only what others could read: ${fixed.join(', ')}`);
  if (failed.length > 0) parts.push(`could not restrict (fix by hand with chmod go-rwx): ${failed.join(', ')}`);
  return `data directory ${home}: ${parts.join('; ')}`;
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}
