import { TrellisError } from '../core/errors.js';

/** Keyset position after the last row of a page: rows are ordered by name, then newest first. */
export interface PagePosition {
  name: string;
  id: number;
}

export function encodePageToken(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.name, position.id])).toString('base64url');
}

export function decodePageToken(token: string): PagePosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && Number.isInteger(value[1])) {
      return { name: value[0], id: value[1] as number };
    }
  } catch {
    // Not base64url JSON: the same clear InvalidPageToken error below as a token of the wrong shape.
  }
  throw new TrellisError(
    'InvalidPageToken',
    400,
    `page token '${token}' is not one this server issued; pass the nextPageToken of the previous page unchanged, or omit it to start from the first page`,
  );
}
