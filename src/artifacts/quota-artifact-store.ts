import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isTrellisError, TrellisError } from '../core/errors.js';
import type {
  ArtifactListing,
  ArtifactStat,
  ArtifactStore,
  ByteRange,
  ListOptions,
  PutContentOptions,
  PutContentResult,
  PutOptions,
  PutResult,
} from './artifact-store.js';

/**
 * A workspace's artifact store under a storage quota: every write may use at most what is left
 * of it, so an upload that would go over stops at the limit and stores nothing (413
 * StorageQuotaExceeded). Usage is what the workspace's space holds as stored (its folder on disk, or
 * its objects in a bucket), measured once by `measureUsage` and kept up to date by this process's
 * writes; a delete has it measured again before the next write.
 */
export class QuotaArtifactStore implements ArtifactStore {
  private used: Promise<number> | undefined;

  constructor(
    private readonly inner: ArtifactStore,
    private readonly options: { workspace: string; quotaBytes: number; measureUsage: () => Promise<number> },
  ) {}

  async putContent(source: Readable, options: PutContentOptions = {}): Promise<PutContentResult> {
    const result = await this.limited(options.maxBytes, (maxBytes) => this.inner.putContent(source, { ...options, maxBytes }));
    if (result.isNew) this.add(result.size);
    return result;
  }

  async put(path: string, source: Readable, options: PutOptions = {}): Promise<PutResult> {
    const before = (await this.inner.stat(path))?.size ?? 0;
    // Replacing an object frees its bytes: the new one may use them.
    const result = await this.limited(options.maxBytes, (maxBytes) => this.inner.put(path, source, { ...options, maxBytes }), before);
    this.add(result.size - before);
    return result;
  }

  openContent(digest: string, range?: ByteRange): Promise<Readable> {
    return this.inner.openContent(digest, range);
  }
  hasContent(digest: string): Promise<{ size: number } | undefined> {
    return this.inner.hasContent(digest);
  }
  async deleteContent(digest: string): Promise<boolean> {
    this.used = undefined;
    return this.inner.deleteContent(digest);
  }
  open(path: string, range?: ByteRange): Promise<Readable> {
    return this.inner.open(path, range);
  }
  stat(path: string): Promise<ArtifactStat | undefined> {
    return this.inner.stat(path);
  }
  list(prefix: string, options?: ListOptions): Promise<ArtifactListing> {
    return this.inner.list(prefix, options);
  }
  async delete(path: string): Promise<boolean> {
    this.used = undefined;
    return this.inner.delete(path);
  }
  async deleteAll(): Promise<void> {
    this.used = undefined;
    await this.inner.deleteAll();
  }

  /** Bytes the workspace's artifacts hold now. */
  usage(): Promise<number> {
    this.used ??= this.options.measureUsage();
    return this.used;
  }

  private async limited<T>(maxBytes: number | undefined, write: (maxBytes: number) => Promise<T>, freed = 0): Promise<T> {
    const { quotaBytes, workspace } = this.options;
    const left = quotaBytes - (await this.usage()) + freed;
    const limit = Math.max(0, Math.min(maxBytes ?? Number.MAX_SAFE_INTEGER, left));
    try {
      return await write(limit);
    } catch (error) {
      // Too large for what the quota leaves (and not for the upload limit itself): say which limit it was.
      if (isTrellisError(error) && error.code === 'ArtifactTooLarge' && left < (maxBytes ?? Number.MAX_SAFE_INTEGER))
        throw new TrellisError(
          'StorageQuotaExceeded',
          413,
          `workspace '${workspace}' holds ${await this.usage()} of its ${quotaBytes} bytes of storage, and this upload would go over; nothing was stored — delete artifacts, or raise storage_quota_bytes for it in config.yaml`,
          { details: { quotaBytes } },
        );
      throw error;
    }
  }

  private add(bytes: number): void {
    const used = this.used;
    if (used) this.used = used.then((value) => Math.max(0, value + bytes));
  }
}

/** The bytes of every file under a folder (0 when it does not exist yet); links are not followed. */
export async function folderSize(root: string): Promise<number> {
  let total = 0;
  let entries: Array<{ name: string; isDirectory(): boolean; isFile(): boolean }>;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) total += await folderSize(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/** The quota of a workspace from `storage_quota_bytes` (its own entry, else '*'), or undefined for none. */
export function storageQuotaOf(quotas: Record<string, number>, workspace: string): number | undefined {
  return quotas[workspace] ?? quotas['*'];
}
