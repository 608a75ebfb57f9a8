import { invalidListOptions } from './artifact-errors.js';
import { MAX_LIST_LIMIT } from './artifact-store.js';

/**
 * Paging for `list`: a continuation token is the sort key of the last item returned, so a
 * page picks up after it even when objects were added or removed in between.
 */

/** Returns the page size to use; throws InvalidListOptions (400) for anything but 1..1000. */
export function resolveListLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_LIST_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw invalidListOptions(`list limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${limit}`);
  }
  return limit;
}

/** Wraps the sort key of the last item of a page as an opaque token. */
export function encodeContinuationToken(afterKey: string): string {
  return Buffer.from(afterKey).toString('base64url');
}

/**
 * Unwraps a token into the key to continue after. Throws InvalidListOptions (400) when it is not
 * one of ours or belongs to a listing of another folder (`folderKey` is '' or 'runs/1/').
 */
export function decodeContinuationToken(token: string, folderKey: string): string {
  const afterKey = /^[A-Za-z0-9_-]+$/.test(token) ? Buffer.from(token, 'base64url').toString() : '';
  if (afterKey.length <= folderKey.length || !afterKey.startsWith(folderKey)) {
    throw invalidListOptions('the continuation token does not belong to this listing; start again without one');
  }
  return afterKey;
}
