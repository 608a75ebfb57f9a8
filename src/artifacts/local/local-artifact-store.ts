import { link, lstat, open, readdir, realpath, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { artifactNotFound, artifactPathConflict, digestMismatch } from '../artifact-errors.js';
import { validateArtifactPath, validateArtifactPrefix } from '../artifact-path.js';
import type {
  ArtifactListItem,
  ArtifactListing,
  ArtifactStat,
  ArtifactStore,
  ListOptions,
  PutContentOptions,
  PutContentResult,
  PutOptions,
  PutResult,
} from '../artifact-store.js';
import { type ByteRange, resolveByteRange } from '../byte-range.js';
import { parseContentDigest } from '../content-digest.js';
import { decodeContinuationToken, encodeContinuationToken, resolveListLimit } from '../list-page.js';
import { hasCode, unlessMissing } from '../../core/error-codes.js';
import { assertInside, blobKey, ensureDirectory, syncDirectory, writeTemporaryFile } from './local-files.js';
import { walkSorted } from './local-listing.js';

/** The two key spaces, each a folder under the root; temp files sit in `tmp/` beside them. */
type Area = 'objects' | 'blobs';
const areaFolders: Record<Area, string> = { objects: 'objects', blobs: join('blobs', 'sha256') };

/**
 * ArtifactStore on a local filesystem. Every write goes to `tmp/` on the same filesystem, is
 * fsynced, renamed (or hard-linked) into place and its folder fsynced, so an acknowledged write
 * survives kill -9 and power loss and a reader never sees half a file. Every path is resolved
 * through symlinks and must stay inside its area, so a link planted in the root cannot leak files.
 */
export class LocalArtifactStore implements ArtifactStore {
  readonly #root: string;
  readonly #tempDir: string;
  readonly #areas = new Map<Area, Promise<string>>();

  /** `root` and the folders inside it are created on first use. */
  constructor(root: string) {
    this.#root = resolve(root);
    this.#tempDir = join(this.#root, 'tmp');
  }

  async putContent(source: Readable, options: PutContentOptions = {}): Promise<PutContentResult> {
    const expected = options.expectedDigest;
    if (expected !== undefined) parseContentDigest(expected);
    const storeAs = options.storeAs;
    const temp = await writeTemporaryFile(this.#tempDir, source, options.maxBytes, { hash: storeAs === undefined });
    try {
      const digest = storeAs === undefined ? temp.digest : storeAs();
      if (expected !== undefined && digest !== expected) throw digestMismatch(expected, digest);
      const isNew = await this.#place('blobs', blobKey(digest), (target) => linkIfAbsent(temp.tempPath, target, temp.size));
      return { digest, size: temp.size, isNew };
    } finally {
      await rm(temp.tempPath, { force: true });
    }
  }

  async openContent(digest: string, range?: ByteRange): Promise<Readable> {
    return this.#openFile('blobs', blobKey(digest), range, `content ${digest}`);
  }

  async hasContent(digest: string): Promise<{ size: number } | undefined> {
    const stats = await this.#statFile('blobs', blobKey(digest));
    return stats && { size: stats.size };
  }

  async deleteContent(digest: string): Promise<boolean> {
    return this.#removeFile('blobs', blobKey(digest));
  }

  async put(path: string, source: Readable, options: PutOptions = {}): Promise<PutResult> {
    const key = validateArtifactPath(path);
    const temp = await writeTemporaryFile(this.#tempDir, source, options.maxBytes, { hash: options.unhashed !== true });
    try {
      await this.#place('objects', key, (target) => rename(temp.tempPath, target));
      return { size: temp.size, digest: temp.digest };
    } finally {
      await rm(temp.tempPath, { force: true });
    }
  }

  async open(path: string, range?: ByteRange): Promise<Readable> {
    const key = validateArtifactPath(path);
    return this.#openFile('objects', key, range, `artifact '${key}'`);
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    const stats = await this.#statFile('objects', validateArtifactPath(path));
    return stats && { size: stats.size, modifiedAt: stats.mtime };
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ArtifactListing> {
    const folder = validateArtifactPrefix(prefix);
    const limit = resolveListLimit(options.limit);
    const folderKey = folder === '' ? '' : `${folder}/`;
    const token = options.continuationToken;
    const afterKey = token === undefined ? undefined : decodeContinuationToken(token, folderKey);
    const dir = await this.#existing('objects', folder === '' ? '.' : folder);
    if (dir === undefined) return { items: [] };

    const items: ArtifactListItem[] = [];
    let lastSortKey = '';
    for await (const entry of walkSorted(dir, folderKey, options.recursive ?? false, afterKey)) {
      if (items.length === limit) return { items, continuationToken: encodeContinuationToken(lastSortKey) };
      items.push(entry.item);
      lastSortKey = entry.sortKey;
    }
    return { items };
  }

  async delete(path: string): Promise<boolean> {
    return this.#removeFile('objects', validateArtifactPath(path));
  }

  async deleteAll(): Promise<void> {
    // Forget the areas' folders first, so a write after this makes them again.
    this.#areas.clear();
    await rm(this.#root, { recursive: true, force: true });
    this.#areas.clear();
  }

  /**
   * Removes temp files older than `olderThanMs` that writes killed mid-way (kill -9, power loss)
   * left in `tmp/`; returns how many. Safe beside running writes that take less than that.
   */
  async sweepTemporaryFiles(olderThanMs = 24 * 60 * 60 * 1000): Promise<number> {
    const names = (await unlessMissing(readdir(this.#tempDir))) ?? [];
    let removed = 0;
    for (const name of names) {
      const path = join(this.#tempDir, name);
      const stats = await unlessMissing(lstat(path));
      if (stats?.isFile() && Date.now() - stats.mtimeMs >= olderThanMs) {
        await rm(path, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  /** The real path of an area's folder, created on first use. */
  async #area(area: Area): Promise<string> {
    let folder = this.#areas.get(area);
    if (folder === undefined) {
      const path = join(this.#root, areaFolders[area]);
      folder = ensureDirectory(path).then(() => realpath(path));
      // Do not remember a failure (say, a permission fixed later).
      folder.catch(() => this.#areas.delete(area));
      this.#areas.set(area, folder);
    }
    return folder;
  }

  /** Real path of an existing `relative` ('.' for the area itself), or undefined; throws if it leads outside. */
  async #existing(area: Area, relative: string): Promise<string | undefined> {
    const areaDir = await this.#area(area);
    const real = await unlessMissing(realpath(join(areaDir, relative)));
    return real === undefined ? undefined : assertInside(areaDir, real, relative);
  }

  /** Makes the folders of `key`, runs `place(target)` to move a file there, fsyncs the folder. */
  async #place<T>(area: Area, key: string, place: (target: string) => Promise<T>): Promise<T> {
    const areaDir = await this.#area(area);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const parent = join(areaDir, dirname(key));
        // Check before mkdir: mkdir -p follows links and would create folders wherever one points.
        assertInside(areaDir, await realpathOfNearestExisting(parent), key);
        await ensureDirectory(parent);
        const target = join(assertInside(areaDir, await realpath(parent), key), basename(key));
        const result = await place(target);
        await syncDirectory(dirname(target));
        return result;
      } catch (error) {
        // A concurrent delete may prune an empty folder between our mkdir and rename: make it again.
        if (hasCode(error, 'ENOENT') && attempt < 3) continue;
        if (hasCode(error, 'EISDIR', 'ENOTDIR', 'EEXIST', 'ENOTEMPTY')) throw artifactPathConflict(key);
        throw error;
      }
    }
  }

  async #openFile(area: Area, key: string, range: ByteRange | undefined, what: string): Promise<Readable> {
    const path = await this.#existing(area, key);
    const handle = path === undefined ? undefined : await unlessMissing(open(path, 'r'));
    if (handle === undefined) throw artifactNotFound(what);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw artifactNotFound(what);
      // The stream reads from the handle we checked, so a concurrent replace cannot mix two files.
      return handle.createReadStream(range === undefined ? {} : resolveByteRange(range, stats.size));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async #statFile(area: Area, key: string) {
    const path = await this.#existing(area, key);
    const stats = path === undefined ? undefined : await unlessMissing(stat(path));
    return stats?.isFile() ? stats : undefined;
  }

  async #removeFile(area: Area, key: string): Promise<boolean> {
    let areaDir: string;
    let parent: string | undefined;
    try {
      areaDir = await this.#area(area);
      parent = await this.#existing(area, dirname(key));
    } catch (error) {
      // The whole store was removed beside this delete (deleteAll): there is nothing left to delete.
      if (hasCode(error, 'ENOENT')) return false;
      throw error;
    }
    const path = parent === undefined ? undefined : join(parent, basename(key));
    const stats = path === undefined ? undefined : await unlessMissing(lstat(path));
    if (parent === undefined || path === undefined || stats === undefined || stats.isDirectory()) return false;
    try {
      await unlink(path);
    } catch (error) {
      if (hasCode(error, 'ENOENT')) return false;
      throw error;
    }
    try {
      await syncDirectory(parent);
    } catch (error) {
      // A concurrent delete of the folder's last other file pruned it: the unlink is durable with it.
      if (!hasCode(error, 'ENOENT')) throw error;
    }
    // A blob store has no empty folders; prune ours (best effort, a concurrent put may refill one).
    if (area === 'objects') {
      for (let dir = parent; dir.startsWith(areaDir + sep); dir = dirname(dir)) {
        if (
          !(await rmdir(dir).then(
            () => true,
            () => false,
          ))
        )
          break;
      }
    }
    return true;
  }
}

async function realpathOfNearestExisting(dir: string): Promise<string> {
  for (let current = dir; ; current = dirname(current)) {
    try {
      return await realpath(current);
    } catch (error) {
      if (!hasCode(error, 'ENOENT', 'ENOTDIR') || current === dirname(current)) throw error;
    }
  }
}

/** Gives the temp file its content-addressed name unless that exists; true when the content is new. */
async function linkIfAbsent(tempPath: string, target: string, size: number): Promise<boolean> {
  try {
    // link, unlike rename, fails if the name exists: exactly one of two concurrent writers is "new".
    await link(tempPath, target);
    return true;
  } catch (error) {
    if (hasCode(error, 'EEXIST')) {
      // Same name means same bytes, unless the stored blob was damaged on disk: replace it then.
      if ((await stat(target)).size !== size) await rename(tempPath, target);
      return false;
    }
    // Filesystems without hard links: rename over identical bytes is harmless.
    if (hasCode(error, 'EPERM', 'ENOTSUP', 'EOPNOTSUPP')) {
      const existed = await stat(target).then(
        () => true,
        () => false,
      );
      await rename(tempPath, target);
      return !existed;
    }
    throw error;
  }
}
