import type { Readable } from 'node:stream';

/**
 * The few things an object store does for ObjectArtifactStore: write an object in one request or in
 * parts that appear together, read it by range, copy it on the service, delete and list by prefix.
 * An Azure Blob container and an S3 bucket implement it (azure-blob/, s3/). Keys are the service's own,
 * prefix included; the store above validates paths and digests before they become keys. Failures of
 * the service are TrellisErrors naming the store (see objectStoreFailed); errors of a source stream
 * pass through unchanged.
 */
export interface ObjectBucket {
  /** Names the store in messages, e.g. `Azure Blob container 'trellis' at https://acct.blob.core.windows.net`; never a secret. */
  readonly description: string;
  /** Bytes per part of an upload: one of at most this many bytes is written in a single request. */
  readonly partSize: number;
  /**
   * How a listing resumes: true when `listPage` ignores `startAfter` and a page's `cursor` marks a
   * position that can be kept and used later (Azure's marker); false when `startAfter` works (S3).
   */
  readonly resumesFromCursor: boolean;

  /** Checks that the container or bucket answers, making it when it does not exist; throws a TrellisError saying why not. */
  ensureReady(): Promise<void>;
  /** Writes `bytes` as `key` in one request. With `ifAbsent`, an existing object is kept and this returns false. */
  putObject(key: string, bytes: Buffer, options: { ifAbsent: boolean }): Promise<boolean>;
  /**
   * Writes `parts` (in order, each `partSize` bytes but the last) as `key`, a few at a time: the object
   * appears, whole, only once the last part is in. When `parts` or the service fails, nothing appears
   * and the first error is thrown; what the service keeps of the parts it never lists.
   */
  putParts(key: string, parts: AsyncIterable<Buffer>): Promise<void>;
  /** Removes what a failed `putParts` may have kept for `key`, a key no one else writes (a temp object). */
  discardParts(key: string): Promise<void>;
  /** Copies `from` (`size` bytes) to `to` on the service, appearing whole. With `ifAbsent`, an existing `to` is kept and this returns false. */
  copyObject(from: string, to: string, options: { size: number; ifAbsent: boolean }): Promise<boolean>;
  /** Size and modification time of `key`, or undefined when there is none (or it is still being copied). */
  head(key: string): Promise<ObjectHead | undefined>;
  /** The bytes of `key`, all or from `start` through `end` (inclusive; none: to the end). */
  get(key: string, range?: { start: number; end?: number | undefined }): Promise<GetResult>;
  /** Deletes `key`; true when it was there. */
  delete(key: string): Promise<boolean>;
  /** Deletes every object under `prefix`, and any unfinished upload there. */
  deletePrefix(prefix: string): Promise<void>;
  /** One page of the objects whose keys start with `prefix`, in key order. */
  listPage(prefix: string, options: ListPageOptions): Promise<BucketPage>;
}

export interface ObjectHead {
  size: number;
  modifiedAt: Date;
}

export type GetResult =
  | { status: 'found'; body: Readable }
  | { status: 'missing' }
  /** The range starts at or past the end of the object, which has `size` bytes. */
  | { status: 'pastEnd'; size: number };

export interface ListPageOptions {
  /** Roll keys up to the next '/' after the prefix, as folders (`prefixes`). */
  delimiter: boolean;
  /** Only keys after this one (S3's StartAfter). */
  startAfter?: string | undefined;
  /** Where the previous page of this listing ended. */
  cursor?: string | undefined;
  maxResults: number;
}

export interface BucketPage {
  objects: Array<{ key: string; size: number; modifiedAt: Date }>;
  /** With a delimiter: the folders, each ending in '/'. */
  prefixes: string[];
  /** For the next page; none at the end. */
  cursor?: string | undefined;
}
