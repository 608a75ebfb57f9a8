import type { Kysely, Selectable } from 'kysely';
import type { Budget } from '../core/cost/budget.js';
import type { CostTables, Database } from './database.js';

type BudgetRow = Selectable<CostTables['budgets']>;
type AlertRow = Selectable<CostTables['budget_alerts']>;

/** A budget as kept: its parsed spec and the audit fields. */
export interface StoredBudget {
  workspace: string;
  name: string;
  spec: Budget;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  etag: string;
}

/** One threshold a budget reached in a month, and whether it was delivered. */
export interface BudgetAlertRecord {
  workspace: string;
  budget: string;
  /** YYYY-MM in the budget's time zone. */
  month: string;
  kind: 'actual' | 'forecast';
  threshold: number;
  at: number;
  /** What was spent (actual) or forecast (forecast) when it was reached. */
  spent: number;
  sentAt: number | null;
  error: string | null;
}

/** Workspace budgets, and the ledger of their alerts: each threshold claimed once a month. */
export class BudgetRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(budget: StoredBudget): Promise<void> {
    await this.db
      .insertInto('budgets')
      .values({
        workspace: budget.workspace,
        name: budget.name,
        spec: JSON.stringify(budget.spec),
        created_by: budget.createdBy,
        created_at: budget.createdAt,
        updated_at: budget.updatedAt,
        etag: budget.etag,
      })
      .execute();
  }

  async get(workspace: string, name: string): Promise<StoredBudget | undefined> {
    const row = await this.db
      .selectFrom('budgets')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** A workspace's budgets by name; every workspace's when none is named. */
  async list(workspace?: string): Promise<StoredBudget[]> {
    let select = this.db.selectFrom('budgets').selectAll();
    if (workspace !== undefined) select = select.where('workspace', '=', workspace);
    return (await select.orderBy('workspace').orderBy('name').execute()).map(fromRow);
  }

  /** Replaces the spec when the etag is still `expectedEtag` (if given); false when it is not (or the budget is gone). */
  async update(
    workspace: string,
    name: string,
    changes: { spec: Budget; updatedAt: number; etag: string },
    expectedEtag?: string,
  ): Promise<boolean> {
    let query = this.db
      .updateTable('budgets')
      .set({ spec: JSON.stringify(changes.spec), updated_at: changes.updatedAt, etag: changes.etag })
      .where('workspace', '=', workspace)
      .where('name', '=', name);
    if (expectedEtag !== undefined) query = query.where('etag', '=', expectedEtag);
    return Number((await query.executeTakeFirst()).numUpdatedRows) > 0;
  }

  /** Deletes the budget and its alert ledger. */
  async delete(workspace: string, name: string): Promise<void> {
    await this.db.deleteFrom('budget_alerts').where('workspace', '=', workspace).where('budget', '=', name).execute();
    await this.db.deleteFrom('budgets').where('workspace', '=', workspace).where('name', '=', name).execute();
  }

  /** The thresholds of a budget recorded in a month (delivered or not), lowest first. */
  async alerts(workspace: string, budget: string, month: string): Promise<BudgetAlertRecord[]> {
    const rows = await this.db
      .selectFrom('budget_alerts')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('budget', '=', budget)
      .where('month', '=', month)
      .orderBy('kind')
      .orderBy('threshold')
      .execute();
    return rows.map(fromAlertRow);
  }

  /** Records a threshold reached; false when it was recorded already (this month, by this server or another). */
  async claimAlert(alert: Omit<BudgetAlertRecord, 'sentAt' | 'error'>): Promise<boolean> {
    const result = await this.db
      .insertInto('budget_alerts')
      .values({
        workspace: alert.workspace,
        budget: alert.budget,
        month: alert.month,
        kind: alert.kind,
        threshold: alert.threshold,
        at: alert.at,
        spent: alert.spent,
        sent_at: null,
        error: null,
      })
      .onConflict((conflict) => conflict.columns(['workspace', 'budget', 'month', 'kind', 'threshold']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Marks a recorded threshold delivered (`sentAt`), or why it could not be (`error`, tried again later). */
  async markAlert(
    key: Pick<BudgetAlertRecord, 'workspace' | 'budget' | 'month' | 'kind' | 'threshold'>,
    outcome: { sentAt: number } | { error: string },
  ): Promise<void> {
    await this.db
      .updateTable('budget_alerts')
      .set('sentAt' in outcome ? { sent_at: outcome.sentAt, error: null } : { error: outcome.error })
      .where('workspace', '=', key.workspace)
      .where('budget', '=', key.budget)
      .where('month', '=', key.month)
      .where('kind', '=', key.kind)
      .where('threshold', '=', key.threshold)
      .execute();
  }
}

function fromRow(row: BudgetRow): StoredBudget {
  return {
    workspace: row.workspace,
    name: row.name,
    spec: JSON.parse(row.spec) as Budget,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    etag: row.etag,
  };
}

function fromAlertRow(row: AlertRow): BudgetAlertRecord {
  return {
    workspace: row.workspace,
    budget: row.budget,
    month: row.month,
    kind: row.kind as BudgetAlertRecord['kind'],
    threshold: Number(row.threshold),
    at: Number(row.at),
    spent: Number(row.spent),
    sentAt: row.sent_at === null ? null : Number(row.sent_at),
    error: row.error,
  };
}
