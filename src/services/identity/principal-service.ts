import { TrellisError } from '../../core/errors.js';
import type { PrincipalKind } from '../../core/identity/principal.js';
import type { StoredPrincipal } from '../../store/identity-repository.js';
import type { Caller, Context } from '../context.js';
import { auditIdentityChange } from './identity-audit.js';

/** Users, groups and service principals: names unique across the three, as assignments name them. */
export async function createPrincipal(
  context: Context,
  caller: Caller,
  input: { name: string; kind: PrincipalKind; displayName?: string | undefined },
): Promise<StoredPrincipal> {
  const problem = checkPrincipalName(input.name);
  if (problem) throw new TrellisError('InvalidName', 400, problem);
  const now = context.clock();
  return context.store.transaction(async (repositories) => {
    const existing = await repositories.identity.getPrincipal(input.name);
    if (existing)
      throw new TrellisError('PrincipalAlreadyExists', 409, `'${input.name}' already exists (a ${existing.kind}); pick another name`);
    const principal: StoredPrincipal = {
      name: input.name,
      kind: input.kind,
      displayName: input.displayName ?? null,
      createdBy: caller.actor,
      createdAt: now.getTime(),
    };
    await repositories.identity.insertPrincipal(principal);
    await auditIdentityChange(
      repositories,
      caller,
      { scope: '/', action: 'create', kind: input.kind, name: input.name, summary: `created ${input.kind} '${input.name}'` },
      now,
    );
    return principal;
  });
}

export async function deletePrincipal(context: Context, caller: Caller, name: string, localOwner: string): Promise<StoredPrincipal> {
  if (name === localOwner)
    throw new TrellisError(
      'PrincipalProtected',
      409,
      `'${name}' is the local owner this server runs as; it cannot be deleted while the server runs as it`,
    );
  const now = context.clock();
  return context.store.transaction(async (repositories) => {
    const existing = await requirePrincipal(repositories.identity, name);
    await repositories.identity.deletePrincipal(name);
    await auditIdentityChange(
      repositories,
      caller,
      {
        scope: '/',
        action: 'delete',
        kind: existing.kind,
        name,
        summary: `deleted ${existing.kind} '${name}', its tokens and role assignments`,
      },
      now,
    );
    return existing;
  });
}

export async function changeMembership(
  context: Context,
  caller: Caller,
  group: string,
  member: string,
  change: 'add' | 'remove',
): Promise<void> {
  const now = context.clock();
  await context.store.transaction(async (repositories) => {
    const found = await requirePrincipal(repositories.identity, group);
    if (found.kind !== 'group')
      throw new TrellisError('NotAGroup', 400, `'${group}' is a ${found.kind}, not a group; members belong to groups`);
    const memberFound = await requirePrincipal(repositories.identity, member);
    if (memberFound.kind === 'group')
      throw new TrellisError('NestedGroup', 400, `'${member}' is a group; groups hold users and service principals, not other groups`);
    if (change === 'add') await repositories.identity.addMember(group, member);
    else if (!(await repositories.identity.removeMember(group, member)))
      throw new TrellisError('MemberNotFound', 404, `'${member}' is not a member of group '${group}'`);
    await auditIdentityChange(
      repositories,
      caller,
      { scope: '/', action: 'update', kind: 'group', name: group, summary: `${change === 'add' ? 'added' : 'removed'} '${member}'` },
      now,
    );
  });
}

export async function requirePrincipal(identity: Context['store']['repositories']['identity'], name: string): Promise<StoredPrincipal> {
  const found = await identity.getPrincipal(name);
  if (!found)
    throw new TrellisError(
      'PrincipalNotFound',
      404,
      `no user, group or service principal is named '${name}'; list them with: trellis principal list, or create one with: trellis principal create --type user --name ${name}`,
    );
  return found;
}

/** Principal names: like resource names, plus '@' and '.' so an e-mail address or an OpenID subject can be one. */
export function checkPrincipalName(name: string): string | undefined {
  if (/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,254}$/.test(name)) return undefined;
  return `'${name}' is not a valid principal name: use 1-255 letters, digits, '_', '-', '.', '@', starting with a letter or digit`;
}
