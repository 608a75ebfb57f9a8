import { AssetRegistryRepository } from './asset-registry-repository.js';
import { join } from 'node:path';
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type KyselyPlugin,
  Migrator,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  sql,
  type Kysely,
  type UnknownRow,
} from 'kysely';
import { TrellisError } from '../core/errors.js';
import { AdvisorRepository } from './advisor-repository.js';
import { AuditRepository } from './audit-repository.js';
import type { Database } from './database.js';
import type { Dialect } from './dialect.js';
import { GroupCommit, type GroupedUnit } from './group-commit.js';
import { migrationProvider, migrationsFor } from './migrations/index.js';
import { openPostgres } from './postgres/open-postgres.js';
import { PlannerStatistics } from './postgres/planner-statistics.js';
import { PostgresSignals } from './postgres/postgres-signals.js';
import type { Signals } from './signals.js';
import { LocalSignals } from './sqlite/local-signals.js';
import { DatasetRepository } from './dataset-repository.js';
import { ExperimentRepository } from './experiment-repository.js';
import { EndpointRepository } from './endpoint-repository.js';
import { IdentityCache } from './identity-cache.js';
import { IdentityRepository } from './identity-repository.js';
import { JobRepository } from './job-repository.js';
import { LeaseRepository } from './lease-repository.js';
import { ServingPlacementRepository } from './serving-placement-repository.js';
import { PipelineRepository } from './pipeline-repository.js';
import { ScheduleRepository } from './schedule-repository.js';
import { SweepRepository } from './sweep-repository.js';
import { MonitorRepository } from './monitor-repository.js';
import { PolicyRepository } from './policy-repository.js';
import { BudgetRepository } from './budget-repository.js';
import { CostRepository } from './cost-repository.js';
import { LoggedModelRepository } from './logged-model-repository.js';
import { RegistryRepository } from './registry-repository.js';
import { DeploymentProfileRepository } from './deployment-profile-repository.js';
import { DatastoreRepository } from './datastore-repository.js';
import { ResourceRepository } from './resource-repository.js';
import { RunRepository } from './run-repository.js';
import { TraceRepository } from './trace-repository.js';
import { openSqlite } from './sqlite/open-sqlite.js';
import { SqliteTrackingWriter, sqliteStatements } from './sqlite/sqlite-tracking-writer.js';
import { PostgresTrackingWriter } from './postgres/postgres-tracking-writer.js';
import { PostgresRunWrites } from './postgres/postgres-run-writes.js';
import type { TrackingWriter } from './tracking-writer.js';
import { FileKekProvider } from './secrets/file-kek.js';
import type { KeyEncryptionKeyProvider } from './secrets/key-encryption-key.js';
import { Pkcs11KekProvider, pkcs11SettingsFromEnv } from './secrets/pkcs11-kek.js';
import { type RewrappedKey, type WorkspaceDataKeys, WorkspaceKeys } from './secrets/workspace-keys.js';
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
  traces: TraceRepository;
  registry: RegistryRepository;
  /** Azure ML registries (assets shared by workspaces); `registry` above is MLflow's model registry. */
  registries: AssetRegistryRepository;
  jobs: JobRepository;
  pipelines: PipelineRepository;
  schedules: ScheduleRepository;
  sweeps: SweepRepository;
  monitors: MonitorRepository;
  policies: PolicyRepository;
  cost: CostRepository;
  budgets: BudgetRepository;
  endpoints: EndpointRepository;
  /** Load tests of online deployments and the sizing recommended from them. */
  deploymentProfiles: DeploymentProfileRepository;
  datastores: DatastoreRepository;
  identity: IdentityRepository;
  /** What the advisor reads in bulk (jobs, nodes, sweeps, deployments, audit actors, tokens). */
  advisor: AdvisorRepository;
  /** Which server holds the controllers' lease. */
  leases: LeaseRepository;
  servingPlacements: ServingPlacementRepository;
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
  /** Token and principal lookups of authenticated requests, remembered briefly (see IdentityCache). */
  private readonly identityCache = new IdentityCache();
  /**
   * PostgreSQL's planner statistics of the tracking tables, kept fresh where Trellis changes them
   * fast; searches call `ensureAnalysed()` first. Nothing to keep on SQLite.
   */
  readonly plannerStatistics: Pick<PlannerStatistics, 'ensureAnalysed'>;
  private readonly postgresStatistics: PlannerStatistics | undefined;
  /** Concurrent groupedTransaction calls, committed together on SQLite. */
  private readonly groupCommit = new GroupCommit<Repositories>((units) => this.runGroup(units));

  private constructor(
    readonly dialect: Dialect,
    private readonly db: Kysely<Database>,
    /** Where the data lives, for people: a file path or a URL without its password. */
    readonly location: string,
    /** Workspace data keys: secrets are sealed with them before they reach the database. */
    private readonly keys: WorkspaceKeys,
    /** Wakes between the servers on this database (NOTIFY/LISTEN on PostgreSQL; in-process on SQLite). */
    readonly signals: Signals,
    /** log-batch's bulk writer for a handle: the database's (`inTransaction` false) or a transaction's. */
    private readonly writerFor: (db: Kysely<Database>, inTransaction: boolean) => TrackingWriter,
    /** PostgreSQL's one-statement runs/create, log-batch and runs/update, for calls not inside a caller's transaction. */
    readonly runWrites?: PostgresRunWrites,
  ) {
    // On SQLite a transaction holds the one connection: the store's own repositories used inside
    // it would wait for that connection forever. They refuse instead, at once, naming the mistake.
    const own = dialect === 'sqlite' ? db.withPlugin(refuseInsideTransaction) : db;
    this.repositories = repositoriesFor(own, dialect, keys, this.identityCache, writerFor(own, false));
    this.postgresStatistics = dialect === 'postgres' ? new PlannerStatistics(db) : undefined;
    this.postgresStatistics?.start();
    this.plannerStatistics = this.postgresStatistics ?? { ensureAnalysed: async () => undefined };
  }

  /** Opens SQLite at `<home>/trellis.db`, or PostgreSQL when `databaseUrl` is set. */
  static open(options: {
    home: string;
    databaseUrl?: string | undefined;
    /** Keys in PKCS#11 tokens, for workspaces whose customer_managed_key.key_uri is a pkcs11: URI; default from TRELLIS_PKCS11_MODULE and TRELLIS_PKCS11_PIN. */
    pkcs11?: KeyEncryptionKeyProvider | undefined;
  }): Store {
    const url = options.databaseUrl;
    // Secrets are encrypted at rest always: the key-encryption key is a key file under <home>/keys unless a workspace names its own.
    const settings = pkcs11SettingsFromEnv(process.env);
    const keysFor = (db: Kysely<Database>) =>
      new WorkspaceKeys({
        db,
        files: new FileKekProvider(join(options.home, 'keys')),
        pkcs11: options.pkcs11 ?? (settings && new Pkcs11KekProvider(settings)),
      });
    if (url && /^postgres(ql)?:\/\//.test(url)) {
      const { db, pool } = openPostgres(url);
      return new Store(
        'postgres',
        db,
        redactPassword(url),
        keysFor(db),
        new PostgresSignals(db, url),
        (handle) => new PostgresTrackingWriter(handle),
        new PostgresRunWrites(pool),
      );
    }
    if (url && !url.startsWith('sqlite:')) {
      throw new TrellisError(
        'InvalidConfiguration',
        400,
        `TRELLIS_DATABASE_URL '${redactPassword(url)}' is not supported; use postgres://user:password@host:port/db, or unset it for the embedded SQLite database`,
      );
    }
    const file = url ? url.slice('sqlite:'.length) : join(options.home, 'trellis.db');
    const { db, connection } = openSqlite(file);
    const statements = sqliteStatements(connection);
    // Inside a transaction the statements run on its connection at once; outside, in one of their own.
    const writerFor = (handle: Kysely<Database>, inTransaction: boolean) =>
      new SqliteTrackingWriter(async (work) => {
        if (inTransaction) work(statements());
        else await handle.transaction().execute(async () => work(statements()));
      });
    return new Store('sqlite', db, file, keysFor(db), new LocalSignals(), writerFor);
  }

  /** Applies pending migrations in order; safe to run on every start. */
  async migrate(): Promise<string[]> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider(this.dialect) });
    const { error, results } = await migrator.migrateToLatest();
    if (error)
      throw new TrellisError(
        'MigrationFailed',
        500,
        `database migration failed on ${this.location}: ${String((error as Error).message ?? error)}`,
        {
          cause: error,
        },
      );
    await this.sealPlaintextSecrets();
    const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    // A migration may have moved or rewritten rows: the planner should not plan on what it saw before.
    if (applied.length > 0) await this.postgresStatistics?.analyseAll();
    return applied;
  }

  /**
   * Re-wraps workspace data keys under a new key-encryption key version (the next key file, or a
   * new key in the PKCS#11 token; `label`: that existing key of the token). Sealed secrets stay as they are.
   */
  async rotateKeys(options: { workspace?: string | undefined; label?: string | undefined } = {}): Promise<RewrappedKey[]> {
    return this.keys.rotate(options);
  }

  /**
   * Destroys the data keys of a deleted workspace (their wrapped copies and what this process
   * remembers unwrapped), so nothing sealed under them opens again and a new workspace of the same
   * name gets keys of its own. Returns how many were destroyed.
   */
  async destroyWorkspaceKeys(workspace: string): Promise<number> {
    return this.keys.destroy(workspace);
  }

  /** The data keys of `workspace` for sealing its artifacts at rest (the same keys that seal its secrets). */
  artifactKeysFor(workspace: string): WorkspaceDataKeys {
    return this.keys.dataKeysFor(workspace);
  }

  // Endpoint keys stored before encryption at rest are sealed at start, and the pages that held them rewritten.
  private async sealPlaintextSecrets(): Promise<void> {
    if ((await this.repositories.endpoints.sealPlaintextSecrets()) === 0) return;
    if (this.dialect === 'sqlite') {
      await sql`vacuum`.execute(this.db);
      await sql`pragma wal_checkpoint(truncate)`.execute(this.db);
    } else {
      await sql`vacuum full endpoint_secrets`.execute(this.db);
    }
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
    return this.transactionWith((repositories) => work(repositories));
  }

  /** transaction, handing `work` the transaction's handle too (for savepoints). */
  private async transactionWith<T>(work: (repositories: Repositories, trx: Kysely<Database>) => Promise<T>): Promise<T> {
    const scope = { open: true };
    let repositories: Repositories | undefined;
    try {
      return await this.db.transaction().execute((trx) => {
        repositories = repositoriesFor(trx, this.dialect, this.keys, this.identityCache, this.writerFor(trx, true));
        const inside = repositories;
        return transactionScope.run(scope, () => work(inside, trx));
      });
    } finally {
      // Work the transaction started and left running (a timer, a woken loop) may use the store afterwards.
      scope.open = false;
      // A revocation is seen by everyone only now: what was remembered meanwhile must go too.
      if (repositories?.identity.changedIdentity) this.identityCache.changed();
    }
  }

  /**
   * Like transaction, for small independent writes that arrive many at once (log-batch). On SQLite,
   * whose one connection takes one transaction at a time and syncs its log at every commit, calls
   * that arrive together share one transaction, each in a savepoint, and one commit: the call is
   * answered only after that commit, so what is acknowledged is as durable as before, and a call
   * that fails leaves nothing behind. PostgreSQL runs them side by side on its connections and
   * already shares one log flush among concurrent commits, so there it is `transaction`.
   */
  async groupedTransaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T> {
    if (this.dialect !== 'sqlite') return this.transaction(work);
    return this.groupCommit.submit(work);
  }

  private async runGroup(units: GroupedUnit<Repositories>[]): Promise<void> {
    const succeeded: GroupedUnit<Repositories>[] = [];
    await this.transactionWith(async (repositories, trx) => {
      for (const unit of units) {
        await sql`savepoint grouped_call`.execute(trx);
        try {
          await unit.run(repositories);
          await sql`release savepoint grouped_call`.execute(trx);
          succeeded.push(unit);
        } catch (error) {
          await sql`rollback to savepoint grouped_call`.execute(trx);
          await sql`release savepoint grouped_call`.execute(trx);
          unit.reject(error);
        }
      }
    });
    for (const unit of succeeded) unit.acknowledge();
  }

  async close(): Promise<void> {
    this.postgresStatistics?.stop();
    await this.db.destroy();
    await this.keys.close();
  }
}

/** The transaction the current async work runs in, if any (its `open` is false once it has ended). */
const transactionScope = new AsyncLocalStorage<{ open: boolean }>();

/** A kysely plugin for the store's own handle: a query made on it inside a transaction is a bug (see the constructor). */
const refuseInsideTransaction: KyselyPlugin = {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (transactionScope.getStore()?.open)
      throw new TrellisError(
        'StoreUsedInsideTransaction',
        500,
        "the store's own repositories were used inside a transaction, which holds SQLite's only connection; use the transaction's repositories (this is a server bug: report it)",
      );
    return args.node;
  },
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  },
};

function repositoriesFor(
  db: Kysely<Database>,
  dialect: Dialect,
  keys: WorkspaceKeys,
  identityCache: IdentityCache,
  trackingWriter: TrackingWriter,
): Repositories {
  return {
    workspaces: new WorkspaceRepository(db),
    resources: new ResourceRepository(db),
    audit: new AuditRepository(db),
    experiments: new ExperimentRepository(db),
    runs: new RunRepository(db, dialect, trackingWriter),
    datasets: new DatasetRepository(db),
    loggedModels: new LoggedModelRepository(db),
    traces: new TraceRepository(db, dialect),
    registry: new RegistryRepository(db),
    registries: new AssetRegistryRepository(db),
    jobs: new JobRepository(db),
    pipelines: new PipelineRepository(db),
    schedules: new ScheduleRepository(db),
    sweeps: new SweepRepository(db),
    monitors: new MonitorRepository(db),
    policies: new PolicyRepository(db),
    cost: new CostRepository(db),
    budgets: new BudgetRepository(db),
    endpoints: new EndpointRepository(db, keys.sealerFor(db)),
    deploymentProfiles: new DeploymentProfileRepository(db),
    datastores: new DatastoreRepository(db, keys.sealerFor(db)),
    identity: new IdentityRepository(db, identityCache),
    advisor: new AdvisorRepository(db),
    leases: new LeaseRepository(db, dialect),
    servingPlacements: new ServingPlacementRepository(db, dialect),
  };
}

function redactPassword(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
