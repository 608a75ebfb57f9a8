import type { VerifiedIdentity } from '../../auth/oidc/oidc-verifier.js';
import type { Principal } from '../../core/identity/principal.js';
import { TrellisError } from '../../core/errors.js';
import type { Context } from '../context.js';
import { tokenRecordOf } from './token-service.js';

/**
 * The principal a Trellis token stands for: a personal access token or service principal's token
 * (`bearer`), or the studio's session (`session`); a job's or deployment's token carries the
 * workspace it is bound to. A token used the other way round is refused.
 */
export async function principalOfToken(context: Context, token: string, how: 'bearer' | 'session'): Promise<Principal> {
  const identity = context.store.repositories.identity;
  const now = context.clock().getTime();
  const record = await tokenRecordOf(identity, token, now);
  if ((how === 'session') !== (record.kind === 'session'))
    throw new TrellisError(
      'InvalidToken',
      401,
      how === 'session'
        ? 'the session cookie does not hold a session; sign in again'
        : 'a session token works only as the studio cookie; use a personal access token',
    );
  const stored = await identity.getPrincipal(record.principal);
  if (!stored || stored.kind === 'group')
    throw new TrellisError('InvalidToken', 401, `the token's principal '${record.principal}' no longer exists`);
  // Recorded at most once a minute per token: a busy client must not turn every read into a write.
  if (record.lastUsedAt === null || now - record.lastUsedAt > 60_000) await identity.touchToken(record.id, now);
  return {
    kind: stored.kind,
    name: stored.name,
    groups: record.groups,
    via: record.kind === 'job' ? 'job' : record.kind === 'deployment' ? 'deployment' : record.kind === 'session' ? 'session' : 'token',
    ...(record.workspace !== null && record.identity !== null
      ? { boundTo: { workspace: record.workspace, identity: record.identity } }
      : {}),
  };
}

/** The user an OpenID Connect token names, with the groups its claim lists; a name held by a service principal or group is refused. */
export async function principalOfOidc(context: Context, verified: VerifiedIdentity): Promise<Principal> {
  const stored = await context.store.repositories.identity.getPrincipal(verified.user);
  if (stored && stored.kind !== 'user')
    throw new TrellisError(
      'InvalidToken',
      401,
      `the token's user '${verified.user}' names a ${stored.kind} here, not a user; ask an owner to rename one of them`,
    );
  return { kind: 'user', name: verified.user, groups: verified.groups, via: 'oidc' };
}
