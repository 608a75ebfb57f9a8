import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import { enforcementModes, exemptionCategories, type PolicyAssignment, type PolicyExemption } from '../core/policy/policy-assignment.js';
import type { Database, PolicyTables } from './database.js';

/** A definition written here: its name and the definition's JSON (Azure's `properties`) as stored. */
export interface StoredDefinition {
  name: string;
  definition: unknown;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

const parameterValues = z.record(z.string(), z.unknown());

/** Policy definitions, assignments and exemptions. */
export class PolicyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async definitions(): Promise<StoredDefinition[]> {
    const rows = await this.db.selectFrom('policy_definitions').selectAll().orderBy('name').execute();
    return rows.map((row) => ({
      name: row.name,
      definition: JSON.parse(row.definition),
      createdBy: row.created_by,
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    }));
  }

  /** Inserts or replaces a definition; returns whether it was new. */
  async putDefinition(name: string, definition: unknown, actor: string, at: number): Promise<boolean> {
    const existing = await this.db.selectFrom('policy_definitions').select('name').where('name', '=', name).executeTakeFirst();
    if (existing) {
      await this.db
        .updateTable('policy_definitions')
        .set({ definition: JSON.stringify(definition), updated_at: at })
        .where('name', '=', name)
        .execute();
      return false;
    }
    await this.db
      .insertInto('policy_definitions')
      .values({ name, definition: JSON.stringify(definition), created_by: actor, created_at: at, updated_at: at })
      .execute();
    return true;
  }

  async deleteDefinition(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('policy_definitions').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Every assignment, or those reaching one workspace (its own and the server's). */
  async assignments(workspace?: string): Promise<PolicyAssignment[]> {
    let query = this.db.selectFrom('policy_assignments').selectAll();
    if (workspace !== undefined)
      query = query.where((where) => where.or([where('workspace', 'is', null), where('workspace', '=', workspace)]));
    return (await query.orderBy('name').execute()).map(assignmentOf);
  }

  async getAssignment(name: string): Promise<PolicyAssignment | undefined> {
    const row = await this.db.selectFrom('policy_assignments').selectAll().where('name', '=', name).executeTakeFirst();
    return row && assignmentOf(row);
  }

  async insertAssignment(assignment: PolicyAssignment): Promise<void> {
    await this.db
      .insertInto('policy_assignments')
      .values({
        name: assignment.name,
        workspace: assignment.workspace ?? null,
        definition: assignment.definition,
        parameters: JSON.stringify(assignment.parameters),
        enforcement_mode: assignment.enforcementMode,
        description: assignment.description ?? null,
        created_by: assignment.createdBy,
        created_at: assignment.createdAt,
      })
      .execute();
  }

  async deleteAssignment(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('policy_assignments').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async countAssignmentsOf(definition: string): Promise<number> {
    const row = await this.db
      .selectFrom('policy_assignments')
      .select((select) => select.fn.countAll<number>().as('count'))
      .where('definition', '=', definition)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  /** Exemptions, all or of the given assignments. */
  async exemptions(assignments?: readonly string[]): Promise<PolicyExemption[]> {
    if (assignments !== undefined && assignments.length === 0) return [];
    let query = this.db.selectFrom('policy_exemptions').selectAll();
    if (assignments !== undefined) query = query.where('assignment', 'in', assignments);
    return (await query.orderBy('name').execute()).map(exemptionOf);
  }

  async getExemption(name: string): Promise<PolicyExemption | undefined> {
    const row = await this.db.selectFrom('policy_exemptions').selectAll().where('name', '=', name).executeTakeFirst();
    return row && exemptionOf(row);
  }

  async insertExemption(exemption: PolicyExemption): Promise<void> {
    await this.db
      .insertInto('policy_exemptions')
      .values({
        name: exemption.name,
        assignment: exemption.assignment,
        scope: exemption.scope,
        category: exemption.category,
        reason: exemption.reason,
        expires_at: exemption.expiresAt ?? null,
        created_by: exemption.createdBy,
        created_at: exemption.createdAt,
      })
      .execute();
  }

  async deleteExemption(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('policy_exemptions').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function assignmentOf(row: Selectable<PolicyTables['policy_assignments']>): PolicyAssignment {
  return {
    name: row.name,
    workspace: row.workspace ?? undefined,
    definition: row.definition,
    parameters: parameterValues.parse(JSON.parse(row.parameters)),
    enforcementMode: enforcementModes.find((mode) => mode === row.enforcement_mode) ?? 'Default',
    description: row.description ?? undefined,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}

function exemptionOf(row: Selectable<PolicyTables['policy_exemptions']>): PolicyExemption {
  return {
    name: row.name,
    assignment: row.assignment,
    scope: row.scope,
    category: exemptionCategories.find((category) => category === row.category) ?? 'Waiver',
    reason: row.reason,
    expiresAt: row.expires_at === null ? undefined : Number(row.expires_at),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}
