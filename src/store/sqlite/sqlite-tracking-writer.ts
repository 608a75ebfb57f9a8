import type SqliteDatabase from 'better-sqlite3';
import type { KeyValue } from '../../core/tracking/entities.js';
import type { MetricRow, TrackingWriter } from '../tracking-writer.js';

/** The writer's statements, prepared once per connection (after the migrations made the tables). */
export interface Statements {
  insertMetric: SqliteDatabase.Statement;
  raiseLatest: SqliteDatabase.Statement;
  insertParam: SqliteDatabase.Statement;
  upsertTag: SqliteDatabase.Statement;
}

/**
 * Runs `work` on the connection inside a transaction: the caller's own, or one opened for it.
 * Statements run synchronously, so nothing else can slip between them.
 */
export type OnConnection = (work: (statements: Statements) => void) => Promise<void>;

/** Prepares the writer's statements on first use and keeps them: they are the same for every call. */
export function sqliteStatements(connection: SqliteDatabase.Database): () => Statements {
  let statements: Statements | undefined;
  return () => {
    statements ??= {
      insertMetric: connection.prepare(
        'insert into metrics (run_uuid, key, step, timestamp, value, is_nan) values (?, ?, ?, ?, ?, ?) on conflict do nothing',
      ),
      raiseLatest: connection.prepare(
        `insert into latest_metrics (run_uuid, key, step, timestamp, value, is_nan) values (?, ?, ?, ?, ?, ?)
         on conflict (run_uuid, key) do update set step = excluded.step, timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan
         where (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`,
      ),
      insertParam: connection.prepare('insert into params (run_uuid, key, value) values (?, ?, ?) on conflict do nothing'),
      upsertTag: connection.prepare(
        'insert into run_tags (run_uuid, key, value) values (?, ?, ?) on conflict (run_uuid, key) do update set value = excluded.value',
      ),
    };
    return statements;
  };
}

/**
 * log-batch's writes on SQLite: one prepared statement run per row, which costs SQLite less than
 * parsing and planning a 500-row INSERT, and costs JavaScript no query building at all.
 */
export class SqliteTrackingWriter implements TrackingWriter {
  constructor(private readonly onConnection: OnConnection) {}

  insertMetrics(runId: string, rows: MetricRow[]): Promise<void> {
    return this.onConnection(({ insertMetric }) => {
      for (const row of rows) insertMetric.run(runId, row.key, row.step, row.timestamp, row.value, row.is_nan);
    });
  }

  raiseLatestMetrics(runId: string, rows: MetricRow[]): Promise<void> {
    return this.onConnection(({ raiseLatest }) => {
      for (const row of rows) raiseLatest.run(runId, row.key, row.step, row.timestamp, row.value, row.is_nan);
    });
  }

  insertParams(runId: string, params: KeyValue[]): Promise<void> {
    return this.onConnection(({ insertParam }) => {
      for (const param of params) insertParam.run(runId, param.key, param.value);
    });
  }

  upsertTags(runId: string, tags: KeyValue[]): Promise<void> {
    return this.onConnection(({ upsertTag }) => {
      for (const tag of tags) upsertTag.run(runId, tag.key, tag.value);
    });
  }
}
