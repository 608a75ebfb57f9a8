import { appendFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type Deployment, modelSpaceOf } from '../../core/endpoints/endpoint.js';
import { chooseRuntime } from '../../core/endpoints/runtime-choice.js';
import type { Context } from '../../services/context.js';
import { deploymentEnvironmentSpec } from '../../services/endpoints/model-environment.js';
import { buildEnvironment } from '../../services/environments/build-environment.js';
import { materializeContent } from '../../services/jobs/materialize-content.js';
import { issueDeploymentToken, revokeWorkloadToken } from '../../services/identity/workload-tokens.js';
import { materializeModel } from '../../services/jobs/materialize-model.js';
import { hasInferenceServer } from '../../serving/inference-server-check.js';
import { inferenceServerVariables } from '../../serving/inference-server-instance.js';
import { onlineInstanceSetFor, type OnlineComputeOptions } from '../../backends/kubernetes/online-compute.js';
import { clusterInstances, localInstances } from '../../serving/instance-backend.js';
import { poolSettingsFor } from '../../serving/pool-settings.js';
import type { InstanceSpec, RuntimeKind } from '../../serving/scoring-instance.js';
import type { ServingPool } from '../../serving/serving-pool.js';
import { clusterTargetOf } from './cluster-target.js';
import { deploymentFolder } from './deployment-logs.js';
import type { PayloadCollection } from './payload-collection.js';
import { type ServedDeployments, servedKey } from './served-deployments.js';

export interface ModelPreparationOptions {
  /** Where deployments' model, code and logs are written: <root>/<workspace>/<endpoint>/<deployment>/<etag>/. */
  servingRoot: string;
  environmentCache: string;
  /** The server's own URL, for MLFLOW_TRACKING_URI in workers. */
  serverUrl(): string;
  /** Variables that make clients in workers trust the server's certificate (empty over plain HTTP). */
  serverTrust?: Record<string, string>;
  /**
   * For deployments whose endpoint names a `type: kubernetes` compute: how their pods reach this
   * server (public URL) and the secret that signs their bundle URLs. Without it such deployments fail.
   */
  cluster?: Omit<OnlineComputeOptions, 'publicUrl'> & { publicUrl(): string };
}

/** The MLflow tracking URI of a workspace: the server's root for the default one, as jobs get it. */
export function workspaceTrackingUri(serverUrl: string, workspace: string): string {
  return workspace === 'default' ? serverUrl : `${serverUrl}/workspaces/${workspace}/mlflow`;
}

/**
 * Prepares each version of an online deployment that is not served yet: writes its model and
 * code, builds its environment, chooses its runtime and starts a pool of instances, which then
 * serves it (the version it replaces keeps serving until the new one is ready). A version that
 * cannot be prepared leaves its deployment Failed with the reason, and is not tried again.
 */
export class ModelPreparation {
  /** Deployments being prepared (model written, environment built) in this process, by key → etag. */
  private readonly preparing = new Map<string, string>();
  /** Preparations that failed, by key → etag, so a broken version is not retried every tick. */
  private readonly failedVersions = new Map<string, string>();
  private closed = false;

  /** `onSettled` is called when a preparation ends, either way (the loop then reconciles again). */
  constructor(
    private readonly context: Context,
    private readonly options: ModelPreparationOptions,
    private readonly served: ServedDeployments,
    private readonly payloads: PayloadCollection,
    private readonly onSettled: () => void,
  ) {}

  /** Starts preparing `deployment` when the version the store names is neither served, being prepared, nor known to fail. */
  reconcile(deployment: Deployment<'online'>): void {
    const key = servedKey(deployment);
    if (
      this.served.get(key)?.etag === deployment.etag ||
      this.preparing.get(key) === deployment.etag ||
      this.failedVersions.get(key) === deployment.etag
    )
      return;
    this.preparing.set(key, deployment.etag);
    void this.prepare(deployment).finally(() => {
      if (this.preparing.get(key) === deployment.etag) this.preparing.delete(key);
      this.onSettled();
    });
  }

  /** Preparations that finish from now on start no pool. */
  close(): void {
    this.closed = true;
  }

  /** Writes the deployment's model and code, builds its environment, and starts a pool for this version. */
  private async prepare(deployment: Deployment<'online'>): Promise<void> {
    const key = servedKey(deployment);
    const folder = deploymentFolder(this.options.servingRoot, deployment, deployment.etag);
    const logLine = async (line: string) => {
      await appendFile(join(folder, 'prepare.log'), `${new Date(this.context.clock().getTime()).toISOString()} ${line}\n`);
    };
    /** The id of the token issued for this version, revoked again if the version never serves. */
    let tokenId: string | undefined;
    try {
      await rm(folder, { recursive: true, force: true });
      await mkdir(join(folder, 'logs'), { recursive: true });
      const repositories = this.context.store.repositories;
      const lineage = deployment.lineage;
      if (!lineage.model) throw new Error('the deployment names no model');
      const { name: modelName, version: modelVersion } = lineage.model;
      const model = await repositories.resources.get({
        workspace: modelSpaceOf(deployment),
        kind: 'model',
        name: lineage.model.name,
        version: lineage.model.version,
      });
      if (!model)
        throw new Error(`model ${lineage.model.name}:${lineage.model.version} is gone; it was deleted after the deployment was made`);
      // AZUREML_MODEL_DIR holds the model by its own name, as on Azure ML (`$AZUREML_MODEL_DIR/model/...`).
      const materialized = await materializeModel(
        this.context,
        modelSpaceOf(deployment),
        model.spec.path,
        join(folder, 'azureml-models', modelName, modelVersion),
      );
      const modelDir = materialized.root;
      await logLine(`model ${lineage.model.name}:${lineage.model.version} written to ${materialized.path} (AZUREML_MODEL_DIR=${modelDir})`);
      const spec = deployment.spec;
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
        codeDir = await materializeContent(this.context.artifactsFor(deployment.workspace), codeAsset.spec.path, join(folder, 'code'));
        await logLine(`code ${lineage.code.name} (${lineage.code.digest}) written to ${codeDir}`);
      }
      const choice = chooseRuntime(await filesUnder(materialized.path), spec.code_configuration?.scoring_script);
      if ('error' in choice) throw new Error(choice.error);
      let runtime: RuntimeKind = choice.runtime;
      let python: string | undefined;
      // The version's identity: bound to the workspace with its creator's rights. With no earlier version served by this
      // process, the identity's other tokens belong to processes that are gone (a restart, a deleted deployment of this name).
      const identity = await issueDeploymentToken(this.context, deployment, !this.served.has(key));
      if (identity.token === undefined) await logLine(`identity: none; ${identity.why}`);
      tokenId = identity.token === undefined ? undefined : identity.id;
      const compute = await clusterTargetOf(this.context, deployment);
      if (compute) {
        // On a Kubernetes compute: the pods run the environment's image as it is (nothing is built here) with azmlinfsrv.
        if (runtime !== 'python-script')
          throw new Error(
            `endpoint ${deployment.endpoint} is on Kubernetes compute '${compute.name}', whose instances run Azure ML's inference server on a scoring script; this deployment is a no-code ${runtime} model: give it code_configuration with a scoring_script, or deploy it to an endpoint without compute`,
          );
        const cluster = this.options.cluster;
        if (!cluster)
          throw new Error(`this server does not serve on Kubernetes computes (no public URL and bundle secret were given to it)`);
        const environmentSpec = await deploymentEnvironmentSpec(this.context, deployment, model);
        const publicUrl = cluster.publicUrl();
        const set = onlineInstanceSetFor(
          compute,
          {
            workspace: deployment.workspace,
            endpoint: deployment.endpoint,
            deployment: deployment.name,
            version: deployment.etag,
            spec,
            image: environmentSpec.image,
            env: {
              // Pods log to the workspace's MLflow tracking URI on the public URL, as job pods do.
              MLFLOW_TRACKING_URI: workspaceTrackingUri(publicUrl, deployment.workspace),
              ...inferenceServerVariables(deployment.workspace, deployment.endpoint),
              ...(spec.environment_variables ?? {}),
              ...(identity.token === undefined ? {} : { TRELLIS_TOKEN: identity.token, MLFLOW_TRACKING_TOKEN: identity.token }),
            },
            modelFolder: relative(folder, modelDir).split('\\').join('/'),
            codeFolder: 'code',
          },
          { ...cluster, publicUrl },
        );
        runtime = 'azureml-inference-server';
        await logLine(
          `instances on Kubernetes compute ${compute.name}: Deployment ${set.id} (image ${environmentSpec.image ?? 'Azure ML inference image'}), calls to ${set.address}`,
        );
        const pool = clusterInstances(set).createPool({
          name: `${deployment.endpoint}/${deployment.name}`,
          instanceSpec: () => {
            throw new Error('instances on a Kubernetes compute are pods, not processes of this server');
          },
          settings: { ...poolSettingsFor(spec), instanceCount: deployment.instanceCount },
          log: (line) => void logLine(line),
        });
        await this.serve(deployment, pool, folder, runtime, tokenId, logLine);
        tokenId = undefined;
        return;
      }
      const env: Record<string, string> = {
        AZUREML_MODEL_DIR: modelDir,
        MLFLOW_TRACKING_URI: workspaceTrackingUri(this.options.serverUrl(), deployment.workspace),
        ...this.options.serverTrust,
        ...(spec.environment_variables ?? {}),
        ...(identity.token === undefined ? {} : { TRELLIS_TOKEN: identity.token, MLFLOW_TRACKING_TOKEN: identity.token }),
      };
      if (runtime === 'mlflow' || runtime === 'python-script') {
        const environmentSpec = await deploymentEnvironmentSpec(this.context, deployment, model);
        const built = await buildEnvironment(environmentSpec, this.options.environmentCache, logLine, this.context.logger);
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
        id: `${key}/${index}`,
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
        logger: this.context.logger,
      });
      // The instance backend seam (serving/instance-backend.ts): worker processes here; a cluster's set is the other kind.
      const pool = localInstances.createPool({
        name: `${deployment.endpoint}/${deployment.name}`,
        instanceSpec,
        settings: {
          ...poolSettingsFor(spec),
          instanceCount: deployment.instanceCount,
        },
        log: (line) => void logLine(line),
      });
      await this.serve(deployment, pool, folder, runtime, tokenId, logLine);
      // From here the token is the served version's: revoked when the version is replaced or deleted, not by a failure below.
      tokenId = undefined;
    } catch (error) {
      // The version serves nothing: the token issued for it is not needed.
      if (tokenId)
        await revokeWorkloadToken(this.context, tokenId).catch((revokeError: unknown) =>
          this.context.logger.warn(
            { err: revokeError, deployment: key },
            `model preparation: the token of the failed version of deployment ${key} was not revoked; it expires on its own`,
          ),
        );
      const reason = (error as Error).message;
      await logLine(`failed: ${reason}`).catch((logError: unknown) =>
        this.context.logger.warn(
          { err: logError, deployment: key, reason },
          `model preparation: the failure of deployment ${key} could not be written to its prepare.log (its stored reason still says it)`,
        ),
      );
      this.failedVersions.set(key, deployment.etag);
      await this.context.store.repositories.endpoints.updateDeployment(
        deployment.workspace,
        deployment.endpoint,
        deployment.name,
        { state: 'Failed', reason },
        deployment.etag,
      );
    }
  }

  /** Starts `pool` and makes it the served version of its deployment (the version it replaces serves until it is ready). */
  private async serve(
    deployment: Deployment<'online'>,
    pool: ServingPool,
    folder: string,
    runtime: RuntimeKind,
    tokenId: string | undefined,
    logLine: (line: string) => Promise<void>,
  ): Promise<void> {
    const key = servedKey(deployment);
    pool.start();
    await logLine(`${runtime} runtime, ${deployment.instanceCount} instance(s) starting`);
    if (this.closed) {
      await pool.drain(0);
      if (tokenId) await revokeWorkloadToken(this.context, tokenId);
      return;
    }
    const current = this.served.get(key);
    const previous =
      current && current.pool.status().readyInstances > 0
        ? { pool: current.pool, etag: current.etag, deployment: current.deployment, tokenId: current.tokenId }
        : current?.previous;
    if (current && previous?.pool !== current.pool) {
      void current.pool.drain();
      if (current.tokenId) await revokeWorkloadToken(this.context, current.tokenId);
    }
    this.served.set({ key, etag: deployment.etag, deployment, pool, folder, runtime, tokenId, previous });
    this.failedVersions.delete(key);
    await this.payloads
      .register(deployment)
      .catch((error: unknown) => logLine(`data collection: the data asset could not be registered: ${(error as Error).message}`));
  }
}

/** Every file under `root`, relative, with `/` separators (a file given as the root lists itself). */
async function filesUnder(root: string): Promise<string[]> {
  const info = await stat(root);
  if (info.isFile()) return [root.split('/').pop()!];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(root, join(entry.parentPath, entry.name)).split('\\').join('/'));
}
