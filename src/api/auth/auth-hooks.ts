import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FailureThrottle } from '../../core/identity/failure-throttle.js';
import { actorOf, type Principal } from '../../core/identity/principal.js';
import { registries, registriesNamedIn, registryActionFor, registryOfScope, registryScopeOf } from '../../core/identity/registry-access.js';
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

/** The scope a route acts in: the server, the registry in its path, or the workspace in its path (the default workspace at the root). */
export function scopeOf(request: FastifyRequest, scope: 'server' | 'workspace' | 'registry'): string {
  if (scope === 'server') return '/';
  if (scope === 'registry') return registryScopeOf((request.params as { registry?: string } | undefined)?.registry ?? '');
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
  const registry = registryOfScope(scope);
  if (registry !== undefined) return requireRegistryAction(request, access, registry, action);
  const principal = principalOf(request);
  const decision = await access.check(principal, action, scope);
  if (decision === 'allowed') return;
  // A registry is shared by design: one a principal holds no role in answers 403, as on Azure, not 404.
  if (decision === 'hidden' && !scope.startsWith('/registries/')) {
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

/**
 * A route on a registry's storage space ('@<registry>'): only asset routes have a meaning there,
 * checked as Azure checks a registry (registries/assets/read, write, delete at the registry).
 */
async function requireRegistryAction(request: FastifyRequest, access: AccessControl, registry: string, action: string): Promise<void> {
  const mapped = registryActionFor(action);
  if (mapped === undefined)
    throw new TrellisError(
      'NotARegistryOperation',
      404,
      `registry '${registry}' holds models, environments, components, data and code only; jobs, endpoints, computes and experiments live in workspaces`,
    );
  await requireAction(request, access, mapped, registryScopeOf(registry));
}

/**
 * A file that names an asset in a registry (azureml://registries/<r>/...) reads that registry, so
 * whoever sends it needs registries/assets/read there, wherever the file is applied: a deployment
 * in prod may use a registry's model only if its sender may read the registry. Azure's own system
 * registry `azureml` (curated environments) is readable by everyone, as on Azure.
 */
export function registerRegistryReadCheck(app: FastifyInstance, access: AccessControl): void {
  app.addHook('preHandler', async (request) => {
    if (!request.principal || request.method === 'GET') return;
    // JSON and YAML bodies only: an upload's body is a stream of bytes, not a file that names assets.
    const body: unknown = request.body;
    const isJson =
      typeof body === 'object' && body !== null && [Object.prototype, Array.prototype, null].includes(Object.getPrototypeOf(body));
    if (typeof body !== 'string' && !isJson) return;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    if (!text.includes('azureml://registries/')) return;
    for (const registry of registriesNamedIn(text)) {
      if (registry === 'azureml') continue;
      await requireAction(request, access, `${registries}/assets/read`, registryScopeOf(registry));
    }
  });
}
