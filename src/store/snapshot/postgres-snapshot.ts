import { rm } from 'node:fs/promises';
import pg from 'pg';
import { TrellisError } from '../../core/errors.js';
import type { MetadataSnapshots, MigrationLevel } from './metadata-snapshot.js';
import { levelOf } from './migration-level.js';
import { connectionOf, findPostgresTools, type PostgresTools, runTool } from './postgres-tools.js';

/** Snapshots of a PostgreSQL database with pg_dump's custom format, loaded back with pg_restore. */
export class PostgresSnapshots implements MetadataSnapshots {
  readonly dialect = 'postgres' as const;
  readonly format = 'pg_dump-custom' as const;
  readonly location: string;
  #tools: Promise<PostgresTools> | undefined;

  constructor(private readonly url: string) {
    this.location = connectionOf(url).url;
  }

  /** None: a dump is taken every time (PostgreSQL has no cheap, reliable sign of no change across its files). */
  async fingerprint(): Promise<string | undefined> {
    return undefined;
  }

  /** pg_dump reads in one repeatable-read transaction: a consistent point in time while the servers go on writing. */
  async take(file: string): Promise<MigrationLevel> {
    const { level, serverVersion } = await this.#query(async (client) => {
      const names = await client.query<{ name: string }>('select name from kysely_migration').catch((error: unknown) => {
        throw new TrellisError('NotTrellisDatabase', 400, `${this.location} has no Trellis tables (${(error as Error).message})`);
      });
      const version = await client.query<{ server_version: string }>('show server_version');
      return {
        level: levelOf(
          names.rows.map((row) => row.name),
          this.location,
        ),
        serverVersion: version.rows[0]?.server_version ?? '',
      };
    });
    const { url, password } = connectionOf(this.url);
    await runTool(await this.#toolsFor(), 'pg_dump', ['--format=custom', '--no-password', `--file=${file}`, `--dbname=${url}`], password);
    return { ...level, serverVersion };
  }

  async isEmpty(): Promise<boolean> {
    return this.#query(async (client) => {
      const tables = await client.query<{ count: string }>(
        "select count(*) as count from pg_catalog.pg_tables where schemaname = 'public'",
      );
      return Number(tables.rows[0]?.count ?? 0) === 0;
    });
  }

  /** pg_restore in one transaction: the database gets all of the snapshot, or is left as it was. */
  async restore(file: string): Promise<void> {
    const { url, password } = connectionOf(this.url);
    const replace = !(await this.isEmpty());
    await runTool(
      await this.#toolsFor(),
      'pg_restore',
      [
        '--no-owner',
        '--no-acl',
        '--exit-on-error',
        '--single-transaction',
        '--no-password',
        ...(replace ? ['--clean', '--if-exists'] : []),
        `--dbname=${url}`,
        file,
      ],
      password,
    );
    await rm(file, { force: true });
  }

  #toolsFor(): Promise<PostgresTools> {
    this.#tools ??= this.#query(async (client) => {
      const version = await client.query<{ server_version_num: string }>('show server_version_num');
      return Math.floor(Number(version.rows[0]?.server_version_num ?? 0) / 10000);
    }).then((major) => findPostgresTools(major));
    return this.#tools;
  }

  async #query<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    await client.connect().catch((error: unknown) => {
      throw new TrellisError(
        'DatabaseUnreachable',
        503,
        `PostgreSQL at ${this.location} could not be reached: ${(error as Error).message}`,
      );
    });
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}

/** Reads a pg_dump archive's table of contents; throws SnapshotUnreadable when it does not open. */
export async function inspectPgDump(file: string): Promise<{ tables: number }> {
  // No database is needed to read an archive: the newest pg_restore here reads the most archive formats.
  const tools = await findPostgresTools(0, process.env, 'newest');
  const listing = await runTool(tools, 'pg_restore', ['--list', file], undefined).catch((error: unknown) => {
    throw new TrellisError(
      'SnapshotUnreadable',
      422,
      `the metadata snapshot ${file} does not open as a pg_dump archive: ${(error as Error).message}`,
    );
  });
  return { tables: listing.split('\n').filter((line) => / TABLE DATA /.test(line)).length };
}
