import type { Kysely, Selectable } from 'kysely';
import type { MonitorRun, MonitorRunState, SignalResult } from '../core/monitoring/monitor-run.js';
import type { Database, MonitorTables } from './database.js';

type RunRow = Selectable<MonitorTables['monitor_runs']>;

/** A data file's summary as kept: its rows, the times of its first and last row, and the per-feature summaries as JSON. */
export interface StoredFileSummary {
  rows: number;
  firstAt: number | null;
  lastAt: number | null;
  summary: string;
}

/** Monitor runs, and the per-file summaries they are computed from. */
export class MonitorRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records a run; a run of that name already recorded (a firing retried after a crash) is left as it is. Returns whether it was new. */
  async insertRun(run: MonitorRun): Promise<boolean> {
    const result = await this.db
      .insertInto('monitor_runs')
      .values({
        workspace: run.workspace,
        name: run.name,
        schedule: run.schedule,
        slot_at: run.slotAt,
        started_at: run.startedAt,
        ended_at: run.endedAt,
        state: run.state,
        reason: run.reason,
        breaches: run.breaches,
        signals: JSON.stringify(run.signals),
        alert_error: run.alertError,
      })
      .onConflict((conflict) => conflict.columns(['workspace', 'name']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async getRun(workspace: string, name: string): Promise<MonitorRun | undefined> {
    const row = await this.db
      .selectFrom('monitor_runs')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** A monitor's runs, newest first. */
  async runs(workspace: string, schedule: string, limit: number): Promise<MonitorRun[]> {
    const rows = await this.db
      .selectFrom('monitor_runs')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('schedule', '=', schedule)
      .orderBy('slot_at', 'desc')
      .orderBy('name', 'desc')
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  /** The latest run of every monitor in every workspace (the gauges at start). */
  async latestRuns(): Promise<MonitorRun[]> {
    const rows = await this.db.selectFrom('monitor_runs').selectAll().orderBy('slot_at', 'desc').orderBy('name', 'desc').execute();
    const seen = new Set<string>();
    return rows.map(fromRow).filter((run) => {
      const key = `${run.workspace}/${run.schedule}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  async getFileSummary(workspace: string, fileKey: string): Promise<StoredFileSummary | undefined> {
    const row = await this.db
      .selectFrom('monitor_file_summaries')
      .select(['rows', 'first_at', 'last_at', 'summary'])
      .where('workspace', '=', workspace)
      .where('file_key', '=', fileKey)
      .executeTakeFirst();
    return (
      row && { rows: Number(row.rows), firstAt: nullableNumber(row.first_at), lastAt: nullableNumber(row.last_at), summary: row.summary }
    );
  }

  /** Keeps a file's summary; the same file summarised twice (two runs at once) keeps the first. */
  async putFileSummary(workspace: string, fileKey: string, stored: StoredFileSummary, now: number): Promise<void> {
    await this.db
      .insertInto('monitor_file_summaries')
      .values({
        workspace,
        file_key: fileKey,
        rows: stored.rows,
        first_at: stored.firstAt,
        last_at: stored.lastAt,
        summary: stored.summary,
        created_at: now,
      })
      .onConflict((conflict) => conflict.columns(['workspace', 'file_key']).doNothing())
      .execute();
  }
}

function nullableNumber(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

function fromRow(row: RunRow): MonitorRun {
  return {
    workspace: row.workspace,
    name: row.name,
    schedule: row.schedule,
    slotAt: Number(row.slot_at),
    startedAt: Number(row.started_at),
    endedAt: Number(row.ended_at),
    state: row.state as MonitorRunState,
    reason: row.reason,
    breaches: Number(row.breaches),
    signals: JSON.parse(row.signals) as SignalResult[],
    alertError: row.alert_error,
  };
}
