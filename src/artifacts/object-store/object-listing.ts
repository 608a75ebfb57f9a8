import { invalidListOptions } from '../artifact-errors.js';
import { artifactPathProblem, compareArtifactPaths, validateArtifactPrefix } from '../artifact-path.js';
import type { ArtifactListing, ArtifactListItem, ListOptions } from '../artifact-store.js';
import { decodeContinuationToken, encodeContinuationToken, resolveListLimit } from '../list-page.js';
import type { BucketPage, ObjectBucket } from './object-bucket.js';

/** The most a service returns in one page (S3: 1000; Azure takes 5000). */
const SERVICE_PAGE_LIMIT = 1000;

interface ListedEntry {
  item: ArtifactListItem;
  /** The key the listing is ordered and continued by: `path`, or `path/` for a folder. */
  sortKey: string;
}

/**
 * `ArtifactStore.list` over a bucket's listing of the named objects under `objectsPrefix`: the same
 * items, order, folders and pages as the local store. A continuation token is the sort key of the
 * last item returned, so a page picks up after it even when objects came or went in between. S3
 * starts a listing after a key; Azure cannot, so its token also carries the marker of the service
 * page that held that item, and the listing resumes there and skips what it already returned.
 */
export async function listObjects(
  bucket: ObjectBucket,
  objectsPrefix: string,
  prefix: string,
  options: ListOptions,
): Promise<ArtifactListing> {
  const folder = validateArtifactPrefix(prefix);
  const limit = resolveListLimit(options.limit);
  const folderKey = folder === '' ? '' : `${folder}/`;
  const resume = options.continuationToken === undefined ? undefined : decodeObjectToken(options.continuationToken, folderKey);
  const afterKey = resume?.afterKey;
  const items: ArtifactListItem[] = [];
  let lastSortKey = '';
  let lastCursor: string | undefined;
  let cursor = resume?.cursor;
  for (;;) {
    const pageCursor = cursor;
    const page = await bucket.listPage(objectsPrefix + folderKey, {
      delimiter: options.recursive !== true,
      startAfter: afterKey === undefined ? undefined : objectsPrefix + afterKey,
      cursor,
      // One more than the page, to know whether another follows; one more still for the item a resumed listing skips.
      maxResults: Math.min(limit + 2, SERVICE_PAGE_LIMIT),
    });
    for (const entry of entriesOf(page, objectsPrefix)) {
      if (afterKey !== undefined && compareArtifactPaths(entry.sortKey, afterKey) <= 0) continue;
      if (items.length === limit) {
        return { items, continuationToken: encodeObjectToken(lastSortKey, bucket.resumesFromCursor ? lastCursor : undefined) };
      }
      items.push(entry.item);
      lastSortKey = entry.sortKey;
      lastCursor = pageCursor;
    }
    if (page.cursor === undefined) return { items };
    cursor = page.cursor;
  }
}

/** A page's objects and folders as items, in the listing's order; keys that are not artifact paths (made by other tools) are left out. */
function entriesOf(page: BucketPage, objectsPrefix: string): ListedEntry[] {
  const entries: ListedEntry[] = [];
  for (const object of page.objects) {
    const path = object.key.slice(objectsPrefix.length);
    if (object.key.startsWith(objectsPrefix) && artifactPathProblem(path) === undefined) {
      entries.push({ item: { path, size: object.size, isDirectory: false }, sortKey: path });
    }
  }
  for (const prefix of page.prefixes) {
    const path = prefix.slice(objectsPrefix.length, -1);
    if (prefix.startsWith(objectsPrefix) && prefix.endsWith('/') && artifactPathProblem(path) === undefined) {
      entries.push({ item: { path, isDirectory: true }, sortKey: `${path}/` });
    }
  }
  return entries.sort((a, b) => compareArtifactPaths(a.sortKey, b.sortKey));
}

/** The local store's token for `afterKey`, and after a '.' (not in base64url) the service's marker to resume from. */
function encodeObjectToken(afterKey: string, cursor: string | undefined): string {
  const token = encodeContinuationToken(afterKey);
  return cursor === undefined ? token : `${token}.${Buffer.from(cursor).toString('base64url')}`;
}

/** Unwraps a token; InvalidListOptions (400) when it is not one of ours or belongs to another folder's listing. */
function decodeObjectToken(token: string, folderKey: string): { afterKey: string; cursor?: string | undefined } {
  const [key = '', cursor, ...rest] = token.split('.');
  if (rest.length > 0 || (cursor !== undefined && !/^[A-Za-z0-9_-]+$/.test(cursor))) {
    throw invalidListOptions('the continuation token does not belong to this listing; start again without one');
  }
  return {
    afterKey: decodeContinuationToken(key, folderKey),
    cursor: cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString(),
  };
}
