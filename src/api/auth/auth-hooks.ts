import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FailureThrottle } from '../../core/identity/failure-throttle.js';
import { actorOf, type Principal } from '../../core/identity/principal.js';
import { routeAccessOf } from '../../core/identity/route-access.js';
import { TrellisError, isTrellisError } from '../../core/errors.js';
import type { AccessControl } from '../../services/identity/access-control.js';
import { defaultWorkspace } from '../../services/workspace-service.js';
import { type Authenticator, authenticate } from './authenticate.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request; set for every route that is not public. */
    principal: Principal | undefined;
  }
}

export interface AuthHooks {
  authenticator: Authenticator;
  access: AccessControl;
  throttle: FailureThrottle;
}

/**
 * Authentication and authorization for every route, before its handler runs: the route's access
 * rule (src/auth/route-access.ts) says whether it is public, checks its own credential, needs only
 * a principal, or needs an action at a scope. A route without a rule is refused.
 */
export function registerAuthHooks(app: FastifyInstance, hooks: AuthHooks): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    // No route matched: the not-found handler answers, and says nothing about what exists.
    if (url === undefined) return;
    const access = routeAccessOf(request.method, url);
    if (!access)
      throw new TrellisError(
        'AccessNotDeclared',
        403,
        `${request.method} ${url} has no access rule, so it is refused; this is a server bug: report it`,
      );
    if (access.kind === 'public' || access.kind === 'ownCredential') return;
    const client = request.socket.remoteAddress ?? 'unknown';
    const verdict = hooks.throttle.verdict(client);
    if (verdict.kind === 'refuse') {
      void reply.header('retry-after', String(verdict.retryAfterSeconds));
      throw new TrellisError(
        'TooManyFailedSignIns',
        429,
        `too many failed authentications from this address; try again in ${verdict.retryAfterSeconds} s with a valid token`,
      );
    }
    if (verdict.kind === 'slow') await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));
    let principal: Principal | undefined;
    try {
      principal = await authenticate(request, hooks.authenticator);
    } catch (error) {
      if (isTrellisError(error) && error.status === 401) {
        const failures = hooks.throttle.recordFailure(client);
        request.log.warn({ client, code: error.code, route: `${request.method} ${url}`, failures }, 'authentication failed');
        void reply.header('www-authenticate', 'Bearer realm="trellis", Basic realm="trellis"');
      }
      throw error;
    }
    if (!principal) {
      void reply.header('www-authenticate', 'Bearer realm="trellis", Basic realm="trellis"');
      throw new TrellisError(
        'Unauthenticated',
        401,
        'this call needs credentials: send "Authorization: Bearer <token>" (create one with: trellis token create --name <name>), or an OpenID Connect token from the configured issuer',
      );
    }
    request.principal = principal;
    if (access.kind === 'action') await requireAction(request, hooks.access, access.action, scopeOf(request, access.scope));
  });
}

/** The scope a route acts in: the server, or the workspace in its path (the default workspace at the root). */
export function scopeOf(request: FastifyRequest, scope: 'server' | 'workspace'): string {
  if (scope === 'server') return '/';
  const workspace = (request.params as { workspace?: string } | undefined)?.workspace ?? defaultWorkspace;
  return `/workspaces/${workspace}`;
}

/** The request's principal, which the route's access rule guarantees is there. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new TrellisError('Unauthenticated', 401, 'this call needs credentials');
  return request.principal;
}

/**
 * Refuses unless the request's principal may do the action at the scope: 403 naming both, or
 * 404 for a workspace the principal holds no role in (as if it did not exist).
 */
export async function requireAction(request: FastifyRequest, access: AccessControl, action: string, scope: string): Promise<void> {
  const principal = principalOf(request);
  const decision = await access.check(principal, action, scope);
  if (decision === 'allowed') return;
  if (decision === 'hidden') {
    const workspace = scope.slice('/workspaces/'.length);
    throw new TrellisError(
      'WorkspaceNotFound',
      404,
      `workspace '${workspace}' does not exist; create it with: trellis workspace create --name ${workspace}`,
    );
  }
  throw new TrellisError(
    'AuthorizationFailed',
    403,
    `${actorOf(principal)} may not perform ${action} at scope '${scope}'; ask an Owner to assign a role that grants it (trellis role assignment create --role <role> --assignee ${principal.name} --scope ${scope})`,
  );
}
