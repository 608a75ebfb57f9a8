import { randomBytes } from 'node:crypto';
import { newToken, type TokenKind, tokenHash, tokenKindOf } from '../../core/identity/token-format.js';
import { TrellisError } from '../../core/errors.js';
import type { IdentityRepository, StoredToken } from '../../store/identity-repository.js';
import type { Repositories } from '../../store/store.js';
import type { Caller, Context } from '../context.js';
import { auditIdentityChange } from './identity-audit.js';

export interface IssuedToken {
  /** The token itself: shown once, never stored. */
  token: string;
  record: StoredToken;
}

export interface TokenRequest {
  principal: string;
  name: string;
  kind: TokenKind;
  /** Seconds until it expires; undefined: never (personal access tokens must say). */
  expiresInSeconds: number | undefined;
  workspace?: string | undefined;
  identity?: string | undefined;
  /** Groups to keep with the token (a session opened with an OpenID Connect token). */
  groups?: string[] | undefined;
  createdBy: string;
  now: number;
}

/** Makes a token, storing only its hash. */
export async function issueToken(identity: IdentityRepository, request: TokenRequest): Promise<IssuedToken> {
  const token = newToken(request.kind);
  const record: StoredToken = {
    id: `tok_${randomBytes(8).toString('hex')}`,
    principal: request.principal,
    name: request.name,
    kind: request.kind,
    workspace: request.workspace ?? null,
    identity: request.identity ?? null,
    groups: request.groups ?? [],
    createdBy: request.createdBy,
    createdAt: request.now,
    expiresAt: request.expiresInSeconds === undefined ? null : request.now + request.expiresInSeconds * 1000,
    revokedAt: null,
    lastUsedAt: null,
  };
  await identity.insertToken(record, tokenHash(token));
  return { token, record };
}

/**
 * The live record of a presented token, or a 401 saying what is wrong with it (never echoing it):
 * malformed, unknown, revoked or expired.
 */
export async function tokenRecordOf(identity: IdentityRepository, token: string, now: number): Promise<StoredToken> {
  if (!tokenKindOf(token))
    throw new TrellisError(
      'InvalidToken',
      401,
      'the token is malformed (a Trellis token starts with trls_ and has a checksum); copy it again, or create one with: trellis token create --name <name>',
    );
  const record = await identity.tokenByHash(tokenHash(token));
  if (!record)
    throw new TrellisError(
      'InvalidToken',
      401,
      'the token is not known here (it may belong to another server, or was deleted); create one with: trellis token create --name <name>',
    );
  if (record.revokedAt !== null)
    throw new TrellisError(
      'InvalidToken',
      401,
      `token '${record.name}' (${record.id}) was revoked; create a new one with: trellis token create --name <name>`,
    );
  if (record.expiresAt !== null && record.expiresAt <= now)
    throw new TrellisError(
      'InvalidToken',
      401,
      `token '${record.name}' (${record.id}) expired at ${new Date(record.expiresAt).toISOString()}; create a new one with: trellis token create --name <name> --expires-in 30d`,
    );
  return record;
}

/** `30d`, `12h`, `90m`, `3600s` or a number of seconds → seconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*([smhdw]?)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[match[2] as '' | 's' | 'm' | 'h' | 'd' | 'w'];
  const seconds = Number(match[1]) * unit;
  return seconds > 0 ? seconds : undefined;
}

/** The longest a personal access token may live: a year, as GitHub allows. */
export const maxTokenSeconds = 365 * 86400;

/** A personal access token for a principal: audited, only its hash stored, the token in the answer only. */
export async function createPersonalToken(
  context: Context,
  caller: Caller,
  input: { principal: string; name: string; expiresIn: string },
): Promise<IssuedToken> {
  const seconds = parseDuration(input.expiresIn);
  if (seconds === undefined || seconds > maxTokenSeconds)
    throw new TrellisError(
      'InvalidExpiry',
      400,
      `expiresIn '${input.expiresIn}' is not a duration of at most 365d; use e.g. 30d, 12h or 90m`,
    );
  const now = context.clock();
  return context.store.transaction((repositories) =>
    issueAuditedToken(repositories, caller, { principal: input.principal, name: input.name, expiresInSeconds: seconds }, now),
  );
}

/** Issues a personal access token inside the caller's transaction and audits it: only its hash is stored. */
export async function issueAuditedToken(
  repositories: Repositories,
  caller: Caller,
  input: { principal: string; name: string; expiresInSeconds: number },
  now: Date,
): Promise<IssuedToken> {
  const issued = await issueToken(repositories.identity, {
    principal: input.principal,
    name: input.name,
    kind: 'pat',
    expiresInSeconds: input.expiresInSeconds,
    createdBy: caller.actor,
    now: now.getTime(),
  });
  await auditIdentityChange(
    repositories,
    caller,
    {
      scope: '/',
      action: 'create',
      kind: 'token',
      name: issued.record.id,
      summary: `created token '${input.name}' for '${input.principal}', expiring ${new Date(issued.record.expiresAt ?? 0).toISOString()}`,
    },
    now,
  );
  return issued;
}

export async function revokeTokenById(context: Context, caller: Caller, record: StoredToken): Promise<StoredToken> {
  const now = context.clock();
  return context.store.transaction(async (repositories) => {
    if (!(await repositories.identity.revokeToken(record.id, now.getTime())))
      throw new TrellisError('TokenAlreadyRevoked', 409, `token '${record.name}' (${record.id}) was already revoked`);
    await auditIdentityChange(
      repositories,
      caller,
      { scope: '/', action: 'delete', kind: 'token', name: record.id, summary: `revoked token '${record.name}' of '${record.principal}'` },
      now,
    );
    return { ...record, revokedAt: now.getTime() };
  });
}
