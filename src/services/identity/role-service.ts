import { randomUUID } from 'node:crypto';
import { TrellisError } from '../../core/errors.js';
import { matchesAction } from '../../core/identity/roles/action-match.js';
import {
  type RoleDefinition,
  parseRoleDefinition,
  registryOfRoleScope,
  scopeContains,
  trellisScopeOf,
  workspaceOfScope,
} from '../../core/identity/roles/role-definition.js';
import type { StoredAssignment } from '../../store/identity-repository.js';
import type { Caller, Context } from '../context.js';
import { allRoles, customRoleOf, findRole } from './role-catalogue.js';
import { auditIdentityChange } from './identity-audit.js';
import { requirePrincipal } from './principal-service.js';

/** A role assignment as the API shows it: the role by name too. */
export interface AssignmentView extends StoredAssignment {
  roleName: string;
}

/**
 * Creates (or, for an existing custom role of that name, replaces) a custom role from a file in
 * Azure's shape. Actions are checked against the actions Trellis's routes use: a pattern that
 * matches none of them is refused unless it is in a namespace Trellis does not serve at all.
 */
export async function putCustomRole(
  context: Context,
  caller: Caller,
  input: unknown,
  knownActions: string[],
): Promise<{ role: RoleDefinition; created: boolean }> {
  const parsed = parseRoleDefinition(input);
  if ('problems' in parsed)
    throw new TrellisError('InvalidRoleDefinition', 400, `the role definition is not valid: ${parsed.problems.join('; ')}`, {
      problems: parsed.problems.map((message) => ({ path: '', message })),
    });
  const { role } = parsed;
  const unknown = role.permissions
    .flatMap((permission) => [...permission.actions, ...permission.notActions])
    .flatMap((pattern) => unknownAction(pattern, knownActions) ?? []);
  if (unknown.length > 0)
    throw new TrellisError(
      'UnknownAction',
      400,
      `unknown action: ${unknown.join('; ')}; the actions Trellis checks are listed by: trellis role actions (e.g. Microsoft.MachineLearningServices/workspaces/jobs/write)`,
    );
  for (const scope of role.assignableScopes) await requireScope(context, scope);
  const now = context.clock();
  return context.store.transaction(async (repositories) => {
    const existing = (await allRoles(repositories.identity)).find((other) => other.name.toLowerCase() === role.name.toLowerCase());
    if (existing?.type === 'BuiltInRole')
      throw new TrellisError(
        'RoleIsBuiltIn',
        409,
        `'${existing.name}' is a built-in role and cannot be changed; give the custom role another name`,
      );
    const body = JSON.stringify({ description: role.description, permissions: role.permissions, assignableScopes: role.assignableScopes });
    const id = existing?.id ?? randomUUID();
    const stored = { id, name: role.name, definition: body, createdBy: caller.actor, createdAt: now.getTime(), updatedAt: now.getTime() };
    if (existing) await repositories.identity.updateRoleDefinition(id, body, now.getTime());
    else await repositories.identity.insertRoleDefinition(stored);
    await auditIdentityChange(
      repositories,
      caller,
      {
        scope: '/',
        action: existing ? 'update' : 'create',
        kind: 'roleDefinition',
        name: role.name,
        summary: `${existing ? 'updated' : 'created'} custom role '${role.name}'`,
      },
      now,
    );
    return {
      role: customRoleOf(stored),
      created: !existing,
    };
  });
}

export async function deleteCustomRole(context: Context, caller: Caller, nameOrId: string): Promise<RoleDefinition> {
  const now = context.clock();
  return context.store.transaction(async (repositories) => {
    const role = await requireRole(repositories.identity, nameOrId);
    if (role.type === 'BuiltInRole')
      throw new TrellisError('RoleIsBuiltIn', 409, `'${role.name}' is a built-in role and cannot be deleted`);
    const assigned = await repositories.identity.listAssignments({ roleId: role.id });
    if (assigned.length > 0)
      throw new TrellisError(
        'RoleInUse',
        409,
        `role '${role.name}' is assigned ${assigned.length} time(s) (${assigned.map((assignment) => `${assignment.principal} at ${assignment.scope}`).join(', ')}); delete those assignments first`,
      );
    await repositories.identity.deleteRoleDefinition(role.id);
    await auditIdentityChange(
      repositories,
      caller,
      { scope: '/', action: 'delete', kind: 'roleDefinition', name: role.name, summary: `deleted custom role '${role.name}'` },
      now,
    );
    return role;
  });
}

export async function createAssignment(
  context: Context,
  caller: Caller,
  input: { role: string; assignee: string; scope: string },
): Promise<AssignmentView> {
  const scope = trellisScopeOf(input.scope);
  if (scope === undefined)
    throw new TrellisError(
      'InvalidScope',
      400,
      `scope '${input.scope}' is not one Trellis has: use '/' (the whole server), '/workspaces/<name>' or '/registries/<name>'`,
    );
  await requireScope(context, scope);
  const now = context.clock();
  return context.store.transaction(async (repositories) => {
    const role = await requireRole(repositories.identity, input.role);
    await requirePrincipal(repositories.identity, input.assignee);
    if (!role.assignableScopes.some((assignable) => scopeContains(assignable, scope)))
      throw new TrellisError(
        'ScopeNotAssignable',
        400,
        `role '${role.name}' can be assigned only at ${role.assignableScopes.join(', ')}, not at '${scope}'; add the scope to its AssignableScopes`,
      );
    const duplicate = await repositories.identity.listAssignments({ principals: [input.assignee], scope, roleId: role.id });
    if (duplicate[0])
      throw new TrellisError(
        'RoleAssignmentExists',
        409,
        `'${input.assignee}' already has role '${role.name}' at '${scope}' (assignment ${duplicate[0].id})`,
      );
    const assignment: StoredAssignment = {
      id: randomUUID(),
      roleId: role.id,
      principal: input.assignee,
      scope,
      createdBy: caller.actor,
      createdAt: now.getTime(),
    };
    await repositories.identity.insertAssignment(assignment);
    await auditIdentityChange(
      repositories,
      caller,
      {
        scope,
        action: 'create',
        kind: 'roleAssignment',
        name: assignment.id,
        summary: `assigned '${role.name}' to '${input.assignee}' at '${scope}'`,
      },
      now,
    );
    return { ...assignment, roleName: role.name };
  });
}

export async function deleteAssignment(context: Context, caller: Caller, id: string): Promise<AssignmentView> {
  const now = context.clock();
  return context.store.transaction(async (repositories) => {
    // Through the transaction's repositories only: SQLite has one connection, which the transaction holds.
    const assignment = await repositories.identity.getAssignment(id);
    if (!assignment) throw assignmentNotFound(id);
    const role = await findRole(repositories.identity, assignment.roleId);
    await repositories.identity.deleteAssignment(id);
    const roleName = role?.name ?? assignment.roleId;
    await auditIdentityChange(
      repositories,
      caller,
      {
        scope: assignment.scope,
        action: 'delete',
        kind: 'roleAssignment',
        name: id,
        summary: `removed '${roleName}' from '${assignment.principal}' at '${assignment.scope}'`,
      },
      now,
    );
    return { ...assignment, roleName };
  });
}

export async function requireAssignment(context: Context, id: string): Promise<StoredAssignment> {
  const found = await context.store.repositories.identity.getAssignment(id);
  if (!found) throw assignmentNotFound(id);
  return found;
}

function assignmentNotFound(id: string): TrellisError {
  return new TrellisError('RoleAssignmentNotFound', 404, `no role assignment has id '${id}'; list them with: trellis role assignment list`);
}

export async function listAssignmentViews(context: Context, filter: { scope?: string; principal?: string }): Promise<AssignmentView[]> {
  const identity = context.store.repositories.identity;
  const roles = new Map((await allRoles(identity)).map((role) => [role.id, role.name]));
  const assignments = await identity.listAssignments({
    ...(filter.scope ? { scope: filter.scope } : {}),
    ...(filter.principal ? { principals: [filter.principal] } : {}),
  });
  return assignments.map((assignment) => ({ ...assignment, roleName: roles.get(assignment.roleId) ?? assignment.roleId }));
}

async function requireRole(identity: Context['store']['repositories']['identity'], nameOrId: string): Promise<RoleDefinition> {
  const role = await findRole(identity, nameOrId);
  if (!role) throw new TrellisError('RoleNotFound', 404, `no role is named '${nameOrId}'; list them with: trellis role list`);
  return role;
}

/** A scope that exists: the server, a workspace that does, or a registry that does. */
async function requireScope(context: Context, scope: string): Promise<void> {
  const registry = registryOfRoleScope(scope);
  if (registry !== undefined && !(await context.store.repositories.registries.get(registry)))
    throw new TrellisError(
      'ScopeNotFound',
      400,
      `scope '${scope}' names registry '${registry}', which does not exist; create it first (trellis registry create), or use another scope`,
    );
  const workspace = workspaceOfScope(scope);
  if (workspace !== undefined && !(await context.store.repositories.workspaces.get(workspace)))
    throw new TrellisError(
      'ScopeNotFound',
      400,
      `scope '${scope}' names workspace '${workspace}', which does not exist; create it first, or use another scope`,
    );
}

/**
 * Whether an action pattern names no operation at all. Patterns matching one of Trellis's own are
 * fine; so are Azure ML operations Trellis does not serve (notebooks, datastores, registries...),
 * so a role written for Azure ML applies unchanged. Refused: a verb that is not read, write,
 * delete or <name>/action, and a workspace resource type Azure ML does not have.
 */
function unknownAction(pattern: string, knownActions: string[]): string | undefined {
  if (knownActions.some((action) => matchesAction(pattern, action))) return undefined;
  const segments = pattern.split('/');
  const verb = segments.at(-1) ?? '';
  if (!/^(\*|read|write|delete|action)$/i.test(verb)) return `'${pattern}' ends in '${verb}', not read, write, delete or <name>/action`;
  const workspaceType = /^Microsoft\.MachineLearningServices\/workspaces\/([^/]+)\//i.exec(pattern)?.[1];
  if (workspaceType && workspaceType !== '*' && !azureMlWorkspaceTypes.has(workspaceType.toLowerCase()))
    return `'${pattern}' names '${workspaceType}', which is not an Azure ML workspace resource type`;
  return undefined;
}

/** Azure ML's workspace resource types (Microsoft.MachineLearningServices/workspaces/<type>/...). */
const azureMlWorkspaceTypes = new Set(
  [
    'jobs',
    'experiments',
    'computes',
    'environments',
    'data',
    'datasets',
    'datastores',
    'codes',
    'models',
    'components',
    'modules',
    'onlineEndpoints',
    'batchEndpoints',
    'serverlessEndpoints',
    'endpoints',
    'metadata',
    'notebooks',
    'connections',
    'hubs',
    'featurestores',
    'featuresets',
    'featurestoreentities',
    'schedules',
    'services',
    'registries',
    'listKeys',
    'listStorageAccountKeys',
    'listNotebookKeys',
    'outboundRules',
    'outboundNetworkDependenciesEndpoints',
    'privateEndpointConnections',
    'privateLinkResources',
    'diagnose',
    'deployments',
    'marketplaceSubscriptions',
    'inferencePools',
    'labeling',
    'metrics',
    'assets',
    'snapshots',
    'artifacts',
    'runs',
    'linkedServices',
    'linkedWorkspaces',
    'managedNetworks',
    'provisionManagedNetwork',
    'resynckeys',
    'usages',
    'quotas',
    'evaluations',
    'agents',
    'threads',
    'prompts',
    'promptflows',
    'networkSecurityPerimeterConfigurations',
    'operationResults',
  ].map((type) => type.toLowerCase()),
);
