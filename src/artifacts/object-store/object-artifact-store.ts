import { pipeline, type Readable } from 'node:stream';
import { isTrellisError } from '../../core/errors.js';
import { artifactNotFound, artifactWriteConflict, digestMismatch, invalidRange } from '../artifact-errors.js';
import { validateArtifactPath } from '../artifact-path.js';
import type {
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
import { DigestingStream, parseContentDigest } from '../content-digest.js';
import type { ObjectBucket } from './object-bucket.js';
import { ObjectLayout } from './object-layout.js';
import { listObjects } from './object-listing.js';
import { readParts } from './upload-parts.js';

/** How an upload went into the bucket: small enough for one request (the bytes, to write where they belong), or already written in parts. */
type Upload = { bytes: Buffer } | { inParts: true };

/**
 * ArtifactStore over an object store (an Azure Blob container, an S3 bucket; see ObjectBucket), in the
 * space under `prefix` with the local store's layout (see ObjectLayout). Uploads stream: hashed and
 * bounded as they pass, cut into parts, a few in flight. A write is invisible until complete: an upload
 * that fits one part is one request; a larger named object is written in parts that the service shows
 * only when the last is in (S3 multipart, Azure's block list), directly at its key; larger content goes
 * in parts to a temp key and is copied to its address on the service once the digest is known. Content
 * is written only if absent (If-None-Match: *), so of concurrent writers of the same bytes exactly one
 * is told they are new. A refused or failed upload leaves nothing the service lists.
 */
export class ObjectArtifactStore implements ArtifactStore {
  readonly #bucket: ObjectBucket;
  readonly #layout: ObjectLayout;

  /** `prefix` is '' or ends in '/', e.g. `artifacts/workspaces/dev/`. */
  constructor(bucket: ObjectBucket, prefix: string) {
    this.#bucket = bucket;
    this.#layout = new ObjectLayout(prefix);
  }

  async putContent(source: Readable, options: PutContentOptions = {}): Promise<PutContentResult> {
    const expected = options.expectedDigest;
    if (expected !== undefined) parseContentDigest(expected);
    const { storeAs } = options;
    const counter = new DigestingStream(options.maxBytes, { hash: storeAs === undefined });
    const address = () => {
      const digest = storeAs === undefined ? counter.digest : storeAs();
      if (expected !== undefined && digest !== expected) throw digestMismatch(expected, digest);
      return digest;
    };
    const temporaryKey = this.#layout.temporaryKey();
    const upload = await this.#upload(source, counter, temporaryKey, () => this.#bucket.discardParts(temporaryKey));
    if ('bytes' in upload) {
      const digest = address();
      const key = this.#layout.contentKey(digest);
      const isNew = await this.#placeContent(key, upload.bytes.length, (ifAbsent) =>
        this.#bucket.putObject(key, upload.bytes, { ifAbsent }),
      );
      return { digest, size: counter.size, isNew };
    }
    try {
      const digest = address();
      const key = this.#layout.contentKey(digest);
      const isNew = await this.#placeContent(key, counter.size, (ifAbsent) =>
        this.#bucket.copyObject(temporaryKey, key, { size: counter.size, ifAbsent }),
      );
      return { digest, size: counter.size, isNew };
    } finally {
      await this.#bucket.delete(temporaryKey);
    }
  }

  async openContent(digest: string, range?: ByteRange): Promise<Readable> {
    return this.#open(this.#layout.contentKey(digest), range, `content ${digest}`);
  }

  async hasContent(digest: string): Promise<{ size: number } | undefined> {
    const head = await this.#bucket.head(this.#layout.contentKey(digest));
    return head && { size: head.size };
  }

  deleteContent(digest: string): Promise<boolean> {
    return this.#bucket.delete(this.#layout.contentKey(digest));
  }

  async put(path: string, source: Readable, options: PutOptions = {}): Promise<PutResult> {
    // Checked before a byte is read: a refused path leaves the source untouched.
    const key = this.#layout.objectKey(validateArtifactPath(path));
    const isHashed = options.unhashed !== true;
    const counter = new DigestingStream(options.maxBytes, { hash: isHashed });
    try {
      const upload = await this.#upload(source, counter, key, async () => {
        // Parts of a failed upload at the object's own key are never shown and go with the next write there.
      });
      if ('bytes' in upload) await this.#bucket.putObject(key, upload.bytes, { ifAbsent: false });
    } catch (error) {
      // The bucket names the key; the caller knows the path.
      if (isTrellisError(error) && error.code === 'ArtifactWriteConflict') throw artifactWriteConflict(path);
      throw error;
    }
    return { size: counter.size, digest: isHashed ? counter.digest : '' };
  }

  async open(path: string, range?: ByteRange): Promise<Readable> {
    const key = validateArtifactPath(path);
    return this.#open(this.#layout.objectKey(key), range, `artifact '${key}'`);
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    const head = await this.#bucket.head(this.#layout.objectKey(validateArtifactPath(path)));
    return head && { size: head.size, modifiedAt: head.modifiedAt };
  }

  list(prefix: string, options: ListOptions = {}): Promise<ArtifactListing> {
    return listObjects(this.#bucket, this.#layout.objects, prefix, options);
  }

  async delete(path: string): Promise<boolean> {
    return this.#bucket.delete(this.#layout.objectKey(validateArtifactPath(path)));
  }

  async deleteAll(): Promise<void> {
    await this.#bucket.deletePrefix(this.#layout.space);
  }

  /** Bytes the space holds in the bucket as stored (named objects, content and temp objects), for storage quotas. */
  async usage(): Promise<number> {
    let total = 0;
    await this.#eachObject(this.#layout.space, (object) => {
      total += object.size;
    });
    return total;
  }

  /**
   * Removes temp objects older than `olderThanMs` that uploads cut off mid-way (a killed server) left
   * in `tmp/`; returns how many. Safe beside running uploads that take less than that.
   */
  async sweepTemporaryObjects(olderThanMs = 24 * 60 * 60 * 1000): Promise<number> {
    const stale: string[] = [];
    await this.#eachObject(this.#layout.temporary, (object) => {
      if (Date.now() - object.modifiedAt.getTime() >= olderThanMs) stale.push(object.key);
    });
    for (const key of stale) await this.#bucket.delete(key);
    return stale.length;
  }

  /**
   * Streams `source` through `counter` into the bucket. All of it within one part: the bytes come back,
   * for the caller to write where they belong. More: they are written in parts at `partsKey`, and
   * `discard` runs when that fails. Errors of the source (ArtifactTooLarge from the counter included)
   * are thrown as they are.
   */
  async #upload(source: Readable, counter: DigestingStream, partsKey: string, discard: () => Promise<void>): Promise<Upload> {
    const counted = pipeline(source, counter, () => {
      // A failure destroys both streams; whoever reads the counter sees the error.
    });
    const parts = readParts(counted, this.#bucket.partSize);
    const first = await parts.next();
    const bytes = first.done ? Buffer.alloc(0) : first.value;
    if (bytes.length < this.#bucket.partSize) {
      await parts.return(undefined);
      return { bytes };
    }
    try {
      await this.#bucket.putParts(
        partsKey,
        (async function* () {
          yield bytes;
          yield* parts;
        })(),
      );
    } catch (error) {
      await discard();
      throw error;
    }
    return { inParts: true };
  }

  /** Writes content at `key` unless it is there; replaces a stored copy of another size (damaged, or in another form). True when it was new. */
  async #placeContent(key: string, size: number, write: (ifAbsent: boolean) => Promise<boolean>): Promise<boolean> {
    if (await write(true)) return true;
    const existing = await this.#bucket.head(key);
    if (existing?.size === size) return false;
    await write(false);
    return existing === undefined;
  }

  async #open(key: string, range: ByteRange | undefined, what: string): Promise<Readable> {
    // A malformed range is refused before any request; whether it starts past the end only the service knows.
    const span = range === undefined ? undefined : { start: resolveByteRange(range, Number.MAX_SAFE_INTEGER).start, end: range.end };
    const result = await this.#bucket.get(key, span);
    if (result.status === 'found') return result.body;
    if (result.status === 'missing') throw artifactNotFound(what);
    const start = span?.start ?? 0;
    throw invalidRange(`range starts at byte ${start}, but the artifact has only ${result.size} bytes`, result.size);
  }

  async #eachObject(prefix: string, visit: (object: { key: string; size: number; modifiedAt: Date }) => void): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.#bucket.listPage(prefix, { delimiter: false, cursor, maxResults: 1000 });
      for (const object of page.objects) visit(object);
      cursor = page.cursor;
    } while (cursor !== undefined);
  }
}
