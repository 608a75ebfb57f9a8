import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../client/api-error.js';
import { hasCode, unlessMissing } from '../core/error-codes.js';

/** Folders never uploaded with a code or data folder: version control and caches. */
const skippedFolders = new Set(['.git', '__pycache__', '.ipynb_checkpoints', 'node_modules', '.venv']);

export interface LocalFile {
  /** '/'-separated path inside the uploaded folder. */
  path: string;
  /** The real path the bytes are read from (a link inside the folder is read at its target). */
  absolutePath: string;
  size: number;
}

/** A symbolic link left out of an upload, and why. */
export interface SkippedLink {
  /** '/'-separated path of the link inside the uploaded folder. */
  path: string;
  /** The link's target as written in it. */
  target: string;
  reason: 'outside' | 'loop' | 'dangling';
}

export interface LinkPolicy {
  /** Leave out links that resolve outside the folder (reported in `skipped`) instead of refusing the folder. */
  skipOutsideLinks?: boolean;
}

export interface FolderWalk {
  files: LocalFile[];
  skipped: SkippedLink[];
}

/**
 * Every file under a folder, sorted, with '/'-separated relative paths. Symbolic links are
 * resolved and followed only while they stay inside the folder (compared by real path, so `..`
 * and chains of links cannot escape); a link outside it is refused with its name and target, or
 * skipped under `skipOutsideLinks`. Links back to a folder being walked, and dangling links, are
 * skipped.
 */
export async function walkFolder(root: string, policy: LinkPolicy = {}): Promise<FolderWalk> {
  const realRoot = await realpath(root);
  const isInside = (path: string) => path === realRoot || path.startsWith(realRoot.endsWith(sep) ? realRoot : `${realRoot}${sep}`);
  const files: LocalFile[] = [];
  const skipped: SkippedLink[] = [];
  // `folder` is always a real path, so joined entry names are real paths too (links aside).
  async function visit(folder: string, relativeFolder: string, ancestors: ReadonlySet<string>): Promise<void> {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      const absolutePath = join(folder, entry.name);
      const path = relativeFolder === '' ? entry.name : `${relativeFolder}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skippedFolders.has(entry.name)) await visit(absolutePath, path, new Set([...ancestors, absolutePath]));
        continue;
      }
      if (entry.isFile()) {
        const info = await unlessMissing(stat(absolutePath));
        if (info?.isFile()) files.push({ path, absolutePath, size: info.size });
        continue;
      }
      // Sockets, pipes and devices are not content.
      if (!entry.isSymbolicLink()) continue;
      const target = await readlink(absolutePath);
      const resolved = await linkTargetOf(absolutePath);
      if (resolved === undefined) {
        skipped.push({ path, target, reason: 'dangling' });
        continue;
      }
      if (!isInside(resolved)) {
        if (!policy.skipOutsideLinks) throw linkOutsideError(root, path, target, resolved);
        skipped.push({ path, target, reason: 'outside' });
        continue;
      }
      const info = await unlessMissing(stat(resolved));
      if (info?.isFile()) files.push({ path, absolutePath: resolved, size: info.size });
      else if (info?.isDirectory() && !skippedFolders.has(entry.name)) {
        if (ancestors.has(resolved)) skipped.push({ path, target, reason: 'loop' });
        else await visit(resolved, path, new Set([...ancestors, resolved]));
      }
    }
  }
  await visit(realRoot, '', new Set([realRoot]));
  return { files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)), skipped };
}

/**
 * Refuses a local path that is itself a symbolic link: what is uploaded is what the YAML names,
 * never a file the link happens to point at (a `model.pkl -> /etc/passwd`).
 */
export async function refuseLinkedPath(absolute: string, written: string): Promise<void> {
  // A missing path is reported by the caller, which names the field.
  const info = await unlessMissing(lstat(absolute));
  if (!info?.isSymbolicLink()) return;
  const target = await readlink(absolute);
  const resolved = await linkTargetOf(absolute);
  throw new ApiError(
    400,
    'LocalPathIsLink',
    `local path '${written}' is a symbolic link (${absolute} -> ${target}${resolved && resolved !== target ? `, which is ${resolved}` : ''}); refusing to follow it: point the path at the file or folder itself`,
  );
}

/** The real path a link leads to; undefined when it dangles (its target is gone, or links loop). */
async function linkTargetOf(link: string): Promise<string | undefined> {
  try {
    return await realpath(link);
  } catch (error) {
    if (hasCode(error, 'ENOENT', 'ENOTDIR', 'ELOOP')) return undefined;
    throw error;
  }
}

/** A text file the user named: FileNotFound (with `hint`) when it is not there, FileNotReadable saying why when it cannot be read. */
export async function readUserFile(file: string, hint: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (hasCode(error, 'ENOENT', 'ENOTDIR')) throw new ApiError(400, 'FileNotFound', `'${file}' does not exist; ${hint}`);
    throw new ApiError(400, 'FileNotReadable', `cannot read ${file}: ${(error as Error).message}`);
  }
}

/** One line for a skipped link: `data/passwd -> /etc/passwd (outside the folder)`. */
export function describeSkippedLink(link: SkippedLink): string {
  const why = { outside: 'outside the folder', loop: 'a loop back to a folder above it', dangling: 'its target does not exist' }[
    link.reason
  ];
  return `${link.path} -> ${link.target} (${why})`;
}

function linkOutsideError(root: string, path: string, target: string, resolved: string): ApiError {
  return new ApiError(
    400,
    'LinkOutsideFolder',
    `'${path}' in ${root} is a symbolic link to '${target}'${resolved !== target ? ` (${resolved})` : ''}, outside the folder being uploaded; refusing to upload the folder: copy the file into the folder, remove the link, or pass --skip-outside-links to upload the folder without it`,
  );
}

/** sha256 of a file, streamed: `sha256:<hex>`. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
}
