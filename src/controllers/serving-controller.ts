import { appendFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { stringify } from 'yaml';
import { decideScale, defaultCooldownMs, type ConcurrencySample } from '../core/endpoints/autoscale.js';
import type { Deployment, Endpoint } from '../core/endpoints/endpoint.js';
import { chooseRuntime } from '../core/endpoints/runtime-choice.js';
import { applyResource } from '../services/apply-resource.js';
import type { Context } from '../services/context.js';
import { materializeModel } from '../services/jobs/materialize-model.js';
import { abandonRollout, advanceRollout } from '../services/endpoints/rollout-service.js';
import { buildEnvironment } from '../services/environments/build-environment.js';
import { deploymentEnvironmentSpec } from '../services/endpoints/model-environment.js';
import { materializeContent } from '../services/jobs/materialize-content.js';
import { DeploymentPool } from '../serving/deployment-pool.js';
import { EndpointRouter, type DeploymentTarget } from '../serving/endpoint-router.js';
import { hasInferenceServer } from '../serving/inference-server-check.js';
import { inferenceServerVariables } from '../serving/inference-server-instance.js';
import { poolSettingsFor } from '../serving/pool-settings.js';
import { PayloadCollector } from '../serving/payload-collector.js';
import { ServingMetrics } from '../serving/serving-metrics.js';
import type { InstanceSpec, RuntimeKind } from '../serving/scoring-instance.js';

/**
 * The reconcile loop of online deployments: for each deployment in the store it keeps a pool of
 * worker instances serving exactly the versions the deployment names, and keeps the router's
 * view of every endpoint in step (keys, traffic, ready deployments). An updated deployment gets a
 * new pool; the old one serves until the new one is ready, then drains (no request is dropped).
 * A model that does not load leaves its deployment Failed with the reason, and it gets no traffic.
 * target_utilization deployments are scaled on the concurrency the router sees.
 */

export interface ServingOptions {
  /** Where deployments' model, code and logs are written: <root>/<workspace>/<endpoint>/<deployment>/<etag>/. */
  servingRoot: string;
  environmentCache: string;
  tickMs: number;
  /** The server's own URL, for MLFLOW_TRACKING_URI in workers. */
  serverUrl(): string;
}

interface Served {
  key: string;
  etag: string;
  deployment: Deployment;
  pool: DeploymentPool;
  folder: string;
  runtime: RuntimeKind;
  /** The pool of the previous version, serving until `pool` is ready. */
  previous: { pool: DeploymentPool; etag: string; deployment: Deployment } | undefined;
  samples: ConcurrencySample[];
  lastScaleAt: number | undefined;
  lastPollAt: number;
  lastState: string | undefined;
}

const key = (deployment: Pick<Deployment, 'workspace' | 'endpoint' | 'name'>) =>
  `${deployment.workspace}/${deployment.endpoint}/${deployment.name}`;

export class ServingController {
  readonly router: EndpointRouter;
  readonly metrics = new ServingMetrics();
  private readonly collector: PayloadCollector;
  private readonly served = new Map<string, Served>();
  /** Deployments being prepared (model written, environment built) in this process, by key → etag. */
  private readonly preparing = new Map<string, string>();
  /** Endpoints the router has a route for, to drop the routes of deleted ones. */
  private readonly routedEndpoints = new Set<string>();
  /** Preparations that failed, by key → etag, so a broken version is not retried every tick. */
  private readonly failedVersions = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly context: Context,
    private readonly options: ServingOptions,
  ) {
    this.collector = new PayloadCollector(context.artifactsFor, {
      onError: (error) => process.stderr.write(`payload collection: ${error.message}\n`),
    });
    this.router = new EndpointRouter({ now: () => context.clock().getTime(), onRequest: this.metrics.record, collector: this.collector });
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.wake(), this.options.tickMs);
    this.timer.unref();
    this.wake();
    await this.idle();
  }

  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Reconciles now and returns when the router has the store's view (after a traffic or key change). */
  async refresh(): Promise<void> {
    await this.idle();
    this.wake();
    await this.idle();
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.collector.flush();
    if (this.timer) clearInterval(this.timer);
    await this.idle();
    await Promise.all([...this.served.values()].flatMap((served) => [served.pool.drain(2_000), served.previous?.pool.drain(2_000)]));
    this.served.clear();
  }

  /**
   * The log files of a deployment (`get-logs`): the preparation log and instance logs of the
   * version the store names (also when it failed before any instance started), then those of the
   * version still serving, when that is an older one.
   */
  async logFilesOf(deployment: Pick<Deployment, 'workspace' | 'endpoint' | 'name' | 'etag'>): Promise<string[]> {
    const folders = [this.folderOf(deployment, deployment.etag)];
    const served = this.served.get(key(deployment));
    if (served && served.folder !== folders[0]) folders.push(served.folder);
    const files: string[] = [];
    for (const folder of folders) {
      const instanceLogs = await readdir(join(folder, 'logs')).catch(() => [] as string[]);
      files.push(
        join(folder, 'prepare.log'),
        ...instanceLogs
          .filter((name) => name.endsWith('.log'))
          .sort(byInstanceNumber)
          .map((name) => join(folder, 'logs', name)),
      );
    }
    return files;
  }

  private folderOf(deployment: Pick<Deployment, 'workspace' | 'endpoint' | 'name'>, etag: string): string {
    return join(this.options.servingRoot, deployment.workspace, deployment.endpoint, deployment.name, etag);
  }

  /** Where a deployment stands in this process (for `show`): instances, readiness, why not ready. */
  statusOf(workspace: string, endpoint: string, deployment: string) {
    return this.served.get(`${workspace}/${endpoint}/${deployment}`)?.pool.status();
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.reconcile();
      } catch (error) {
        process.stderr.write(`serving controller: ${(error as Error).stack ?? String(error)}\n`);
      }
    } while (this.again && !this.closed);
  }

  private async reconcile(): Promise<void> {
    const repositories = this.context.store.repositories;
    // Rollouts first: a step's new traffic is then published in this same pass.
    for (const rollout of await repositories.endpoints.activeRollouts()) {
      const now = this.context.clock().getTime();
      await advanceRollout(this.context, rollout, (deployment, windowMs) =>
        this.router.stats.snapshot(`${rollout.workspace}/${rollout.endpoint}/${deployment}`, windowMs, now),
      ).catch((error: unknown) => abandonRollout(this.context, rollout, (error as Error).message).catch(() => undefined));
    }
    const endpoints = await repositories.endpoints.allEndpoints();
    // Batch deployments run as jobs (services/endpoints/batch-service.ts): nothing to serve.
    const online = new Set(
      endpoints.filter((endpoint) => endpoint.type === 'online').map((endpoint) => `${endpoint.workspace}/${endpoint.name}`),
    );
    const deployments = (await repositories.endpoints.allDeployments()).filter((deployment) =>
      online.has(`${deployment.workspace}/${deployment.endpoint}`),
    );
    const wanted = new Set(deployments.map(key));

    for (const deployment of deployments) {
      const served = this.served.get(key(deployment));
      const isCurrent = served?.etag === deployment.etag;
      if (
        !isCurrent &&
        this.preparing.get(key(deployment)) !== deployment.etag &&
        this.failedVersions.get(key(deployment)) !== deployment.etag
      ) {
        this.preparing.set(key(deployment), deployment.etag);
        void this.prepare(deployment).finally(() => {
          if (this.preparing.get(key(deployment)) === deployment.etag) this.preparing.delete(key(deployment));
          this.wake();
        });
      }
      if (served) await this.follow(served, deployment);
    }
    // Deployments deleted (or whose endpoint was): stop serving them.
    for (const [name, served] of this.served) {
      if (wanted.has(name)) continue;
      this.served.delete(name);
      void served.pool.drain();
      void served.previous?.pool.drain();
    }
    for (const endpoint of endpoints.filter((candidate) => candidate.type === 'online')) await this.publish(endpoint, deployments);
    for (const routeKey of this.routedEndpoints) {
      if (!endpoints.some((endpoint) => `${endpoint.workspace}/${endpoint.name}` === routeKey)) {
        const [workspace, name] = routeKey.split('/') as [string, string];
        this.router.removeRoute(workspace, name);
        this.routedEndpoints.delete(routeKey);
      }
    }
  }

  /** Gives the router the endpoint's keys, traffic, the deployments that can answer, and why the others cannot. */
  private async publish(endpoint: Endpoint, deployments: Deployment[]): Promise<void> {
    const secrets = await this.context.store.repositories.endpoints.getSecrets(endpoint.workspace, endpoint.name);
    if (!secrets) return;
    const targets: DeploymentTarget[] = [];
    for (const published of this.served.values()) {
      if (published.deployment.workspace !== endpoint.workspace || published.deployment.endpoint !== endpoint.name) continue;
      // The version that answers is looked up per call, not fixed here: when a new version becomes
      // ready, follow() retires the previous one before this route is published again, and calls
      // in between must reach the new one, not the draining one.
      const servedKey = published.key;
      const answering = () => answeringVersion(this.served.get(servedKey) ?? published);
      targets.push({
        name: published.deployment.name,
        get lineage() {
          return answering().deployment.lineage;
        },
        call: (call) => answering().pool.call(call),
        isReady: () => answering().pool.readyInstances().length > 0,
        collection: collectionOf(published.deployment),
      });
    }
    const unavailable = new Map<string, string>();
    for (const deployment of deployments) {
      if (deployment.workspace !== endpoint.workspace || deployment.endpoint !== endpoint.name || this.served.has(key(deployment)))
        continue;
      unavailable.set(
        deployment.name,
        deployment.state === 'Failed'
          ? `it is Failed: ${deployment.reason ?? 'no reason recorded'}`
          : `it is ${deployment.state} (${deployment.reason ?? 'being prepared'})`,
      );
    }
    this.router.setRoute(endpoint, secrets, targets, unavailable);
    this.routedEndpoints.add(`${endpoint.workspace}/${endpoint.name}`);
  }

  /** Writes the deployment's model and code, builds its environment, and starts a pool for this version. */
  private async prepare(deployment: Deployment): Promise<void> {
    const folder = this.folderOf(deployment, deployment.etag);
    const logLine = async (line: string) => {
      await appendFile(join(folder, 'prepare.log'), `${new Date(this.context.clock().getTime()).toISOString()} ${line}\n`);
    };
    try {
      await rm(folder, { recursive: true, force: true });
      await mkdir(join(folder, 'logs'), { recursive: true });
      const repositories = this.context.store.repositories;
      const lineage = deployment.lineage;
      if (!lineage.model) throw new Error('the deployment names no model');
      const { name: modelName, version: modelVersion } = lineage.model;
      const model = await repositories.resources.get({
        workspace: deployment.workspace,
        kind: 'model',
        name: lineage.model.name,
        version: lineage.model.version,
      });
      if (!model)
        throw new Error(`model ${lineage.model.name}:${lineage.model.version} is gone; it was deleted after the deployment was made`);
      // AZUREML_MODEL_DIR holds the model by its own name, as on Azure ML (`$AZUREML_MODEL_DIR/model/...`).
      const materialized = await materializeModel(
        this.context,
        deployment.workspace,
        String(model.spec.path),
        join(folder, 'azureml-models', modelName, modelVersion),
      );
      const modelDir = materialized.root;
      await logLine(`model ${lineage.model.name}:${lineage.model.version} written to ${materialized.path} (AZUREML_MODEL_DIR=${modelDir})`);
      const spec = deployment.spec as {
        code_configuration?: { code?: string; scoring_script?: string };
        environment?: unknown;
        environment_variables?: Record<string, string>;
      };
      let codeDir: string | undefined;
      if (lineage.code) {
        const codeAsset = (
          await repositories.resources.list({
            workspace: deployment.workspace,
            kind: 'code',
            tags: [],
            limit: 1,
            name: lineage.code.name,
            latestOnly: true,
          })
        ).items[0];
        if (!codeAsset) throw new Error(`code ${lineage.code.name} is gone`);
        codeDir = await materializeContent(
          this.context.artifactsFor(deployment.workspace),
          String(codeAsset.spec.path),
          join(folder, 'code'),
        );
        await logLine(`code ${lineage.code.name} (${lineage.code.digest}) written to ${codeDir}`);
      }
      const choice = chooseRuntime(await filesUnder(materialized.path), spec.code_configuration?.scoring_script);
      if ('error' in choice) throw new Error(choice.error);
      let runtime: RuntimeKind = choice.runtime;
      let python: string | undefined;
      const env: Record<string, string> = {
        AZUREML_MODEL_DIR: modelDir,
        MLFLOW_TRACKING_URI: this.options.serverUrl(),
        ...(spec.environment_variables ?? {}),
      };
      if (runtime === 'mlflow' || runtime === 'python-script') {
        const environmentSpec = await deploymentEnvironmentSpec(this.context, deployment, model);
        const built = await buildEnvironment(environmentSpec, this.options.environmentCache, logLine);
        if (built.binDir) {
          python = join(built.binDir, 'python');
          env.PATH = `${built.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`;
          if (built.envDir) env.VIRTUAL_ENV = built.envDir;
        } else python = 'python3';
      }
      // A Python scoring script is served by Azure ML's own server (azmlinfsrv) where its environment has it.
      if (runtime === 'python-script' && (await hasInferenceServer(python ?? 'python3'))) runtime = 'azureml-inference-server';
      const instanceEnv =
        runtime === 'azureml-inference-server' ? { ...inferenceServerVariables(deployment.workspace, deployment.endpoint), ...env } : env;
      const instanceSpec = (index: number): InstanceSpec => ({
        id: `${key(deployment)}/${index}`,
        runtime,
        modelDir,
        modelPath: materialized.path,
        codeDir,
        scoringScript: spec.code_configuration?.scoring_script,
        python,
        env: instanceEnv,
        logFile: join(folder, 'logs', `instance-${index}.log`),
        // v2 answers (model_name, versions) name what is served, as x-trellis-model does.
        modelName,
        modelVersion,
      });
      const pool = new DeploymentPool({
        name: `${deployment.endpoint}/${deployment.name}`,
        instanceSpec,
        settings: {
          ...poolSettingsFor(deployment.spec as unknown as Parameters<typeof poolSettingsFor>[0]),
          instanceCount: deployment.instanceCount,
        },
        log: (line) => void logLine(line),
      });
      pool.start();
      await logLine(`${runtime} runtime, ${deployment.instanceCount} instance(s) starting`);
      if (this.closed) {
        await pool.drain(0);
        return;
      }
      const current = this.served.get(key(deployment));
      const previous =
        current && current.pool.status().readyInstances > 0
          ? { pool: current.pool, etag: current.etag, deployment: current.deployment }
          : current?.previous;
      if (current && previous?.pool !== current.pool) void current.pool.drain();
      this.served.set(key(deployment), {
        key: key(deployment),
        etag: deployment.etag,
        deployment,
        pool,
        folder,
        runtime,
        previous,
        samples: [],
        lastScaleAt: undefined,
        lastPollAt: 0,
        lastState: undefined,
      });
      this.failedVersions.delete(key(deployment));
      await registerCollections(this.context, deployment).catch((error: unknown) =>
        logLine(`data collection: the data asset could not be registered: ${(error as Error).message}`),
      );
    } catch (error) {
      const reason = (error as Error).message;
      await logLine(`failed: ${reason}`).catch(() => undefined);
      this.failedVersions.set(key(deployment), deployment.etag);
      await this.context.store.repositories.endpoints.updateDeployment(
        deployment.workspace,
        deployment.endpoint,
        deployment.name,
        { state: 'Failed', reason },
        deployment.etag,
      );
    }
  }

  /** Moves the stored state along with the pool's, retires the previous version once the new one is ready, and autoscales. */
  private async follow(served: Served, deployment: Deployment): Promise<void> {
    const status = served.pool.status();
    const labels = { workspace: deployment.workspace, endpoint: deployment.endpoint, deployment: deployment.name };
    this.metrics.instances.set({ ...labels, state: 'ready' }, status.readyInstances);
    this.metrics.instances.set({ ...labels, state: 'desired' }, status.desiredInstances);
    this.metrics.inFlight.set(labels, status.inFlight + status.queued);
    if (served.previous && status.readyInstances > 0) {
      void served.previous.pool.drain();
      served.previous = undefined;
    }
    const state =
      status.state === 'ready' || (status.readyInstances > 0 && status.state === 'degraded')
        ? 'Succeeded'
        : status.state === 'failed'
          ? 'Failed'
          : undefined;
    const reason =
      state === 'Succeeded' ? (status.readyInstances < status.desiredInstances ? (status.reason ?? null) : null) : (status.reason ?? null);
    if (served.etag === deployment.etag && state && (deployment.state !== state || deployment.reason !== reason)) {
      await this.context.store.repositories.endpoints.updateDeployment(
        deployment.workspace,
        deployment.endpoint,
        deployment.name,
        { state, reason },
        deployment.etag,
      );
      served.deployment = { ...deployment, state, reason };
    }
    await this.autoscale(served, deployment);
  }

  private async autoscale(served: Served, deployment: Deployment): Promise<void> {
    const scale = (
      deployment.spec as {
        scale_settings?: {
          type?: string;
          min_instances?: number;
          max_instances?: number;
          target_utilization_percentage?: number;
          polling_interval?: number;
        };
      }
    ).scale_settings;
    if (scale?.type !== 'target_utilization' || served.etag !== deployment.etag) return;
    const now = this.context.clock().getTime();
    const status = served.pool.status();
    served.samples.push({ at: now, inFlight: status.inFlight, queued: status.queued });
    const pollingMs = (scale.polling_interval ?? 1) * 1000;
    served.samples = served.samples.filter((sample) => sample.at > now - pollingMs);
    if (now - served.lastPollAt < pollingMs && status.queued === 0) return;
    served.lastPollAt = now;
    const maxConcurrent =
      (deployment.spec as { request_settings?: { max_concurrent_requests_per_instance?: number } }).request_settings
        ?.max_concurrent_requests_per_instance ?? 1;
    const decision = decideScale({
      now,
      current: status.desiredInstances,
      ready: status.readyInstances,
      min: scale.min_instances ?? 1,
      max: scale.max_instances ?? 1,
      targetUtilizationPercent: scale.target_utilization_percentage ?? 70,
      maxConcurrentPerInstance: maxConcurrent,
      samples: served.samples,
      lastScaleAt: served.lastScaleAt,
      cooldownMs: defaultCooldownMs(pollingMs),
      queueWaitingMs: status.queued > 0 ? 1 : 0,
    });
    if (decision.desired === status.desiredInstances) return;
    served.lastScaleAt = now;
    void served.pool.scaleTo(decision.desired);
    await this.context.store.repositories.endpoints.updateDeployment(
      deployment.workspace,
      deployment.endpoint,
      deployment.name,
      { instanceCount: decision.desired, reason: `autoscale: ${decision.reason}` },
      deployment.etag,
    );
  }
}

/** Until the new version of a deployment has a ready instance, the previous one answers. */
function answeringVersion(served: Served): { pool: DeploymentPool; deployment: Deployment } {
  return served.previous && served.pool.readyInstances().length === 0 ? served.previous : served;
}

/** instance-2.log before instance-10.log. */
function byInstanceNumber(a: string, b: string): number {
  return (Number(/(\d+)/.exec(a)?.[1]) || 0) - (Number(/(\d+)/.exec(b)?.[1]) || 0) || a.localeCompare(b);
}

/** Every file under `root`, relative, with `/` separators (a file given as the root lists itself). */
async function filesUnder(root: string): Promise<string[]> {
  const info = await stat(root);
  if (info.isFile()) return [root.split('/').pop()!];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(root, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

/** A deployment's data_collector as the router uses it; undefined when it collects nothing. */
function collectionOf(deployment: Deployment): DeploymentTarget['collection'] {
  const collector = (
    deployment.spec as { data_collector?: { collections?: Record<string, { enabled?: boolean }>; sampling_rate?: number } }
  ).data_collector;
  const inputs = collector?.collections?.model_inputs?.enabled === true;
  const outputs = collector?.collections?.model_outputs?.enabled === true;
  if (!inputs && !outputs) return undefined;
  return { inputs, outputs, samplingRate: collector?.sampling_rate ?? 1 };
}

/**
 * Each enabled collection is a uri_folder data asset (`<endpoint>-<deployment>-<collection>`, as
 * Azure ML names them) over its folder in the workspace's artifact store, made once.
 */
async function registerCollections(context: Context, deployment: Deployment): Promise<void> {
  const collection = collectionOf(deployment);
  if (!collection) return;
  const names = [...(collection.inputs ? ['model_inputs'] : []), ...(collection.outputs ? ['model_outputs'] : [])];
  for (const name of names) {
    const asset = `${deployment.endpoint}-${deployment.name}-${name}`;
    const text = stringify({
      name: asset,
      version: '1',
      type: 'uri_folder',
      path: `azureml://datastores/workspaceartifactstore/paths/${PayloadCollector.folderOf(deployment.endpoint, deployment.name, name)}/`,
      description: `${name} sampled from online deployment ${deployment.endpoint}/${deployment.name} (JSON lines, one folder per hour)`,
    });
    await applyResource(
      context,
      { actor: 'system:serving', requestId: null },
      {
        workspace: deployment.workspace,
        fileName: `data collection of ${deployment.endpoint}/${deployment.name}`,
        text,
        expectedKind: 'data',
        uploads: {},
        inlined: {},
        dryRun: false,
      },
    );
  }
}
