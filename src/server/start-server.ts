import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildServer, type TrellisServer } from '../api/server.js';
import { loadAttemptSecret } from '../backends/kubernetes/attempt-token.js';
import { createKubernetesComputes } from '../backends/kubernetes/kubernetes-compute.js';
import { LocalBackend } from '../backends/local/local-backend.js';
import { createSlurmComputes } from '../backends/slurm/slurm-compute.js';
import { BudgetWatcher } from '../controllers/budget-watcher.js';
import { ComputeInstanceController } from '../controllers/compute-instance-controller.js';
import { JobRunner } from '../controllers/job-runner.js';
import { PipelineRunner } from '../controllers/pipeline-runner.js';
import { SweepRunner } from '../controllers/sweep-runner.js';
import { AlertmanagerClient } from '../services/monitoring/alertmanager-client.js';
import { MonitorMetrics } from '../services/monitoring/monitor-metrics.js';
import { serverMonitorObservers } from '../services/monitoring/server-monitor-observers.js';
import { ScheduleRunner } from '../controllers/schedule-runner.js';
import { ServingController } from '../controllers/serving-controller.js';
import { isLoopbackHost, type TrellisConfig } from '../config/config.js';
import { TrellisError } from '../core/errors.js';
import type { Context } from '../services/context.js';
import { ensureOwner, issueOwnerToken } from '../services/identity/owner-bootstrap.js';
import { revokeOrphanedWorkloadTokens } from '../services/identity/workload-tokens.js';
import { ensureDefaultWorkspace } from '../services/workspace-service.js';
import { writeOwnerToken } from '../config/owner-token-file.js';
import { serverTrustVariables } from '../config/server-trust.js';
import { makeNewFilesPrivate, secureDataDirectory } from './data-directory.js';
import { openWorkspaceArtifacts } from './workspace-artifacts.js';
import { Store } from '../store/store.js';

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
    let wakeRunner = () => {};
    const local = new LocalBackend({ onProcessExit: () => wakeRunner(), logger });
    const slurm = createSlurmComputes({ graceSeconds: config.jobs.graceSeconds });
    // Pods download their attempt's folder from this server and send results back, with tokens signed by this secret.
    const kubernetes = createKubernetesComputes({
      publicUrl: () => config.publicUrl ?? url,
      secret: await loadAttemptSecret(config.home),
      logger,
    });
    const orphans = slurm.byHandle(kubernetes.byHandle(local));
    // The pipeline runner is made after the job runner, which wakes it when a step's job ends.
    let wakePipelines = () => {};
    let wakeSweeps = () => {};
    let wakeBudgets = () => {};
    const runner = new JobRunner(context, {
      jobsRoot,
      ...config.jobs,
      // Jobs log to their workspace's MLflow tracking URI on this server, as on Azure ML.
      trackingUriFor: (workspace) => (workspace === 'default' ? url : `${url}/workspaces/${workspace}/mlflow`),
      serverTrust: serverTrustVariables(config),
      onJobEnded: (job) => {
        // A job's cost is final when it ends: budgets are measured again.
        wakeBudgets();
        if (job.tags['trellis.pipeline'] !== undefined) wakePipelines();
        if (job.tags['trellis.sweep'] !== undefined) wakeSweeps();
      },
      backendFor: (compute) => {
        // A deleted compute's running attempts are still polled and stopped, by their handle.
        if (!compute) return orphans;
        const type = compute.spec.type;
        if (type === 'slurm') return slurm.backendFor(compute);
        if (type === 'kubernetes') return kubernetes.backendFor(compute);
        return type === 'amlcompute' || type === 'computeinstance' ? local : undefined;
      },
    });
    wakeRunner = () => runner.wake();
    const pipelines = new PipelineRunner(context, {
      tickMs: config.jobs.tickMs,
      wakeJobs: () => runner.wake(),
      wakeSweeps: () => wakeSweeps(),
    });
    wakePipelines = () => pipelines.wake();
    const sweeps = new SweepRunner(context, {
      tickMs: config.jobs.tickMs,
      wakeJobs: () => runner.wake(),
      // A pipeline's sweep step ended: the steps after it may go on.
      onSweepEnded: (sweep) => {
        if (sweep.tags['trellis.pipeline'] !== undefined) pipelines.wake();
      },
    });
    wakeSweeps = () => sweeps.wake();
    const schedules = new ScheduleRunner(context, {
      tickMs: config.schedules.tickMs,
      wakeRunners: () => {
        runner.wake();
        pipelines.wake();
      },
    });
    const serving = new ServingController(context, {
      servingRoot: join(config.home, 'serving'),
      environmentCache: config.jobs.environmentCache,
      tickMs: 1000,
      serverUrl: () => url,
      serverTrust: serverTrustVariables(config),
    });
    // Monitor runs: their values as gauges on the serving /metrics, their breaches to Alertmanager when one is configured.
    const monitorMetrics = new MonitorMetrics(serving.metrics.registry);
    for (const run of await store.repositories.monitors.latestRuns()) monitorMetrics.record(run);
    const alertmanagerUrl = config.alerting.alertmanagerUrl;
    context.monitorObservers = serverMonitorObservers({
      metrics: monitorMetrics,
      alertmanager: alertmanagerUrl ? new AlertmanagerClient({ url: alertmanagerUrl }) : undefined,
      publicUrl: () => url,
      logger,
      now: () => context.clock().getTime(),
    });
    // Budgets: thresholds alerted once a month (Alertmanager, a budget's webhook); enforcing ones spent hold new jobs queued.
    const budgets = new BudgetWatcher(context, {
      tickMs: config.budgets.tickMs,
      priceList: config.prices,
      alerts: {
        alertmanager: alertmanagerUrl ? new AlertmanagerClient({ url: alertmanagerUrl }) : undefined,
        publicUrl: () => config.publicUrl ?? url,
      },
      wakeJobs: () => runner.wake(),
    });
    context.budgetHolds = budgets;
    wakeBudgets = () => budgets.wake();
    // Compute instances: JupyterLab per instance, for its assigned user, reached through this server.
    const computeInstances = new ComputeInstanceController(context, {
      instancesRoot: join(config.home, 'compute-instances'),
      environmentCache: config.jobs.environmentCache,
      tickMs: config.computeInstances.tickMs,
      serverUrl: () => url,
      serverTrust: serverTrustVariables(config),
    });
    const app = await buildServer(context, config, {
      computeInstances,
      jobs: { wake: () => runner.wake(), jobsRoot },
      pipelines: { wake: () => pipelines.wake() },
      sweeps: { wake: () => sweeps.wake() },
      schedules: { wake: () => schedules.wake() },
      serving,
      ...(https ? { https } : {}),
    });
    const address = await app.listen({ host: config.host, port: config.port });
    url = address.replace('[::1]', '127.0.0.1');
    // The CLI on this machine signs in with this token when local authentication is off.
    await writeOwnerToken(config.home, await issueOwnerToken(context, config.localUser));
    if (!isLoopbackHost(config.host)) onNotice(exposureWarning(config, url));
    // Before the runner's first pass: a workspace whose enforcing budget was spent before a restart keeps its jobs queued.
    await budgets.measureAll();
    await runner.start();
    budgets.start();
    pipelines.start();
    sweeps.start();
    // After the runners: the slots missed while no server ran fire on this first pass.
    schedules.start();
    await serving.start();
    computeInstances.start();
    return {
      app,
      url,
      store,
      artifactStore: artifacts.description,
      async close() {
        await schedules.close();
        await pipelines.close();
        await sweeps.close();
        await runner.close();
        await budgets.close();
        await serving.close();
        await computeInstances.close();
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
