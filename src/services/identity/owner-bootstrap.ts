import { randomUUID } from 'node:crypto';
import { builtInRoles } from '../../core/identity/roles/builtin-roles.js';
import type { Caller, Context } from '../context.js';
import { auditIdentityChange } from './identity-audit.js';
import { issueToken } from './token-service.js';

const ownerRole = builtInRoles.find((role) => role.name === 'Owner')!;
/** The name of the token `trellis up` writes for the CLI; each start replaces it. */
export const ownerTokenName = 'owner token (written by trellis up)';

/**
 * The user the server runs as is its first owner: a user principal, and Owner at the server scope
 * while no one else holds that role there, so a fresh start is never locked out.
 */
export async function ensureOwner(context: Context, owner: string): Promise<void> {
  const caller: Caller = { actor: `user:${owner}`, requestId: null };
  const now = context.clock();
  await context.store.transaction(async (repositories) => {
    const identity = repositories.identity;
    if (!(await identity.getPrincipal(owner))) {
      await identity.insertPrincipal({
        name: owner,
        kind: 'user',
        displayName: 'the local owner',
        createdBy: caller.actor,
        createdAt: now.getTime(),
      });
      await auditIdentityChange(
        repositories,
        caller,
        { scope: '/', action: 'create', kind: 'user', name: owner, summary: `created the local owner '${owner}'` },
        now,
      );
    }
    const owners = await identity.listAssignments({ scope: '/', roleId: ownerRole.id });
    if (owners.length > 0) return;
    const id = randomUUID();
    await identity.insertAssignment({
      id,
      roleId: ownerRole.id,
      principal: owner,
      scope: '/',
      createdBy: caller.actor,
      createdAt: now.getTime(),
    });
    await auditIdentityChange(
      repositories,
      caller,
      { scope: '/', action: 'create', kind: 'roleAssignment', name: id, summary: `assigned 'Owner' to '${owner}' at '/' (first start)` },
      now,
    );
  });
}

/**
 * A fresh token for the local owner, for the CLI on this machine (written to a file only its user
 * can read); the one from the previous start is revoked. It lives 30 days or until the next start.
 */
export async function issueOwnerToken(context: Context, owner: string): Promise<string> {
  const now = context.clock().getTime();
  return context.store.transaction(async (repositories) => {
    for (const token of await repositories.identity.listTokens(owner, ['pat']))
      if (token.name === ownerTokenName && token.revokedAt === null) await repositories.identity.revokeToken(token.id, now);
    const issued = await issueToken(repositories.identity, {
      principal: owner,
      name: ownerTokenName,
      kind: 'pat',
      expiresInSeconds: 30 * 86400,
      createdBy: `user:${owner}`,
      now,
    });
    return issued.token;
  });
}
