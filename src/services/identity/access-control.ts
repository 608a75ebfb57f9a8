import type { Principal } from '../../core/identity/principal.js';
import { roleGrants } from '../../core/identity/roles/action-match.js';
import type { RoleDefinition } from '../../core/identity/roles/role-definition.js';
import type { IdentityRepository } from '../../store/identity-repository.js';
import { allRoles } from './role-catalogue.js';

/** What a check answers: allowed; forbidden (403); or hidden: the principal has no role there at all (404, as if it did not exist). */
export type AccessDecision = 'allowed' | 'forbidden' | 'hidden';

interface EffectiveAssignment {
  role: RoleDefinition;
  scope: string;
}

/**
 * Decides whether a principal may perform an action at a scope, from the role assignments to it
 * and to its groups. Deny by default: no assignment, no access. What a principal holds is cached
 * for a few seconds and dropped at once when this server changes roles, assignments or groups.
 */
export class AccessControl {
  private readonly cache = new Map<string, { at: number; assignments: Promise<EffectiveAssignment[]> }>();
  private generation = 0;

  constructor(
    private readonly identity: () => IdentityRepository,
    private readonly options: { cacheMs?: number; now?: () => number } = {},
  ) {}

  /** Call after any change to roles, assignments or group membership. */
  invalidate(): void {
    this.generation++;
    this.cache.clear();
  }

  async check(principal: Principal, action: string, scope: string): Promise<AccessDecision> {
    // The local owner runs the server and owns its data directory: an Owner everywhere, with no lookup.
    if (principal.via === 'local') return 'allowed';
    const bound = principal.boundTo?.workspace;
    if (bound !== undefined && scope !== `/workspaces/${bound}`) return scope === '/' ? 'forbidden' : 'hidden';
    const assignments = (await this.assignmentsOf(principal)).filter((assignment) => covers(assignment.scope, scope));
    if (assignments.length === 0) return scope === '/' ? 'forbidden' : 'hidden';
    return assignments.some((assignment) => roleGrants(assignment.role, action)) ? 'allowed' : 'forbidden';
  }

  /** Whether the principal holds any role at this scope (or above it): what makes a workspace visible to it. */
  async canSee(principal: Principal, scope: string): Promise<boolean> {
    if (principal.via === 'local') return true;
    const bound = principal.boundTo?.workspace;
    if (bound !== undefined) return scope === `/workspaces/${bound}`;
    return (await this.assignmentsOf(principal)).some((assignment) => covers(assignment.scope, scope));
  }

  /** The workspaces the principal holds a role in, by name (for a principal with none at the server scope). */
  async visibleWorkspaces(principal: Principal): Promise<string[]> {
    if (principal.boundTo) return [principal.boundTo.workspace];
    const names = (await this.assignmentsOf(principal)).flatMap((assignment) =>
      assignment.scope.startsWith('/workspaces/') ? [assignment.scope.slice('/workspaces/'.length)] : [],
    );
    return [...new Set(names)];
  }

  /** The role assignments that apply to the principal: its own and its groups'. */
  async assignmentsOf(principal: Principal): Promise<EffectiveAssignment[]> {
    const key = `${principal.kind}:${principal.name}|${[...principal.groups].sort().join(',')}`;
    const now = (this.options.now ?? Date.now)();
    const cached = this.cache.get(key);
    if (cached && now - cached.at < (this.options.cacheMs ?? 5000)) return cached.assignments;
    const generation = this.generation;
    const assignments = this.load(principal);
    this.cache.set(key, { at: now, assignments });
    // A failed load must not be served from the cache; a load overtaken by a change is dropped too.
    assignments.then(
      () => {
        if (generation !== this.generation) this.cache.delete(key);
      },
      () => this.cache.delete(key),
    );
    return assignments;
  }

  private async load(principal: Principal): Promise<EffectiveAssignment[]> {
    const identity = this.identity();
    const storedGroups = await identity.groupsOf(principal.name);
    const names = [principal.name, ...new Set([...storedGroups, ...principal.groups])];
    const [roles, assignments] = await Promise.all([allRoles(identity), identity.listAssignments({ principals: names })]);
    const byId = new Map(roles.map((role) => [role.id, role]));
    return assignments.flatMap((assignment) => {
      const role = byId.get(assignment.roleId);
      return role ? [{ role, scope: assignment.scope }] : [];
    });
  }
}

/** An assignment at '/' covers every workspace; one at a workspace covers that workspace only. */
function covers(assignmentScope: string, scope: string): boolean {
  return assignmentScope === '/' || assignmentScope === scope;
}
