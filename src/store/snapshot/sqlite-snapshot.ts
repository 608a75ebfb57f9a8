import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { hasCode, unlessMissing } from '../../core/error-codes.js';
import { TrellisError } from '../../core/errors.js';
import type { MetadataSnapshots, MigrationLevel } from './metadata-snapshot.js';
import { levelOf } from './migration-level.js';

/** The WAL index header and its copy at the start of the -shm file (SQLite's file format, 'The WAL-Index Format'). */
const walIndexHeaderBytes = 96;

/** SQLite's pages copied per step of the online backup: all of them, so the copy is one consistent read (see take). */
const allPages = 0x7fffffff;

/** Snapshots of the embedded SQLite database at `file`. */
export class SqliteSnapshots implements MetadataSnapshots {
  readonly dialect = 'sqlite' as const;
  readonly format = 'sqlite' as const;

  constructor(readonly location: string) {}

  /**
   * The database file's and its WAL's size, modification time (nanoseconds) and inode, and the WAL index's
   * header from the -shm file, which holds a counter SQLite raises at every commit: a write moves
   * at least one of them, even one within the file system's timestamp granularity.
   */
  async fingerprint(): Promise<string | undefined> {
    // Opened and closed first, as a snapshot opens it: with no server running, that makes the WAL and its index
    // files, which would otherwise make the fingerprint taken after a snapshot differ from the one before.
    try {
      const database = new SqliteDatabase(this.location, { readonly: true, fileMustExist: true });
      try {
        // A read makes them (opening alone does not).
        database.prepare('select count(*) from sqlite_master').get();
      } finally {
        database.close();
      }
    } catch (error) {
      // No database to fingerprint: take() says why.
      if (error instanceof SqliteDatabase.SqliteError) return undefined;
      throw error;
    }
    const parts: string[] = [];
    for (const suffix of ['', '-wal']) {
      const info = await unlessMissing(stat(`${this.location}${suffix}`, { bigint: true }));
      // Not the change time: opening the database as root changes the owner of the WAL (SQLite matches it to the database's), and so its ctime.
      parts.push(info ? `${info.size}:${info.mtimeNs}:${info.ino}` : '-');
    }
    parts.push((await walIndexHeader(`${this.location}-shm`)) ?? '-');
    return parts.join('|');
  }

  /**
   * SQLite's online backup API. Copied in one step, it reads under one read transaction: a
   * consistent point in time, while the server (WAL mode) goes on writing. In smaller steps a write
   * by the server between them would start the copy over, and a busy server could keep it from ending.
   * The copy is left in rollback-journal mode, one self-contained file (the server turns WAL on again when it opens it).
   */
  async take(file: string): Promise<MigrationLevel> {
    const source = openExisting(
      this.location,
      'the metadata database',
      'give the data directory with --home (TRELLIS_HOME), or its database_url',
    );
    try {
      await source.backup(file, { progress: () => allPages });
    } finally {
      source.close();
    }
    const copy = new SqliteDatabase(file);
    try {
      copy.pragma('journal_mode = DELETE');
      return levelOf(migrationNames(copy), file);
    } finally {
      copy.close();
    }
  }

  async isEmpty(): Promise<boolean> {
    let database: SqliteDatabase.Database;
    try {
      database = new SqliteDatabase(this.location, { readonly: true, fileMustExist: true });
    } catch (error) {
      if (error instanceof SqliteDatabase.SqliteError && error.code === 'SQLITE_CANTOPEN') return true;
      throw error;
    }
    try {
      const tables = database.prepare("select count(*) as count from sqlite_master where type = 'table'").get() as { count: number };
      return tables.count === 0;
    } finally {
      database.close();
    }
  }

  async restore(file: string): Promise<void> {
    // What a previous database left beside it would be replayed into the restored one.
    await Promise.all(['-wal', '-shm', '-journal'].map((suffix) => rm(`${this.location}${suffix}`, { force: true })));
    // A database configured elsewhere (database_url: sqlite:<path>) may have no folder yet on a fresh machine.
    await mkdir(dirname(this.location), { recursive: true, mode: 0o700 });
    try {
      await rename(file, this.location);
    } catch (error) {
      if (!hasCode(error, 'EXDEV')) throw error;
      await copyFile(file, this.location);
    }
  }
}

/** The names kysely recorded; none when it has no table (not a Trellis database: levelOf says so). */
function migrationNames(database: SqliteDatabase.Database): string[] {
  try {
    return (database.prepare('select name from kysely_migration').all() as Array<{ name: string }>).map((row) => row.name);
  } catch (error) {
    if (error instanceof SqliteDatabase.SqliteError && /no such table/.test(error.message)) return [];
    throw error;
  }
}

/** Opens a database file that must exist, read-only; a missing or unreadable file is a TrellisError naming it. */
function openExisting(file: string, what: string, fix: string): SqliteDatabase.Database {
  try {
    return new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    if (error instanceof SqliteDatabase.SqliteError || error instanceof TypeError)
      throw new TrellisError('SnapshotUnreadable', 400, `${what} ${file} could not be opened (${error.message}); ${fix}`);
    throw error;
  }
}

function unreadable(file: string, why: string): TrellisError {
  return new TrellisError('SnapshotUnreadable', 422, `the metadata snapshot ${file} does not open as a database: ${why}`);
}

/** Opens a snapshot file read-only and checks it (quick_check, a migration table); throws SnapshotUnreadable when it does not open. */
export async function inspectSqliteSnapshot(file: string): Promise<{ tables: number }> {
  const database = openExisting(file, 'the metadata snapshot', 'the backup is damaged: take a new one');
  try {
    const check = database.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw unreadable(file, `SQLite's quick_check says: ${String(check)}`);
    const tables = database.prepare("select count(*) as count from sqlite_master where type = 'table'").get() as { count: number };
    levelOf(migrationNames(database), file);
    return { tables: tables.count };
  } catch (error) {
    if (error instanceof SqliteDatabase.SqliteError) throw unreadable(file, error.message);
    throw error;
  } finally {
    database.close();
  }
}

/** The first bytes of a -shm file in hex, read without locking (a torn read only makes the fingerprint differ); undefined without one. */
async function walIndexHeader(file: string): Promise<string | undefined> {
  const handle = await unlessMissing(open(file, 'r'));
  if (!handle) return undefined;
  try {
    const header = Buffer.alloc(walIndexHeaderBytes);
    const { bytesRead } = await handle.read(header, 0, walIndexHeaderBytes, 0);
    return header.subarray(0, bytesRead).toString('hex');
  } finally {
    await handle.close();
  }
}
