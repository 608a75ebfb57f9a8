import { join } from 'node:path';
import { Migrator, sql, type Kysely } from 'kysely';
import { TrellisError } from '../core/errors.js';
import { AuditRepository } from './audit-repository.js';
import type { Database } from './database.js';
import type { Dialect } from './dialect.js';
import { migrationProvider, migrationsFor } from './migrations/index.js';
import { openPostgres } from './postgres/open-postgres.js';
import { DatasetRepository } from './dataset-repository.js';
import { ExperimentRepository } from './experiment-repository.js';
import { EndpointRepository } from './endpoint-repository.js';
import { JobRepository } from './job-repository.js';
import { LoggedModelRepository } from './logged-model-repository.js';
import { RegistryRepository } from './registry-repository.js';
import { ResourceRepository } from './resource-repository.js';
import { RunRepository } from './run-repository.js';
import { openSqlite } from './sqlite/open-sqlite.js';
import { WorkspaceRepository } from './workspace-repository.js';

/** The repositories, bound to the database or to one transaction. */
export interface Repositories {
  workspaces: WorkspaceRepository;
  resources: ResourceRepository;
  audit: AuditRepository;
  experiments: ExperimentRepository;
  runs: RunRepository;
  datasets: DatasetRepository;
  loggedModels: LoggedModelRepository;
  registry: RegistryRepository;
  jobs: JobRepository;
  endpoints: EndpointRepository;
}

export interface Readiness {
  database: boolean;
  migrationsApplied: number;
  migrationsExpected: number;
  error?: string;
}

/** The metadata store: SQLite by default, PostgreSQL when given a postgres:// URL. */
export class Store {
  readonly repositories: Repositories;

  private constructor(
    readonly dialect: Dialect,
    private readonly db: Kysely<Database>,
    /** Where the data lives, for people: a file path or a URL without its password. */
    readonly location: string,
  ) {
    this.repositories = repositoriesFor(db, dialect);
  }

  /** Opens SQLite at `<home>/trellis.db`, or PostgreSQL when `databaseUrl` is set. */
  static open(options: { home: string; databaseUrl?: string | undefined }): Store {
    const url = options.databaseUrl;
    if (url && /^postgres(ql)?:\/\//.test(url)) return new Store('postgres', openPostgres(url), redactPassword(url));
    if (url && !url.startsWith('sqlite:')) {
      throw new TrellisError(
        'InvalidConfiguration',
        400,
        `TRELLIS_DATABASE_URL '${redactPassword(url)}' is not supported; use postgres://user:password@host:port/db, or unset it for the embedded SQLite database`,
      );
    }
    const file = url ? url.slice('sqlite:'.length) : join(options.home, 'trellis.db');
    return new Store('sqlite', openSqlite(file), file);
  }

  /** Applies pending migrations in order; safe to run on every start. */
  async migrate(): Promise<string[]> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider(this.dialect) });
    const { error, results } = await migrator.migrateToLatest();
    if (error)
      throw new TrellisError('MigrationFailed', 500, `database migration failed: ${String((error as Error).message ?? error)}`, {
        cause: error,
      });
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }

  async readiness(): Promise<Readiness> {
    const migrationsExpected = Object.keys(migrationsFor(this.dialect)).length;
    try {
      await sql`select 1`.execute(this.db);
      const applied = await sql<{ count: number | string }>`select count(*) as count from kysely_migration`.execute(this.db);
      return { database: true, migrationsApplied: Number(applied.rows[0]?.count ?? 0), migrationsExpected };
    } catch (error) {
      return { database: false, migrationsApplied: 0, migrationsExpected, error: (error as Error).message };
    }
  }

  /** Runs `work` in one transaction: all its writes land together, or none do. */
  async transaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(repositoriesFor(trx, this.dialect)));
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

function repositoriesFor(db: Kysely<Database>, dialect: Dialect): Repositories {
  return {
    workspaces: new WorkspaceRepository(db),
    resources: new ResourceRepository(db),
    audit: new AuditRepository(db),
    experiments: new ExperimentRepository(db),
    runs: new RunRepository(db, dialect),
    datasets: new DatasetRepository(db),
    loggedModels: new LoggedModelRepository(db),
    registry: new RegistryRepository(db),
    jobs: new JobRepository(db),
    endpoints: new EndpointRepository(db),
  };
}

function redactPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
