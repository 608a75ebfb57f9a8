import type { Readable } from 'node:stream';
import type { ByteRange } from './byte-range.js';

export type { ByteRange } from './byte-range.js';

/**
 * Where Trellis keeps bytes: uploaded code and data (content-addressed) and named objects such
 * as MLflow run artifacts. Shaped so a filesystem, Azure Blob and S3 implement it alike: keys are
 * relative '/'-separated paths (see artifact-path.ts), never local file paths; bytes are always
 * streams; a write is invisible until complete and then all there (a temp file and a rename, a
 * multipart upload or a block list committed at once).
 *
 * Content lives at `blobs/sha256/<2 hex>/<hex>`, named objects in their own namespace, so a
 * named path can never overwrite content. Errors are TrellisErrors (see artifact-errors.ts).
 */
export interface ArtifactStore {
  /**
   * Streams bytes into content-addressed storage, hashing while writing. The same bytes are
   * stored once: `isNew` is false when they were already there. Throws ArtifactTooLarge (413)
   * past `maxBytes` and DigestMismatch (400) when the bytes do not hash to `expectedDigest`;
   * either way nothing is stored.
   */
  putContent(source: Readable, options?: PutContentOptions): Promise<PutContentResult>;
  /** Opens content by digest (`sha256:<hex>`), optionally a byte range; ArtifactNotFound (404) if absent. */
  openContent(digest: string, range?: ByteRange): Promise<Readable>;
  /** The size of stored content, or undefined when it is not stored. */
  hasContent(digest: string): Promise<{ size: number } | undefined>;
  /**
   * Removes content; true if it was there. For a garbage collector that knows nothing refers to
   * the digest any more (a concurrent putContent may have just been told it exists).
   */
  deleteContent(digest: string): Promise<boolean>;

  /** Streams a named object into place atomically, replacing any previous one. Throws ArtifactTooLarge past `maxBytes`. */
  put(path: string, source: Readable, options?: PutOptions): Promise<PutResult>;
  /** Opens a named object, optionally a byte range; ArtifactNotFound (404) if absent. Consume or destroy the stream. */
  open(path: string, range?: ByteRange): Promise<Readable>;
  /** Size and modification time of a named object, or undefined when there is none (folders included). */
  stat(path: string): Promise<ArtifactStat | undefined>;
  /**
   * Lists the objects in folder `prefix` ('' is the root; 'runs/1' never matches 'runs/10').
   * `recursive: false` (the default) returns immediate children, folders marked `isDirectory`,
   * like an S3 delimiter listing. Sorted by UTF-8 bytes, a folder sorting as `path/`. Pages hold at
   * most `limit` items (default and maximum 1000); pass back `continuationToken` for the next.
   */
  list(prefix: string, options?: ListOptions): Promise<ArtifactListing>;
  /** Deletes a named object; true if it existed. Folders left empty disappear, as in a blob store. */
  delete(path: string): Promise<boolean>;
  /**
   * Deletes every named object and all content: the whole space, as when its workspace is
   * deleted. The store stays usable and starts empty. Not atomic: run it when nothing writes.
   */
  deleteAll(): Promise<void>;
}

export interface PutContentOptions {
  /** `sha256:<hex>` the bytes must hash to, e.g. as computed by the client before uploading. */
  expectedDigest?: string;
  maxBytes?: number;
  /**
   * For a store over this one whose stored bytes are not the content itself (EncryptedArtifactStore seals them):
   * called once the last byte has arrived, it gives the `sha256:<hex>` to store the bytes under instead of their
   * own digest (which is then not taken), or throws to refuse the write, storing nothing. An object already at
   * that address with another size is replaced (a damaged copy, or one stored in another form); the result's
   * `digest` is the address and its `size` the bytes stored.
   */
  storeAs?: () => string;
}

export interface PutContentResult {
  /** `sha256:<hex>` of the bytes. */
  digest: string;
  size: number;
  /** False when the same bytes were already stored. */
  isNew: boolean;
}

export interface PutOptions {
  maxBytes?: number;
  /** The caller takes the digest of what it stores itself (a store over this one): only count the bytes; `digest` is then ''. */
  unhashed?: boolean;
}

export interface PutResult {
  size: number;
  /** `sha256:<hex>` of the bytes written. */
  digest: string;
}

export interface ArtifactStat {
  size: number;
  modifiedAt: Date;
}

export interface ListOptions {
  recursive?: boolean;
  limit?: number;
  /** Opaque; from the previous page of the same listing. */
  continuationToken?: string;
}

export interface ArtifactListItem {
  /** Full key, without a trailing '/' even for folders. */
  path: string;
  /** Bytes; only for objects. */
  size?: number;
  isDirectory: boolean;
}

export interface ArtifactListing {
  items: ArtifactListItem[];
  /** Present when there are more items. */
  continuationToken?: string;
}

/** Default and largest page size of `list`. */
export const MAX_LIST_LIMIT = 1000;
