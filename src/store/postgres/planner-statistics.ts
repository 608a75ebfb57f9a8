import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';
import { isStale, neverAnalysed, type TableActivity } from './statistics-policy.js';

/** The tables runs/search and the tracking reads plan over. */
export const trackingTables = ['runs', 'params', 'latest_metrics', 'run_tags', 'metrics'];

/**
 * Keeps PostgreSQL's planner statistics of the tracking tables fresh where Trellis itself changes
 * them fast (issue 22), instead of waiting for autovacuum (a minute between looks at best):
 * - `ensureAnalysed()`, before a search: a table with rows that was never analysed (a new database
 *   right after a bulk load) is analysed first, once, so no search plans as if every table held
 *   one row; after every table has been seen analysed, it costs nothing.
 * - every `intervalMs`, tables whose changes since their last ANALYZE pass the staleness policy
 *   are analysed (ANALYZE samples at most 30,000 rows a table: tens of milliseconds).
 * Several servers on one database may each do it; ANALYZE beside ANALYZE is harmless.
 */
export class PlannerStatistics {
  private allSeenAnalysed = false;
  private running: Promise<string[]> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly tables: string[] = trackingTables,
  ) {}

  /** Starts the periodic look; the timer never keeps the process alive. */
  start(intervalMs = 2000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.analyseStale().catch(() => {
        // The database is away for a moment (a restart, a failover): the next look tries again.
      });
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Analyses the tables that hold rows the planner has never seen; cheap once all were seen
   * analysed. Never fails the search that asks: statistics only make it faster.
   */
  async ensureAnalysed(): Promise<void> {
    if (this.allSeenAnalysed) return;
    try {
      const activity = await this.activity();
      const missing = activity.filter(neverAnalysed).map((row) => row.table);
      if (missing.length > 0) await this.analyse(missing);
      if (activity.every((row) => row.plannedRows >= 0 || missing.includes(row.table))) this.allSeenAnalysed = true;
    } catch {
      // Not allowed to analyse here (another owner's tables), or the database is away: the search
      // runs on what the planner has, and this is not tried again.
      this.allSeenAnalysed = true;
    }
  }

  /** Analyses every tracking table (after migrations). */
  async analyseAll(): Promise<void> {
    await this.analyse(this.tables);
  }

  /** Analyses every stale table; returns their names. One look at a time. */
  async analyseStale(): Promise<string[]> {
    if (this.running) return this.running;
    this.running = (async () => {
      const stale = (await this.activity()).filter((row) => isStale(row)).map((row) => row.table);
      if (stale.length > 0) await this.analyse(stale);
      return stale;
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async analyse(tables: string[]): Promise<void> {
    // Names from the fixed list above, never from a request.
    await sql`ANALYZE ${sql.join(tables.map((table) => sql.table(table)))}`.execute(this.db);
  }

  private async activity(): Promise<TableActivity[]> {
    const { rows } = await sql<{ table: string; planned_rows: number | string; changed: number | string | null; pages: number | string }>`
      SELECT c.relname AS table, c.reltuples AS planned_rows, s.n_mod_since_analyze AS changed,
             pg_relation_size(c.oid) / current_setting('block_size')::int AS pages
      FROM pg_class c
      LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(${this.tables})`.execute(this.db);
    return rows.map((row) => ({
      table: row.table,
      plannedRows: Number(row.planned_rows),
      changedSinceAnalyze: Number(row.changed ?? 0),
      hasRows: Number(row.pages) > 0,
    }));
  }
}
