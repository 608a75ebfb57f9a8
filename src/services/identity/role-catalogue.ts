import { builtInRoles } from '../../core/identity/roles/builtin-roles.js';
import type { RoleDefinition } from '../../core/identity/roles/role-definition.js';
import type { IdentityRepository, StoredRoleDefinition } from '../../store/identity-repository.js';

/** The roles Trellis knows: Azure's built-ins, then the custom roles stored here. */
export async function allRoles(identity: IdentityRepository): Promise<RoleDefinition[]> {
  return [...builtInRoles, ...(await identity.listRoleDefinitions()).map(customRoleOf)];
}

/** A role by its name (case-insensitive, as Azure matches them) or its id. */
export async function findRole(identity: IdentityRepository, nameOrId: string): Promise<RoleDefinition | undefined> {
  const wanted = nameOrId.toLowerCase();
  return (await allRoles(identity)).find((role) => role.name.toLowerCase() === wanted || role.id === nameOrId);
}

export function customRoleOf(stored: StoredRoleDefinition): RoleDefinition {
  const body = JSON.parse(stored.definition) as Pick<RoleDefinition, 'description' | 'permissions' | 'assignableScopes'>;
  return { id: stored.id, name: stored.name, type: 'CustomRole', ...body };
}
