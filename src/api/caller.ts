import type { FastifyRequest } from 'fastify';
import type { Caller } from '../services/context.js';

/**
 * Until authentication lands, every caller is the local user the server runs as; the audit log
 * says so plainly ("local:<user>") rather than trusting a name the client sends.
 */
export function callerOf(request: FastifyRequest, localUser: string): Caller {
  return { actor: `local:${localUser}`, requestId: String(request.id) };
}
