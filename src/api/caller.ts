import type { FastifyRequest } from 'fastify';
import { actorOf } from '../core/identity/principal.js';
import type { Caller } from '../services/context.js';
import { principalOf } from './auth/auth-hooks.js';

/** Who made a request, as the audit log names them (`user:alice`, `job:fit-1 for user:alice`), and which request it was. */
export function callerOf(request: FastifyRequest): Caller {
  return { actor: actorOf(principalOf(request)), requestId: String(request.id) };
}
