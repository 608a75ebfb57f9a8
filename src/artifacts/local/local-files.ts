import { randomUUID } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hasCode } from '../../core/error-codes.js';
import { TrellisError } from '../../core/errors.js';
import { DigestingStream, parseContentDigest } from '../content-digest.js';

/** Filesystem steps the local store builds its durable writes from. */

/** fsyncs a directory so the renames, links and unlinks in it survive power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some platforms and filesystems cannot fsync a directory; there is nothing more to do there.
    if (!hasCode(error, 'EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP')) throw error;
  } finally {
    await handle.close();
  }
}

/**
 * mkdir -p, made again when a concurrent removal (a whole store deleted beside a write) takes a
 * parent away between the steps of the recursive mkdir, which then fails with ENOENT.
 */
async function mkdirRetryingRemovedParent(target: string): Promise<string | undefined> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await mkdir(target, { recursive: true });
    } catch (error) {
      if (!hasCode(error, 'ENOENT') || attempt === 3) throw error;
    }
  }
}

/** mkdir -p that also fsyncs the parent of every folder it creates, so new folders survive power loss. */
export async function ensureDirectory(dir: string): Promise<void> {
  const target = resolve(dir);
  const firstCreated = await mkdirRetryingRemovedParent(target);
  if (firstCreated === undefined) return;
  const stop = dirname(resolve(firstCreated));
  for (let parent = dirname(target); ; parent = dirname(parent)) {
    await syncDirectory(parent);
    if (parent === stop || parent === dirname(parent)) break;
  }
}

/**
 * Streams `source` into a new file in `tempDir`, hashing and counting it, then fsyncs the file.
 * On any failure (ArtifactTooLarge included) the file is removed and the error rethrown.
 */
export async function writeTemporaryFile(
  tempDir: string,
  source: Readable,
  maxBytes?: number,
  options: { hash?: boolean } = {},
): Promise<{ tempPath: string; digest: string; size: number }> {
  const hasher = new DigestingStream(maxBytes, options);
  await mkdir(tempDir, { recursive: true });
  const tempPath = join(tempDir, `${randomUUID()}.tmp`);
  // Created before streaming starts, so a failure can never race the file's creation and leak it.
  const handle = await open(tempPath, 'wx');
  try {
    // flush: fsync before the stream closes the file; pipeline resolves after that close.
    await pipeline(source, hasher, handle.createWriteStream({ flush: true }));
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
  return { tempPath, digest: hasher.digest, size: hasher.size };
}

/** `ab/abcdef…` for `sha256:abcdef…`; throws InvalidDigest for anything else. */
export function blobKey(digest: string): string {
  const hex = parseContentDigest(digest);
  return `${hex.slice(0, 2)}/${hex}`;
}

/** Returns `real` when it is `areaDir` or inside it; throws InvalidArtifactPath when a link led out. */
export function assertInside(areaDir: string, real: string, key: string): string {
  if (real === areaDir || real.startsWith(areaDir + sep)) return real;
  throw new TrellisError(
    'InvalidArtifactPath',
    400,
    `artifact path '${key}' leads outside the artifact store through a symbolic link; the store does not follow links out of its root — remove the link`,
  );
}
