import { type Kysely, sql } from 'kysely';
import type { KeyValue } from '../../core/tracking/entities.js';
import type { Database } from '../database.js';
import type { MetricRow, TrackingWriter } from '../tracking-writer.js';

/**
 * log-batch's writes on PostgreSQL: each is one statement whatever the number of rows, the rows
 * bound as one array a column and unnested on the server. A batch is then a few round trips, the
 * statement text never changes (so the server plans the same small query, not a 3,000-parameter
 * one), and no call comes near the protocol's limit of 65,535 bound values.
 */
export class PostgresTrackingWriter implements TrackingWriter {
  constructor(private readonly db: Kysely<Database>) {}

  async insertMetrics(runId: string, rows: MetricRow[]): Promise<void> {
    if (rows.length === 0) return;
    const columns = metricColumns(rows);
    await sql`insert into metrics (run_uuid, key, step, timestamp, value, is_nan)
      select ${runId}, * from unnest(${columns.keys}::text[], ${columns.steps}::bigint[], ${columns.timestamps}::bigint[], ${columns.values}::float8[], ${columns.isNan}::int[])
      on conflict do nothing`.execute(this.db);
  }

  async raiseLatestMetrics(runId: string, rows: MetricRow[]): Promise<void> {
    if (rows.length === 0) return;
    const columns = metricColumns(rows);
    await sql`insert into latest_metrics (run_uuid, key, step, timestamp, value, is_nan)
      select ${runId}, * from unnest(${columns.keys}::text[], ${columns.steps}::bigint[], ${columns.timestamps}::bigint[], ${columns.values}::float8[], ${columns.isNan}::int[])
      on conflict (run_uuid, key) do update set step = excluded.step, timestamp = excluded.timestamp, value = excluded.value, is_nan = excluded.is_nan
      where (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`.execute(
      this.db,
    );
  }

  async insertParams(runId: string, params: KeyValue[]): Promise<void> {
    if (params.length === 0) return;
    await sql`insert into params (run_uuid, key, value)
      select ${runId}, * from unnest(${params.map((p) => p.key)}::text[], ${params.map((p) => p.value)}::text[])
      on conflict do nothing`.execute(this.db);
  }

  async upsertTags(runId: string, tags: KeyValue[]): Promise<void> {
    if (tags.length === 0) return;
    await sql`insert into run_tags (run_uuid, key, value)
      select ${runId}, * from unnest(${tags.map((t) => t.key)}::text[], ${tags.map((t) => t.value)}::text[])
      on conflict (run_uuid, key) do update set value = excluded.value`.execute(this.db);
  }
}

/** Metric rows as one array a column, the way the unnest statements bind them. */
export function metricColumns(rows: MetricRow[]) {
  const keys: string[] = [];
  const steps: number[] = [];
  const timestamps: number[] = [];
  const values: number[] = [];
  const isNan: number[] = [];
  for (const row of rows) {
    keys.push(row.key);
    steps.push(row.step);
    timestamps.push(row.timestamp);
    values.push(row.value);
    isNan.push(row.is_nan);
  }
  return { keys, steps, timestamps, values, isNan };
}
