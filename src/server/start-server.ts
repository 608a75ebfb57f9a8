import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildServer, type TrellisServer } from '../api/server.js';
import { loadAttemptSecret } from '../backends/kubernetes/attempt-token.js';
import { createKubernetesComputes } from '../backends/kubernetes/kubernetes-compute.js';
import { LocalBackend } from '../backends/local/local-backend.js';
import { createSlurmComputes } from '../backends/slurm/slurm-compute.js';
import { AlertmanagerClient } from '../services/monitoring/alertmanager-client.js';
import { MonitorMetrics } from '../services/monitoring/monitor-metrics.js';
import { serverMonitorObservers } from '../services/monitoring/server-monitor-observers.js';
import { isLoopbackHost, type TrellisConfig } from '../config/config.js';
import { TrellisError } from '../core/errors.js';
import type { Context } from '../services/context.js';
import { ensureOwner, issueOwnerToken } from '../services/identity/owner-bootstrap.js';
import { revokeOrphanedWorkloadTokens } from '../services/identity/workload-tokens.js';
import { ensureDefaultWorkspace } from '../services/workspace-service.js';
import { writeOwnerToken } from '../config/owner-token-file.js';
import { makeNewFilesPrivate, secureDataDirectory } from './data-directory.js';
import { openWorkspaceArtifacts } from './workspace-artifacts.js';
import { ControllerHost } from './controller-host.js';
import { LeaderLease } from './leader-lease.js';
import { controllersLease, leaseTiming } from '../core/leases/leadership.js';
import { ServingMetrics } from '../serving/serving-metrics.js';
import { Store } from '../store/store.js';

/** The signal a leader sends when it gives the controllers' lease up (it is stopping): standbys try at once. */
const leaseReleasedTopic = 'controller-lease';

export interface RunningServer {
  app: TrellisServer;
  /** Where it listens: https://... when it serves TLS. */
  url: string;
  store: Store;
  /** Where artifacts live, in words: a folder, or the container or bucket with its URL. */
  artifactStore: string;
  close(): Promise<void>;
}

/**
 * Makes the data directory owner-only, opens the store (migrating it), makes the default
 * workspace, and listens. `onNotice` hears one line when modes of an existing data directory were fixed.
 */
export async function startServer(
  config: TrellisConfig,
  options: { logLevel?: string; onNotice?: (line: string) => void } = {},
): Promise<RunningServer> {
  const logger = pino({ level: options.logLevel ?? process.env.TRELLIS_LOG_LEVEL ?? 'info' });
  const onNotice = options.onNotice ?? ((line: string) => logger.warn(line));
  refuseExposedLocalAuth(config);
  // Before anything is made or opened: a bad certificate or key fails the start at once, naming its flag.
  const https = config.tls ? await readTlsCredentials(config.tls) : undefined;
  // Before the store opens, so SQLite never opens (or makes -wal/-shm beside) a file others can read.
  makeNewFilesPrivate();
  const sqliteFile = config.databaseUrl?.startsWith('sqlite:')
    ? config.databaseUrl.slice('sqlite:'.length)
    : join(config.home, 'trellis.db');
  const fixed = await secureDataDirectory(config.home, config.databaseUrl && !config.databaseUrl.startsWith('sqlite:') ? [] : [sqliteFile]);
  if (fixed) onNotice(fixed);
  const store = Store.open({ home: config.home, databaseUrl: config.databaseUrl });
  try {
    await store.migrate();
    // Before the owner, the default workspace and the listener: a server that cannot reach its object store does not start.
    const artifacts = await openWorkspaceArtifacts(config, store);
    const context: Context = {
      store,
      artifactsFor: (workspace) => artifacts.artifactsFor(workspace),
      clock: () => new Date(),
      logger,
      installation: { listensOnLoopbackOnly: isLoopbackHost(config.host) },
    };
    await ensureOwner(context, config.localUser);
    await ensureDefaultWorkspace(context, { actor: `user:${config.localUser}`, requestId: null });
    // Jobs that ended and deployments deleted while the server was down: their tokens die now, not at expiry.
    const orphanedTokens = await revokeOrphanedWorkloadTokens(context);
    if (orphanedTokens > 0) logger.info({ revoked: orphanedTokens }, 'revoked the tokens of jobs and deployments that are gone');
    const jobsRoot = join(config.home, 'jobs');
    let url = '';
    // A job's process ending wakes the runner, so the job finishes (and the next one starts) at once.
    const local = new LocalBackend({ onProcessExit: () => host.wake('job-runner'), logger });
    const slurm = createSlurmComputes({ graceSeconds: config.jobs.graceSeconds });
    // Pods download their attempt's folder from this server and send results back, with tokens signed by this secret.
    const kubernetes = createKubernetesComputes({
      publicUrl: () => config.publicUrl ?? url,
      secret: await loadAttemptSecret(config.home),
      logger,
    });
    const orphans = slurm.byHandle(kubernetes.byHandle(local));
    // Scoring counters and monitor gauges: this server's /metrics, whichever term (if any) its controllers are in.
    const servingMetrics = new ServingMetrics();
    const monitorMetrics = new MonitorMetrics(servingMetrics.registry);
    for (const run of await store.repositories.monitors.latestRuns()) monitorMetrics.record(run);
    const alertmanagerUrl = config.alerting.alertmanagerUrl;
    const alertmanager = alertmanagerUrl ? new AlertmanagerClient({ url: alertmanagerUrl }) : undefined;
    context.monitorObservers = serverMonitorObservers({
      metrics: monitorMetrics,
      alertmanager,
      publicUrl: () => url,
      logger,
      now: () => context.clock().getTime(),
    });
    const serverId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    const sharesDatabase = store.dialect === 'postgres';
    // The controllers run in terms, while this server holds their lease (see ControllerHost).
    const host: ControllerHost = new ControllerHost(context, {
      config,
      url: () => url,
      jobsRoot,
      mayLaunch: (): boolean => lease?.isLeader() ?? true,
      servingMetrics,
      alertmanager,
      // Other servers send scoring calls to the instances this one runs: it says where they are.
      placement: sharesDatabase ? { server: serverId, address: () => advertisedAddress(url) } : undefined,
      backendFor: (compute) => {
        // A deleted compute's running attempts are still polled and stopped, by their handle.
        if (!compute) return orphans;
        const type = compute.spec.type;
        if (type === 'slurm') return slurm.backendFor(compute);
        if (type === 'kubernetes') return kubernetes.backendFor(compute);
        return type === 'amlcompute' || type === 'computeinstance' ? local : undefined;
      },
    });
    // On PostgreSQL several servers may share the database: the controllers run where the lease says. SQLite: this server alone.
    const lease: LeaderLease | undefined = sharesDatabase
      ? new LeaderLease({
          name: controllersLease,
          leases: store.repositories.leases,
          holder: serverId,
          address: () => advertisedAddress(url),
          timing: leaseTiming(config.controllers.leaseTtlMs),
          logger,
          onBegin: () => host.begin(),
          onEnd: () => host.end(),
        })
      : undefined;
    // Budget holds are the leader's budget watcher's; a budget changed on another server wakes it.
    context.budgetHolds = host.budgetHolds();
    const app = await buildServer(context, config, {
      computeInstances: host.computeInstanceAccess(),
      jobs: { ...host.waker('job-runner'), jobsRoot },
      pipelines: host.waker('pipeline-runner'),
      sweeps: host.waker('sweep-runner'),
      schedules: host.waker('scheduler'),
      // A placement not renewed for five of the serving controller's passes (one a second) is stale: its server is gone.
      serving: host.servingAccess(servingMetrics, sharesDatabase ? { self: serverId, freshMs: 5_000 } : undefined),
      leadership: {
        isLeader: () => host.isRunning(),
        view: async () => ({
          lease: lease ? ((await store.repositories.leases.get(controllersLease)) ?? null) : null,
          server: {
            id: serverId,
            address: advertisedAddress(url),
            isLeader: host.isRunning(),
            mode: lease ? ('lease' as const) : ('single-server' as const),
          },
        }),
      },
      ...(https ? { https } : {}),
    });
    const address = await app.listen({ host: config.host, port: config.port });
    url = address.replace('[::1]', '127.0.0.1');
    // The CLI on this machine signs in with this token when local authentication is off.
    await writeOwnerToken(config.home, await issueOwnerToken(context, config.localUser));
    if (!isLoopbackHost(config.host)) onNotice(exposureWarning(config, url));
    // Wakes from the servers that do not lead reach this one's controllers while it leads.
    await host.listen();
    // A leader that stops gives its lease up and says so: a standby takes it at once instead of at its expiry.
    const released = lease
      ? await store.signals.subscribe([leaseReleasedTopic], {
          onMessage: () => void lease.tryNow(),
          onError: (error) => logger.warn({ err: error }, 'controller lease: listening for a released lease failed; connecting again'),
        })
      : undefined;
    // The first try: a server that takes the lease has its controllers running before it says it is up.
    if (lease) await lease.start();
    else await host.begin();
    return {
      app,
      url,
      store,
      artifactStore: artifacts.description,
      async close() {
        await released?.close();
        // The controllers stop first; then the lease is given up, so the next leader never overlaps them.
        if (await lease?.close())
          await store.signals
            .publish(leaseReleasedTopic)
            .catch((error: unknown) => logger.warn({ err: error }, 'controller lease: the standbys could not be told the lease is free'));
        await host.close();
        await app.close();
        await store.close();
      },
    };
  } catch (error) {
    // The start failed: that error is the one to report; a failure to close as well is only logged.
    await store.close().catch((closeError: unknown) => logger.warn({ err: closeError }, 'closing the store after a failed start'));
    throw error;
  }
}

/** This server's own address, as other machines name it: a wildcard listen address becomes the host's name. */
function advertisedAddress(url: string): string {
  return url.replace(/\/\/(0\.0\.0\.0|\[::\])(?=[:/]|$)/, `//${hostname()}`);
}

/**
 * Local authentication lets any process on this machine act as the owner without credentials;
 * on an address other machines reach, that would be anyone who can reach the port.
 */
function refuseExposedLocalAuth(config: TrellisConfig): void {
  if (config.auth.local && !isLoopbackHost(config.host))
    throw new TrellisError(
      'LocalAuthExposed',
      400,
      `refusing to listen on ${config.host} with local authentication on (anyone reaching the port would act as the owner); start with --disable-local-auth (TRELLIS_DISABLE_LOCAL_AUTH=true, or auth.local: false in config.yaml), or listen on 127.0.0.1`,
    );
}

const certificateFlag = '--tls-cert (TRELLIS_TLS_CERT)';
const keyFlag = '--tls-key (TRELLIS_TLS_KEY)';

/** Reads the PEM certificate chain and private key to serve HTTPS with, and checks that each parses and that they belong together. */
async function readTlsCredentials(files: { cert: string; key: string }): Promise<{ cert: Buffer; key: Buffer }> {
  const cert = await readTlsFile(files.cert, certificateFlag, 'a PEM certificate chain');
  const key = await readTlsFile(files.key, keyFlag, 'a PEM private key');
  const certificate = parseTlsFile(() => new X509Certificate(cert), files.cert, certificateFlag, 'a PEM certificate chain');
  const privateKey = parseTlsFile(() => createPrivateKey(key), files.key, keyFlag, 'an unencrypted PEM private key');
  if (!certificate.checkPrivateKey(privateKey))
    throw new TrellisError(
      'InvalidConfiguration',
      400,
      `${keyFlag} ${files.key} does not match ${certificateFlag} ${files.cert}, whose subject is ${certificate.subject.replaceAll('\n', ', ')}; give the private key that certificate was made for`,
    );
  return { cert, key };
}

async function readTlsFile(path: string, flag: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new TrellisError(
      'InvalidConfiguration',
      400,
      `${flag} ${path} could not be read (${(error as Error).message}); give ${what} file`,
    );
  }
}

function parseTlsFile<T>(parse: () => T, path: string, flag: string, what: string): T {
  try {
    return parse();
  } catch (error) {
    throw new TrellisError('InvalidConfiguration', 400, `${flag} ${path} is not ${what} (${(error as Error).message})`);
  }
}

/** What listening beyond loopback exposes, said once at start. */
function exposureWarning(config: TrellisConfig, url: string): string {
  const how = config.tls
    ? 'over HTTPS'
    : 'over plain HTTP (credentials cross the network in the clear: serve with --tls-cert and --tls-key)';
  const oidc = config.auth.oidc ? `OpenID Connect tokens from ${config.auth.oidc.issuer}` : 'no OpenID Connect issuer';
  return `listening on ${config.host} (${url}) ${how}: the API, the MLflow API, artifacts and scoring endpoints are reachable from other machines; they accept Trellis tokens and ${oidc}; requests must name an allowed host (allowed_hosts)`;
}
