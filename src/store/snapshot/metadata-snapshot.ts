import type { Dialect } from '../dialect.js';

/** How far a database's schema is: the last migration applied, and how many. */
export interface MigrationLevel {
  migration: string;
  migrationsApplied: number;
  /** PostgreSQL's server_version, for a dump. */
  serverVersion?: string;
}

/**
 * A point-in-time copy of the metadata database as one file, and the way back: SQLite's online
 * backup, or pg_dump and pg_restore. One implementation per dialect, shaped alike (sqlite-snapshot.ts,
 * postgres-snapshot.ts).
 */
export interface MetadataSnapshots {
  readonly dialect: Dialect;
  /** What the file holds: a SQLite database, or pg_dump's custom format. */
  readonly format: 'sqlite' | 'pg_dump-custom';
  /** Where the database is, for people (a file, or a URL without its password). */
  readonly location: string;
  /**
   * A cheap value that differs whenever the database may have changed, or undefined when there is
   * none to be had: two equal fingerprints mean an unchanged database, whose last snapshot can stand.
   */
  fingerprint(): Promise<string | undefined>;
  /** Writes a consistent snapshot of the live database to `file` (new), safe while the server runs. */
  take(file: string): Promise<MigrationLevel>;
  /** Whether the database holds any table yet (a restore goes only into an empty one unless told to replace). */
  isEmpty(): Promise<boolean>;
  /** Loads a snapshot into the database, replacing what is there; `file` may be moved. The server must not be running. */
  restore(file: string): Promise<void>;
}
