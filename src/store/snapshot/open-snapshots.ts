import { join } from 'node:path';
import type { MetadataSnapshots } from './metadata-snapshot.js';
import { inspectPgDump, PostgresSnapshots } from './postgres-snapshot.js';
import { inspectSqliteSnapshot, SqliteSnapshots } from './sqlite-snapshot.js';

/** The snapshots of the database a data directory's configuration names, picked as Store.open picks it. */
export function metadataSnapshotsFor(home: string, databaseUrl: string | undefined): MetadataSnapshots {
  if (databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl)) return new PostgresSnapshots(databaseUrl);
  return new SqliteSnapshots(databaseUrl?.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : join(home, 'trellis.db'));
}

/** Opens a snapshot file of either format without loading it anywhere; throws SnapshotUnreadable when it does not open. */
export function inspectSnapshot(format: MetadataSnapshots['format'], file: string): Promise<{ tables: number }> {
  return format === 'sqlite' ? inspectSqliteSnapshot(file) : inspectPgDump(file);
}
