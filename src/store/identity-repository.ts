import type { Kysely } from 'kysely';
import type { PrincipalKind } from '../core/identity/principal.js';
import type { TokenKind } from '../core/identity/token-format.js';
import type { Database } from './database.js';
import type { IdentityCache } from './identity-cache.js';
import type { StoredPrincipal, StoredToken } from './identity-records.js';

export type { StoredPrincipal, StoredToken } from './identity-records.js';

export interface StoredRoleDefinition {
  id: string;
  name: string;
  /** JSON of the role definition (permissions, assignable scopes, description). */
  definition: string;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

export interface StoredAssignment {
  id: string;
  roleId: string;
  principal: string;
  scope: string;
  createdBy: string;
  createdAt: number;
}

/** Principals, group membership, tokens, custom roles and role assignments. */
export class IdentityRepository {
  /** Whether this repository (a transaction's) revoked or deleted something: the store tells the cache again after commit. */
  changedIdentity = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly cache?: IdentityCache,
  ) {}

  async getPrincipal(name: string): Promise<StoredPrincipal | undefined> {
    const remembered = this.cache?.principal(name);
    if (remembered) return remembered;
    const generation = this.cache?.current() ?? 0;
    const row = await this.db.selectFrom('principals').selectAll().where('name', '=', name).executeTakeFirst();
    const principal = row && principalFromRow(row);
    if (principal) this.cache?.rememberPrincipal(principal, generation);
    return principal;
  }

  /** A revocation or deletion: nothing remembered from before it may be served after it. */
  private changed(): void {
    this.changedIdentity = true;
    this.cache?.changed();
  }

  async listPrincipals(kind?: PrincipalKind): Promise<StoredPrincipal[]> {
    let select = this.db.selectFrom('principals').selectAll().orderBy('name');
    if (kind) select = select.where('kind', '=', kind);
    return (await select.execute()).map(principalFromRow);
  }

  async insertPrincipal(principal: StoredPrincipal): Promise<void> {
    await this.db
      .insertInto('principals')
      .values({
        name: principal.name,
        kind: principal.kind,
        display_name: principal.displayName,
        created_by: principal.createdBy,
        created_at: principal.createdAt,
      })
      .execute();
  }

  async deletePrincipal(name: string): Promise<boolean> {
    this.changed();
    const result = await this.db.deleteFrom('principals').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async addMember(group: string, member: string): Promise<void> {
    await this.db
      .insertInto('group_members')
      .values({ group_name: group, member })
      .onConflict((conflict) => conflict.columns(['group_name', 'member']).doNothing())
      .execute();
  }

  async removeMember(group: string, member: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('group_members')
      .where('group_name', '=', group)
      .where('member', '=', member)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async membersOf(group: string): Promise<string[]> {
    const rows = await this.db.selectFrom('group_members').select('member').where('group_name', '=', group).orderBy('member').execute();
    return rows.map((row) => row.member);
  }

  async groupsOf(member: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('group_members')
      .select('group_name')
      .where('member', '=', member)
      .orderBy('group_name')
      .execute();
    return rows.map((row) => row.group_name);
  }

  async insertToken(token: StoredToken, hash: string): Promise<void> {
    await this.db
      .insertInto('tokens')
      .values({
        id: token.id,
        principal: token.principal,
        name: token.name,
        kind: token.kind,
        hash,
        workspace: token.workspace,
        identity: token.identity,
        groups: token.groups.length > 0 ? JSON.stringify(token.groups) : null,
        created_by: token.createdBy,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        revoked_at: token.revokedAt,
        last_used_at: token.lastUsedAt,
      })
      .execute();
  }

  async tokenByHash(hash: string): Promise<StoredToken | undefined> {
    const remembered = this.cache?.token(hash);
    if (remembered) return remembered;
    const generation = this.cache?.current() ?? 0;
    const row = await this.db.selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
    const record = row && tokenFromRow(row);
    if (record) this.cache?.rememberToken(hash, record, generation);
    return record;
  }

  async getToken(id: string): Promise<StoredToken | undefined> {
    const row = await this.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && tokenFromRow(row);
  }

  async listTokens(principal: string, kinds: TokenKind[]): Promise<StoredToken[]> {
    const rows = await this.db
      .selectFrom('tokens')
      .selectAll()
      .where('principal', '=', principal)
      .where('kind', 'in', kinds)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(tokenFromRow);
  }

  /** The tokens of jobs and deployments that are neither revoked nor expired at `now`, oldest first. */
  async listLiveWorkloadTokens(now: number): Promise<StoredToken[]> {
    const rows = await this.db
      .selectFrom('tokens')
      .selectAll()
      .where('kind', 'in', ['job', 'deployment'])
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(tokenFromRow);
  }

  async revokeToken(id: string, at: number): Promise<boolean> {
    this.changed();
    const result = await this.db
      .updateTable('tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Revokes every live token of an identity (a job's when it ends). */
  async revokeIdentityTokens(identity: string, workspace: string, at: number): Promise<number> {
    this.changed();
    const result = await this.db
      .updateTable('tokens')
      .set({ revoked_at: at })
      .where('identity', '=', identity)
      .where('workspace', '=', workspace)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async touchToken(id: string, at: number): Promise<void> {
    this.cache?.touched(id, at);
    await this.db.updateTable('tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  async listRoleDefinitions(): Promise<StoredRoleDefinition[]> {
    return (await this.db.selectFrom('role_definitions').selectAll().orderBy('name').execute()).map(roleFromRow);
  }

  async insertRoleDefinition(role: StoredRoleDefinition): Promise<void> {
    await this.db
      .insertInto('role_definitions')
      .values({
        id: role.id,
        name: role.name,
        definition: role.definition,
        created_by: role.createdBy,
        created_at: role.createdAt,
        updated_at: role.updatedAt,
      })
      .execute();
  }

  async updateRoleDefinition(id: string, definition: string, at: number): Promise<void> {
    await this.db.updateTable('role_definitions').set({ definition, updated_at: at }).where('id', '=', id).execute();
  }

  async deleteRoleDefinition(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('role_definitions').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listAssignments(filter: { principals?: string[]; scope?: string; roleId?: string } = {}): Promise<StoredAssignment[]> {
    let select = this.db.selectFrom('role_assignments').selectAll().orderBy('created_at').orderBy('id');
    if (filter.principals) {
      if (filter.principals.length === 0) return [];
      select = select.where('principal', 'in', filter.principals);
    }
    if (filter.scope) select = select.where('scope', '=', filter.scope);
    if (filter.roleId) select = select.where('role_id', '=', filter.roleId);
    return (await select.execute()).map(assignmentFromRow);
  }

  async getAssignment(id: string): Promise<StoredAssignment | undefined> {
    const row = await this.db.selectFrom('role_assignments').selectAll().where('id', '=', id).executeTakeFirst();
    return row && assignmentFromRow(row);
  }

  async insertAssignment(assignment: StoredAssignment): Promise<void> {
    await this.db
      .insertInto('role_assignments')
      .values({
        id: assignment.id,
        role_id: assignment.roleId,
        principal: assignment.principal,
        scope: assignment.scope,
        created_by: assignment.createdBy,
        created_at: assignment.createdAt,
      })
      .execute();
  }

  async deleteAssignment(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('role_assignments').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** A deleted workspace's assignments go with it, so a new workspace of the same name starts with none. */
  async deleteAssignmentsAt(scope: string): Promise<number> {
    const result = await this.db.deleteFrom('role_assignments').where('scope', '=', scope).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

type Row<T extends keyof Database> = Database[T];

function principalFromRow(row: Row<'principals'>): StoredPrincipal {
  return {
    name: row.name,
    kind: row.kind as PrincipalKind,
    displayName: row.display_name,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}

function tokenFromRow(row: Row<'tokens'>): StoredToken {
  return {
    id: row.id,
    principal: row.principal,
    name: row.name,
    kind: row.kind as TokenKind,
    workspace: row.workspace,
    identity: row.identity,
    groups: row.groups ? (JSON.parse(row.groups) as string[]) : [],
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

function roleFromRow(row: Row<'role_definitions'>): StoredRoleDefinition {
  return {
    id: row.id,
    name: row.name,
    definition: row.definition,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function assignmentFromRow(row: Row<'role_assignments'>): StoredAssignment {
  return {
    id: row.id,
    roleId: row.role_id,
    principal: row.principal,
    scope: row.scope,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}
