import type { KeyValue } from '../core/tracking/entities.js';

/** One metric point as both metric tables store it: NaN is value 0 with is_nan 1. */
export interface MetricRow {
  key: string;
  step: number;
  timestamp: number;
  value: number;
  is_nan: number;
}

/**
 * The bulk writes of log-batch, each done the way its database takes rows fastest (SQLite:
 * prepared statements run row by row on the connection; PostgreSQL: one statement over arrays),
 * inside the caller's transaction. One implementation per dialect, in sqlite/ and postgres/.
 */
export interface TrackingWriter {
  /** Appends points to a run's history; a point already there is kept once. */
  insertMetrics(runId: string, rows: MetricRow[]): Promise<void>;
  /** Moves each key's latest value to its row when that row is later by (step, timestamp, value); one row a key. */
  raiseLatestMetrics(runId: string, rows: MetricRow[]): Promise<void>;
  /** Inserts params whose keys the run does not have yet (the caller has refused changed values). */
  insertParams(runId: string, params: KeyValue[]): Promise<void>;
  /** Sets tags, replacing the value of a key already there; one entry a key. */
  upsertTags(runId: string, tags: KeyValue[]): Promise<void>;
}
