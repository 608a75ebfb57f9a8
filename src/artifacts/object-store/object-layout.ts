import { randomUUID } from 'node:crypto';
import { artifactKeyTooLong } from '../artifact-errors.js';
import { parseContentDigest } from '../content-digest.js';

/** The longest object key Azure Blob (1024 characters) and S3 (1024 bytes) both take, counted in UTF-8 bytes. */
export const MAX_OBJECT_KEY_BYTES = 1024;

/**
 * Where one space (a workspace's artifacts) lives in a bucket: under its prefix, the same three folders
 * as on disk — `objects/<path>` for named objects, `blobs/sha256/<2 hex>/<hex>` for content and `tmp/`
 * for uploads on their way to a content address.
 */
export class ObjectLayout {
  /** `space` is '' or ends in '/', e.g. `artifacts/workspaces/dev/`. */
  constructor(readonly space: string) {
    if (space !== '' && !space.endsWith('/')) throw new RangeError(`an object space ends in '/': ${JSON.stringify(space)}`);
  }

  /** Every named object's key starts with this. */
  get objects(): string {
    return `${this.space}objects/`;
  }

  get temporary(): string {
    return `${this.space}tmp/`;
  }

  /** The key of a valid artifact path; InvalidArtifactPath when the prefix makes it too long for the service. */
  objectKey(path: string): string {
    const key = this.objects + path;
    const bytes = Buffer.byteLength(key);
    if (bytes > MAX_OBJECT_KEY_BYTES) throw artifactKeyTooLong(path, bytes, MAX_OBJECT_KEY_BYTES);
    return key;
  }

  /** The key of content by digest; InvalidDigest for anything but `sha256:<64 lowercase hex>`. */
  contentKey(digest: string): string {
    const hex = parseContentDigest(digest);
    return `${this.space}blobs/sha256/${hex.slice(0, 2)}/${hex}`;
  }

  /** A fresh key no one else writes. */
  temporaryKey(): string {
    return `${this.temporary}${randomUUID()}`;
  }
}
