import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../database.js';

/**
 * Opens the embedded SQLite database. WAL lets readers run beside the writer; synchronous=FULL
 * makes every acknowledged commit durable (fsync of the WAL), so nothing acknowledged is lost
 * to kill -9 or power loss; the busy timeout waits for a lock instead of failing at once.
 */
export function openSqlite(file: string): Kysely<Database> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const connection = new SqliteDatabase(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = FULL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  // MLflow's LIKE is case-sensitive (ILIKE is the other); SQLite's is not unless asked.
  connection.pragma('case_sensitive_like = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
}
