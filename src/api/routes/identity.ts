import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { identityRoutes as routes } from '../../contract/identity.js';
import { TrellisError } from '../../core/errors.js';
import { actorOf } from '../../core/identity/principal.js';
import { knownActions } from '../../core/identity/route-access.js';
import { trellisScopeOf } from '../../core/identity/roles/role-definition.js';
import { changeMembership, createPrincipal, deletePrincipal, requirePrincipal } from '../../services/identity/principal-service.js';
import { allRoles, findRole } from '../../services/identity/role-catalogue.js';
import {
  createAssignment,
  deleteAssignment,
  deleteCustomRole,
  listAssignmentViews,
  putCustomRole,
  requireAssignment,
} from '../../services/identity/role-service.js';
import { createPersonalToken, revokeTokenById } from '../../services/identity/token-service.js';
import { principalOf, requireAction } from '../auth/auth-hooks.js';
import { callerOf } from '../caller.js';
import type { RouteOptions } from '../route-options.js';

const authorization = 'Microsoft.Authorization';

/** Principals, tokens, roles and role assignments: who may do what, and where. */
export const identityRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config, access }) => {
  const identity = context.store.repositories.identity;
  // Any change here can change what a principal may do: the access cache is dropped after each.
  const changed = <T>(value: T): T => {
    access.invalidate();
    return value;
  };
  const withMembership = async (name: string) => {
    const principal = await requirePrincipal(identity, name);
    return principal.kind === 'group'
      ? { ...principal, members: await identity.membersOf(name) }
      : { ...principal, groups: await identity.groupsOf(name) };
  };

  app.get(routes.whoami.path, { schema: routes.whoami.schema }, async (request) => {
    const principal = principalOf(request);
    const roles =
      principal.via === 'local'
        ? [{ role: 'Owner', scope: '/' }]
        : (await access.assignmentsOf(principal)).map((assignment) => ({ role: assignment.role.name, scope: assignment.scope }));
    return {
      kind: principal.kind,
      name: principal.name,
      actor: actorOf(principal),
      via: principal.via,
      groups: [...new Set([...principal.groups, ...(await identity.groupsOf(principal.name))])],
      ...(principal.boundTo ? { boundTo: principal.boundTo } : {}),
      roles,
    };
  });

  app.get(routes.listPrincipals.path, { schema: routes.listPrincipals.schema }, async (request) => ({
    items: await identity.listPrincipals(request.query.kind),
  }));
  app.post(routes.createPrincipal.path, { schema: routes.createPrincipal.schema }, async (request, reply) => {
    const created = await createPrincipal(context, callerOf(request), request.body);
    return reply.status(201).send(created);
  });
  app.get(routes.getPrincipal.path, { schema: routes.getPrincipal.schema }, async (request) => withMembership(request.params.name));
  app.delete(routes.deletePrincipal.path, { schema: routes.deletePrincipal.schema }, async (request) =>
    changed(await deletePrincipal(context, callerOf(request), request.params.name, config.localUser)),
  );
  app.post(routes.addMember.path, { schema: routes.addMember.schema }, async (request) => {
    await changeMembership(context, callerOf(request), request.params.name, request.body.member, 'add');
    return changed(await withMembership(request.params.name));
  });
  app.delete(routes.removeMember.path, { schema: routes.removeMember.schema }, async (request) => {
    await changeMembership(context, callerOf(request), request.params.name, request.params.member, 'remove');
    return changed(await withMembership(request.params.name));
  });

  // Tokens: a principal's own freely; another's (a service principal's) with principals/write at the server.
  const tokenOwner = async (request: Parameters<typeof principalOf>[0], named: string | undefined): Promise<string> => {
    const caller = principalOf(request);
    if (caller.boundTo)
      throw new TrellisError('AuthorizationFailed', 403, `${actorOf(caller)} is a job or deployment identity; it cannot manage tokens`);
    if (named === undefined || named === caller.name) {
      if (caller.via === 'local') await requirePrincipal(identity, caller.name);
      return caller.name;
    }
    await requireAction(request, access, `${authorization}/principals/write`, '/');
    const owner = await requirePrincipal(identity, named);
    if (owner.kind !== 'servicePrincipal')
      throw new TrellisError(
        'NotAServicePrincipal',
        400,
        `'${named}' is a ${owner.kind}; tokens are made for oneself or for a service principal`,
      );
    return named;
  };
  app.post(routes.createToken.path, { schema: routes.createToken.schema }, async (request, reply) => {
    const principal = await tokenOwner(request, request.body.principal);
    const issued = await createPersonalToken(context, callerOf(request), {
      principal,
      name: request.body.name,
      expiresIn: request.body.expiresIn,
    });
    return reply.status(201).send(issued);
  });
  app.get(routes.listTokens.path, { schema: routes.listTokens.schema }, async (request) => {
    const principal = await tokenOwner(request, request.query.principal);
    return { items: await identity.listTokens(principal, request.query.workloads === 'true' ? ['job', 'deployment'] : ['pat']) };
  });
  app.delete(routes.revokeToken.path, { schema: routes.revokeToken.schema }, async (request) => {
    const record = await identity.getToken(request.params.id);
    const caller = principalOf(request);
    // Someone else's token is as unknown as a missing one to a caller who may not manage it.
    if (record && record.principal !== caller.name) await requireAction(request, access, `${authorization}/principals/write`, '/');
    if (!record || record.kind === 'session')
      throw new TrellisError('TokenNotFound', 404, `no token has id '${request.params.id}'; list yours with: trellis token list`);
    return revokeTokenById(context, callerOf(request), record);
  });

  app.get(routes.listRoles.path, { schema: routes.listRoles.schema }, async () => ({ items: await allRoles(identity) }));
  app.get(routes.getRole.path, { schema: routes.getRole.schema }, async (request) => {
    const role = await findRole(identity, request.params.role);
    if (!role) throw new TrellisError('RoleNotFound', 404, `no role is named '${request.params.role}'; list them with: trellis role list`);
    return role;
  });
  app.post(routes.putRole.path, { schema: routes.putRole.schema }, async (request, reply) => {
    const { role, created } = await putCustomRole(context, callerOf(request), request.body, knownActions());
    return reply.status(created ? 201 : 200).send(changed(role));
  });
  app.delete(routes.deleteRole.path, { schema: routes.deleteRole.schema }, async (request) =>
    changed(await deleteCustomRole(context, callerOf(request), request.params.role)),
  );
  app.get(routes.actions.path, { schema: routes.actions.schema }, async () => ({ items: knownActions() }));

  // Assignments: the scope is the body's or the assignment's, so the action is checked here.
  const scopeOrRefuse = (scope: string) => {
    const trellis = trellisScopeOf(scope);
    if (trellis === undefined)
      throw new TrellisError(
        'InvalidScope',
        400,
        `scope '${scope}' is not one Trellis has: use '/' (the whole server), '/workspaces/<name>' or '/registries/<name>'`,
      );
    return trellis;
  };
  app.get(routes.listAssignments.path, { schema: routes.listAssignments.schema }, async (request) => {
    const scope = scopeOrRefuse(request.query.scope ?? '/');
    await requireAction(request, access, `${authorization}/roleAssignments/read`, scope);
    return {
      items: await listAssignmentViews(context, {
        ...(request.query.scope ? { scope } : {}),
        ...(request.query.assignee ? { principal: request.query.assignee } : {}),
      }),
    };
  });
  app.post(routes.createAssignment.path, { schema: routes.createAssignment.schema }, async (request, reply) => {
    const scope = scopeOrRefuse(request.body.scope);
    await requireAction(request, access, `${authorization}/roleAssignments/write`, scope);
    const created = await createAssignment(context, callerOf(request), { ...request.body, scope });
    return reply.status(201).send(changed(created));
  });
  app.delete(routes.deleteAssignment.path, { schema: routes.deleteAssignment.schema }, async (request) => {
    const assignment = await requireAssignment(context, request.params.id);
    await requireAction(request, access, `${authorization}/roleAssignments/delete`, assignment.scope);
    return changed(await deleteAssignment(context, callerOf(request), request.params.id));
  });

  app.get(routes.serverAudit.path, { schema: routes.serverAudit.schema }, async (request) =>
    context.store.repositories.audit.list({
      workspace: '/',
      limit: request.query.limit,
      ...(request.query.pageToken ? { pageToken: request.query.pageToken } : {}),
    }),
  );
};
