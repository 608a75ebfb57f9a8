import { mlflowError } from './mlflow-error.js';

/** Offset page tokens, opaque to clients (base64 JSON, as MLflow's are). */
export function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodeOffset(token: string | undefined): number {
  if (!token) return 0;
  try {
    const value = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof value.offset === 'number' && Number.isSafeInteger(value.offset) && value.offset >= 0) return value.offset;
  } catch {
    // Not base64 JSON: the same clear INVALID_PARAMETER_VALUE error below as a token of the wrong shape.
  }
  throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid page token, could not base64-decode: ${token}`);
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** One page, from `offset` (a decoded page token), of a list already filtered and ordered in memory. */
export function pageOf<T>(items: readonly T[], maxResults: number, offset: number): Page<T> {
  const end = offset + maxResults;
  return { items: items.slice(offset, end), ...(end < items.length ? { nextPageToken: encodeOffset(end) } : {}) };
}
