import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase as KyselySqliteDatabase } from 'kysely';
import { MetricBucketReducer, type BucketAxis } from '../../core/tracking/metric-buckets.js';
import type { Database } from '../database.js';
import { registerSqliteRegexp } from '../trace-search.js';

/**
 * Opens the embedded SQLite database. WAL lets readers run beside the writer; synchronous=FULL
 * makes every acknowledged commit durable (fsync of the WAL), so nothing acknowledged is lost
 * to kill -9 or power loss; the busy timeout waits for a lock instead of failing at once.
 * Returns kysely's handle and the connection under it, for the writes that go around kysely.
 */
export function openSqlite(file: string): { db: Kysely<Database>; connection: SqliteDatabase.Database } {
  // Owner-only: the database holds endpoint keys and token secrets.
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const connection = new SqliteDatabase(file);
  // 16 KiB pages, for a database created now (an existing one keeps its own): a trace span row is
  // ~2 KB, so 4 KiB pages held one each, half empty — twice the pages written and read (issue 19:
  // 35% less SQLite CPU a 50-span trace, 40% smaller file).
  connection.pragma('page_size = 16384');
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = FULL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  // MLflow's LIKE is case-sensitive (ILIKE is the other); SQLite's is not unless asked.
  connection.pragma('case_sensitive_like = ON');
  registerMetricBuckets(connection);
  // MLflow's RLIKE in trace search.
  registerSqliteRegexp(connection);
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) }), connection };
}

/** How many prepared statements are kept: the store's queries are a few hundred shapes, run again and again. */
const statementCacheSize = 500;

/**
 * The connection as kysely's driver uses it, keeping prepared statements by their SQL (the least
 * recently used go past statementCacheSize): kysely prepares every query afresh, and SQLite's
 * parsing and planning costs more than running most of the store's small queries. A statement
 * still being iterated (a streamed query) is never handed out twice; a fresh one replaces it.
 */
function withStatementCache(connection: SqliteDatabase.Database): KyselySqliteDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => connection.close(),
    prepare(source) {
      const cached = statements.get(source);
      statements.delete(source);
      const statement = cached && !cached.busy ? cached : connection.prepare(source);
      statements.set(source, statement);
      const oldest = statements.keys().next();
      if (statements.size > statementCacheSize && !oldest.done) statements.delete(oldest.value);
      return statement;
    },
  };
}

/**
 * trellis_metric_buckets(lo, hi, buckets, axis, step, timestamp, value, is_nan): an aggregate that
 * reduces a metric history to the points a chart needs (core/tracking/metric-buckets.ts) while
 * SQLite scans it, so a million points never become a million JavaScript rows. The result is a
 * blob of float64s: the count of points, then (step, timestamp, value) per kept point.
 */
function registerMetricBuckets(connection: SqliteDatabase.Database): void {
  connection.aggregate('trellis_metric_buckets', {
    // The argument count is not read off `step` (it takes them as a rest parameter).
    varargs: true,
    start: () => null,
    // better-sqlite3's types know two arguments; SQLite passes the call's eight.
    step: (reducer: MetricBucketReducer | null, ...args: unknown[]) => {
      const [lo, hi, buckets, axis, step, timestamp, value, isNan] = args as [
        number,
        number,
        number,
        BucketAxis,
        number,
        number,
        number,
        number,
      ];
      const current = reducer ?? new MetricBucketReducer(Number(lo), Number(hi), Number(buckets), axis);
      current.add(Number(step), Number(timestamp), isNan ? Number.NaN : Number(value));
      return current;
    },
    result: (reducer: MetricBucketReducer | null) => {
      const points = reducer?.points() ?? [];
      const packed = new Float64Array(1 + points.length * 3);
      packed[0] = reducer?.count ?? 0;
      points.forEach((point, index) => {
        packed.set([point.step, point.timestamp, point.value], 1 + index * 3);
      });
      return Buffer.from(packed.buffer);
    },
  });
}
