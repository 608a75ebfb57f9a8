import { digestOf } from '../core/resources/digest.js';

/** What an etag covers: everything a writer can change. */
export interface EtagContent {
  spec: unknown;
  status: unknown;
  tags: unknown;
  description: unknown;
}

/** An opaque etag: the revision plus a short digest of the content, so it changes on every write. */
export function makeEtag(revision: number, content: EtagContent): string {
  return `${revision}-${digestOf(content).slice('sha256:'.length, 'sha256:'.length + 16)}`;
}
