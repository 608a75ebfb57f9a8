import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { DigestingStream } from '../artifacts/content-digest.js';
import { type ObjectBucketSettings, objectBucketFor } from '../artifacts/object-bucket-for.js';
import type { ObjectBucket } from '../artifacts/object-store/object-bucket.js';
import { readParts } from '../artifacts/object-store/upload-parts.js';

/** Where every workspace's artifacts live, relative to the data directory on disk and to the prefix in a bucket alike. */
export const artifactsRoot = 'artifacts/workspaces/';

/** One object of the artifact store, named as the same file would be in the data directory. */
export interface StoredArtifact {
  /** `artifacts/workspaces/<workspace>/...`, as under the data directory. */
  path: string;
  size: number;
  modifiedAtMs: number;
}

/** Uploads on their way to a content address (`<workspace>/tmp/`): unfinished writes, as on disk. */
function isUnfinishedUpload(path: string): boolean {
  return /^artifacts\/workspaces\/[^/]+\/tmp\//.test(path);
}

/**
 * The artifacts of a data directory configured to keep them in an object store (config.yaml
 * `artifacts:`): every workspace's space lies under `<prefix>artifacts/workspaces/` in the layout
 * the local store has under the data directory, so a backup names each object by the path the same
 * file would have there, and a restore can put it into a bucket or onto disk alike. Bytes are copied
 * as stored: a sealed workspace's stay sealed.
 */
export class StoredArtifacts {
  readonly description: string;

  constructor(
    private readonly bucket: ObjectBucket,
    private readonly prefix: string,
  ) {
    this.description = `${bucket.description}${prefix === '' ? '' : ` under ${prefix}`}`;
  }

  /** The object store the settings name, when artifacts are kept in one; undefined for the local store. */
  static configured(settings: (ObjectBucketSettings & { prefix: string }) | { store: 'local' }): StoredArtifacts | undefined {
    return settings.store === 'local' ? undefined : new StoredArtifacts(objectBucketFor(settings), settings.prefix);
  }

  /** Checks the store answers (making the container or bucket when missing), as a server does at start. */
  ensureReady(): Promise<void> {
    return this.bucket.ensureReady();
  }

  /** Every artifact object, unfinished uploads left out, in key order. */
  async list(): Promise<StoredArtifact[]> {
    const found: StoredArtifact[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.bucket.listPage(this.prefix + artifactsRoot, { delimiter: false, maxResults: 1000, cursor });
      for (const object of page.objects) {
        const path = object.key.slice(this.prefix.length);
        if (!isUnfinishedUpload(path)) found.push({ path, size: object.size, modifiedAtMs: object.modifiedAt.getTime() });
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
    return found;
  }

  /** Up to `count` artifact paths it holds: none when it is empty. */
  async someHeld(count: number): Promise<string[]> {
    const page = await this.bucket.listPage(this.prefix + artifactsRoot, { delimiter: false, maxResults: count });
    return page.objects.map((object) => object.key.slice(this.prefix.length));
  }

  /** Removes every artifact object (and unfinished upload) of every workspace. */
  clear(): Promise<void> {
    return this.bucket.deletePrefix(this.prefix + artifactsRoot);
  }

  /** The bytes of one artifact; undefined when it is gone (deleted since it was listed). */
  async open(path: string): Promise<Readable | undefined> {
    const result = await this.bucket.get(this.prefix + path);
    return result.status === 'found' ? result.body : undefined;
  }

  /** Writes one artifact (replacing it), in parts when large; returns the sha256 and size of what was written. */
  async write(path: string, source: Readable): Promise<{ digest: string; size: number }> {
    const key = this.prefix + path;
    const hasher = new DigestingStream();
    const counted = pipeline(source, hasher, () => {
      // A failure destroys both streams; reading the parts throws it.
    });
    const parts = readParts(counted, this.bucket.partSize);
    const first = await parts.next();
    const bytes = first.done ? Buffer.alloc(0) : first.value;
    if (bytes.length < this.bucket.partSize) {
      await parts.return(undefined);
      await this.bucket.putObject(key, bytes, { ifAbsent: false });
    } else {
      try {
        await this.bucket.putParts(
          key,
          (async function* () {
            yield bytes;
            yield* parts;
          })(),
        );
      } catch (error) {
        await this.bucket.discardParts(key);
        throw error;
      }
    }
    return { digest: hasher.digest, size: hasher.size };
  }

  /** Removes one artifact (one a restore found corrupt). */
  async delete(path: string): Promise<void> {
    await this.bucket.delete(this.prefix + path);
  }
}
