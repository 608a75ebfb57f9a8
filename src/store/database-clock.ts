import { type RawBuilder, sql } from 'kysely';
import type { Dialect } from './dialect.js';

/**
 * The database's clock in epoch milliseconds, as an SQL expression of this dialect: what servers
 * whose own clocks disagree still agree on (leases, serving placements).
 */
export function databaseNow(dialect: Dialect): RawBuilder<number> {
  return dialect === 'postgres'
    ? // now(): the statement's start, the same at each use in one statement (clock_timestamp() is not).
      sql<number>`(floor(extract(epoch from now()) * 1000))::bigint`
    : sql<number>`cast(round((julianday('now') - 2440587.5) * 86400000) as integer)`;
}
