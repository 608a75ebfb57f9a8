import { join } from 'node:path';
import {
  activityOf,
  assignedUserOf,
  assigneeActorOf,
  idleShutdownMs,
  instanceEnvironment,
  type InstanceStatus,
  isIdleTooLong,
  labPathOf,
  readInstanceStatus,
  scheduledAction,
} from '../core/compute/compute-instance.js';
import { computeSpecOf, isComputeOfType } from '../core/compute/compute-spec.js';
import type { Context } from '../services/context.js';
import { buildEnvironment } from '../services/environments/build-environment.js';
import { issueInstanceToken, revokeInstanceTokens } from '../services/identity/workload-tokens.js';
import type { StoredResource } from '../store/resource-from-row.js';
import { JupyterLabProcess, type LabTarget } from './compute-instances/jupyter-lab-process.js';
import { writeTrellisShim } from './compute-instances/trellis-cli-shim.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { realTimers, type Timers } from './timers.js';

export interface ComputeInstanceControllerOptions {
  /** Where each instance keeps its notebooks and jupyter.log: `<root>/<workspace>/<name>/`. */
  instancesRoot: string;
  /** The environment cache (TRELLIS_ENV_CACHE): the JupyterLab environment is built once and reused. */
  environmentCache: string;
  /** How often instances are checked: schedules and idleness are noticed within this long. */
  tickMs: number;
  /** This server's URL, as the notebooks reach it (MLFLOW_TRACKING_URI, TRELLIS_URL). */
  serverUrl: () => string;
  /** MLFLOW_TRACKING_SERVER_CERT_PATH and TRELLIS_CA_FILE when the server serves TLS. */
  serverTrust: Record<string, string>;
  timers?: Timers;
}

type Instance = StoredResource<'compute'>;

/**
 * Runs compute instances: JupyterLab for the assigned user while the instance should run (created,
 * `trellis compute start`, a schedule's start), stopped when asked, on a schedule's stop, or idle past
 * `idle_time_before_shutdown`. Level-triggered: each pass compares the desired state in the
 * compute's status with the processes it holds, so a restarted server starts again what should run.
 */
export class ComputeInstanceController {
  private readonly loop: ReconcileLoop;
  private readonly running = new Map<string, JupyterLabProcess>();
  /** Starts in flight (the environment build can take a minute): a pass does not wait for them. */
  private readonly starting = new Set<string>();
  /** Schedules applied up to here, per instance: kept in memory, and stored with the next status write (not one write per tick). */
  private readonly scheduleCheckpoints = new Map<string, number>();

  constructor(
    private readonly context: Context,
    private readonly options: ComputeInstanceControllerOptions,
  ) {
    this.loop = new ReconcileLoop({
      name: 'compute instances',
      reconcile: () => this.reconcile(),
      intervalMs: options.tickMs,
      timers: options.timers ?? realTimers,
      logger: context.logger,
    });
  }

  /** Where the proxy sends an instance's requests; undefined while it does not run. */
  targetOf(workspace: string, name: string): LabTarget | undefined {
    const lab = this.running.get(keyOf(workspace, name));
    return lab?.isAlive ? lab.target : undefined;
  }

  start(): void {
    this.loop.start();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Stops the loop and every JupyterLab; their desired state stays, so the next server starts them again. */
  async close(): Promise<void> {
    await this.loop.close();
    await Promise.all([...this.running.values()].map((lab) => lab.stop()));
    this.running.clear();
  }

  private async reconcile(): Promise<boolean> {
    const seen = new Set<string>();
    for (const workspace of await this.workspaceNames()) {
      const computes = await this.context.store.repositories.resources.listAll(workspace, 'compute');
      for (const compute of computes.filter((resource) => isComputeOfType(resource.spec, 'computeinstance'))) {
        seen.add(keyOf(compute.workspace, compute.name));
        try {
          await this.reconcileOne(compute);
        } catch (error) {
          // One instance's failure (its status write lost a race, Jupyter not answering) must not hold up the others.
          this.context.logger.error({ err: error, compute: compute.name }, 'compute instances: an instance could not be reconciled');
        }
      }
    }
    // Deleted instances: their JupyterLab stops and their token dies.
    for (const [key, lab] of this.running) {
      if (seen.has(key)) continue;
      this.running.delete(key);
      this.scheduleCheckpoints.delete(key);
      await lab.stop();
      const [workspace = '', name = ''] = key.split('/');
      await revokeInstanceTokens(this.context, workspace, name);
    }
    return this.running.size + this.starting.size > 0;
  }

  private async reconcileOne(compute: Instance): Promise<void> {
    const spec = computeSpecOf(compute, 'computeinstance');
    const key = keyOf(compute.workspace, compute.name);
    const now = this.context.clock().getTime();
    const status = readInstanceStatus(compute.status);
    const changes: Partial<InstanceStatus> = {};

    // Schedules: the last start or stop that fired since the last pass decides.
    const createdAt = Date.parse(compute.createdAt);
    const checkedAt = this.scheduleCheckpoints.get(key) ?? status.scheduleCheckedAt ?? createdAt;
    const action = scheduledAction(spec, checkedAt, now, createdAt);
    this.scheduleCheckpoints.set(key, now);
    if (action !== undefined) {
      changes.desiredState = action === 'start' ? 'Running' : 'Stopped';
      if (action === 'stop') changes.reason = 'stopped by its schedule';
    }
    const desired = changes.desiredState ?? status.desiredState;
    let lab = this.running.get(key);

    if (lab && !lab.isAlive) {
      this.running.delete(key);
      lab = undefined;
      if (desired === 'Running')
        Object.assign(changes, {
          state: 'Failed',
          labUrl: null,
          reason: 'JupyterLab exited; start it again with: trellis compute restart',
        });
    }
    if (lab && desired === 'Running' && status.restartRequestedAt !== null && status.restartRequestedAt > (status.startedAt ?? 0)) {
      // A restart: stop now; the start below (this pass) brings it back with a fresh token.
      await this.stopLab(compute, lab);
      lab = undefined;
    }
    if (lab && desired === 'Running') {
      const activity = activityOf(await lab.activity());
      if (activity.lastActivity !== undefined && activity.lastActivity !== status.lastActivity)
        changes.lastActivity = activity.lastActivity;
      const idleMs = idleShutdownMs(spec);
      if (isIdleTooLong(idleMs, activity, status.startedAt ?? now, now)) {
        changes.desiredState = 'Stopped';
        changes.reason = `idle for ${spec.idle_time_before_shutdown ?? `${spec.idle_time_before_shutdown_minutes} minutes`} (no kernel or terminal activity)`;
      }
    }
    if ((changes.desiredState ?? desired) === 'Stopped') {
      if (lab) {
        await this.writeStatus(compute, { ...changes, state: 'Stopping' });
        await this.stopLab(compute, lab);
      }
      if (status.state !== 'Stopped' || lab) Object.assign(changes, { state: 'Stopped', labUrl: null, startedAt: null });
    } else if (!lab && !this.starting.has(key) && (changes.state ?? status.state) !== 'Failed') {
      // Written before the start begins, so the start's own 'Running' always lands after it.
      await this.writeStatus(compute, { ...changes, state: 'Starting', scheduleCheckedAt: now });
      this.starting.add(key);
      // In the background: a pass never waits for an environment build; the next pass sees the result.
      void this.startLab(compute)
        .catch(async (error: unknown) => {
          this.context.logger.error({ err: error, compute: compute.name }, 'compute instances: JupyterLab did not start');
          await this.writeStatus(compute, { state: 'Failed', reason: (error as Error).message, labUrl: null });
        })
        .catch((error: unknown) => this.context.logger.error({ err: error }, 'compute instances: a status write failed'))
        .finally(() => {
          this.starting.delete(key);
          this.loop.wake();
        });
      return;
    }
    if (Object.keys(changes).length > 0) changes.scheduleCheckedAt = now;
    await this.writeStatus(compute, changes);
  }

  private async workspaceNames(): Promise<string[]> {
    const names: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.context.store.repositories.workspaces.list(500, pageToken);
      names.push(...page.items.map((workspace) => workspace.name));
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken !== undefined);
    return names;
  }

  private async startLab(compute: Instance): Promise<void> {
    const spec = computeSpecOf(compute, 'computeinstance');
    const assignedUser = assignedUserOf(spec, compute.createdBy) ?? null;
    const built = await buildEnvironment(instanceEnvironment, this.options.environmentCache, async () => {}, this.context.logger);
    if (built.binDir === undefined) throw new Error('the compute instance environment was not built into a virtualenv');
    const url = this.options.serverUrl();
    const tracking = compute.workspace === 'default' ? url : `${url}/workspaces/${compute.workspace}/mlflow`;
    const onBehalfOf = spec.create_on_behalf_of?.user_object_id;
    const principal = onBehalfOf ? await this.context.store.repositories.identity.getPrincipal(onBehalfOf) : undefined;
    const assignee = assigneeActorOf(spec, compute.createdBy, principal?.kind === 'servicePrincipal' ? 'servicePrincipal' : 'user');
    const issued = await issueInstanceToken(this.context, { ...compute, assignee });
    if (issued.token === undefined)
      this.context.logger.warn({ compute: compute.name, why: issued.why }, 'compute instances: no token for MLflow and the CLI');
    const token = issued.token;
    const env: Record<string, string> = {
      ...this.options.serverTrust,
      MLFLOW_TRACKING_URI: tracking,
      TRELLIS_URL: url,
      TRELLIS_WORKSPACE: compute.workspace,
      // The CLI's own config and files in the instance, never the server's home (and its owner token).
      TRELLIS_HOME: join(this.options.instancesRoot, compute.workspace, compute.name, 'trellis-home'),
      ...(token !== undefined ? { MLFLOW_TRACKING_TOKEN: token, TRELLIS_TOKEN: token } : {}),
    };
    const instanceDir = join(this.options.instancesRoot, compute.workspace, compute.name);
    // The trellis CLI, pre-configured by the environment above, as Azure's instances carry the az ml CLI.
    const toolsDir = join(instanceDir, 'bin');
    if (!(await writeTrellisShim(toolsDir)))
      this.context.logger.warn({ compute: compute.name }, 'compute instances: the trellis CLI was not found; notebooks run without it');
    const basePath = labPathOf(compute.workspace, compute.name);
    const lab = await JupyterLabProcess.start({
      binDir: built.binDir,
      toolDirs: [toolsDir],
      rootDir: join(instanceDir, 'files'),
      basePath,
      env,
      readyTimeoutMs: 120_000,
    });
    this.running.set(keyOf(compute.workspace, compute.name), lab);
    const now = this.context.clock().getTime();
    await this.writeStatus(compute, {
      state: 'Running',
      labUrl: `${url}${basePath}`,
      assignedUser,
      startedAt: now,
      lastActivity: now,
      reason: null,
    });
  }

  private async stopLab(compute: Instance, lab: JupyterLabProcess): Promise<void> {
    this.running.delete(keyOf(compute.workspace, compute.name));
    await lab.stop();
    await revokeInstanceTokens(this.context, compute.workspace, compute.name);
  }

  /** Merges `changes` into the compute's stored status (read again: the start may have written since). */
  private async writeStatus(compute: Instance, changes: Partial<InstanceStatus>): Promise<void> {
    if (Object.keys(changes).length === 0) return;
    const key = { workspace: compute.workspace, kind: 'compute' as const, name: compute.name, version: null };
    const current = await this.context.store.repositories.resources.get(key);
    if (!current) return;
    await this.context.store.repositories.resources.update(
      key,
      { status: { ...current.status, ...changes } },
      this.context.clock().toISOString(),
    );
  }
}

function keyOf(workspace: string, name: string): string {
  return `${workspace}/${name}`;
}
