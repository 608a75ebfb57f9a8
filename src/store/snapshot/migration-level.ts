import { TrellisError } from '../../core/errors.js';
import { migrationsFor } from '../migrations/index.js';
import type { Dialect } from '../dialect.js';
import type { MigrationLevel } from './metadata-snapshot.js';

/** The level from kysely's migration table rows (names sort in the order they were applied: they are numbered). */
export function levelOf(names: string[], where: string): MigrationLevel {
  const sorted = [...names].sort();
  const migration = sorted.at(-1);
  if (migration === undefined)
    throw new TrellisError(
      'NotTrellisDatabase',
      400,
      `${where} has no applied migrations: it is not a Trellis database (has a server ever started on it?)`,
    );
  return { migration, migrationsApplied: sorted.length };
}

/**
 * Refuses a snapshot whose schema is newer than this Trellis knows (its server would not start on
 * it); an older one is fine, the server migrates it at start.
 */
export function checkRestorable(dialect: Dialect, migration: string, trellisVersion: string): void {
  const known = Object.keys(migrationsFor(dialect));
  if (!known.includes(migration))
    throw new TrellisError(
      'BackupTooNew',
      409,
      `the backup's database is at migration ${migration}, which this Trellis (${trellisVersion}, up to ${known.at(-1)}) does not know; restore it with the Trellis version that took it, or a newer one`,
    );
}
