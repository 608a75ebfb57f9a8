import type { FastifyReply, FastifyRequest } from 'fastify';
import { TrellisError } from '../core/errors.js';

/** The etag a client sent in If-Match, without quotes or a weak prefix; undefined when none. */
export function ifMatchOf(request: FastifyRequest): string | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header === '*') return undefined;
  return header.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** Updates must say which version they change: no If-Match is 428, never a blind overwrite. */
export function requireIfMatch(request: FastifyRequest): string {
  const etag = ifMatchOf(request);
  if (etag === undefined) {
    throw new TrellisError(
      'PreconditionRequired',
      428,
      "send an If-Match header with the etag you read (GET the resource; its 'etag' field or ETag header), so a concurrent change is not overwritten",
    );
  }
  return etag;
}

export function setEtag(reply: FastifyReply, etag: string): void {
  reply.header('etag', `"${etag}"`);
}
