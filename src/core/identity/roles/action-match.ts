import type { Permission, RoleDefinition } from './role-definition.js';

/**
 * Azure's rule for whether a role grants an action: some permission block lists it in `actions`
 * (or `dataActions`) and the same block does not exclude it in `notActions` (`notDataActions`).
 * Patterns match case-insensitively and `*` stands for any run of characters, slashes included;
 * a `*` that is a whole path segment may also stand for no segment.
 */
export function matchesAction(pattern: string, action: string): boolean {
  return patternRegex(pattern).test(action);
}

export function roleGrants(role: Pick<RoleDefinition, 'permissions'>, action: string, plane: 'control' | 'data' = 'control'): boolean {
  return role.permissions.some((permission) => permissionGrants(permission, action, plane));
}

function permissionGrants(permission: Permission, action: string, plane: 'control' | 'data'): boolean {
  const [allowed, denied] =
    plane === 'control' ? [permission.actions, permission.notActions] : [permission.dataActions, permission.notDataActions];
  return allowed.some((pattern) => matchesAction(pattern, action)) && !denied.some((pattern) => matchesAction(pattern, action));
}

const cache = new Map<string, RegExp>();

function patternRegex(pattern: string): RegExp {
  let regex = cache.get(pattern);
  if (!regex) {
    // A whole segment '/*/' also stands for no segment at all: 'workspaces/*/write' covers
    // 'workspaces/write' (which is why AzureML Data Scientist lists that one in notActions).
    const body = pattern
      .split('/*/')
      .map((piece) =>
        piece
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*'),
      )
      .join('(?:/.*)?/');
    regex = new RegExp(`^${body}$`, 'i');
    cache.set(pattern, regex);
  }
  return regex;
}
