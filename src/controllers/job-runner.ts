import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { ComputeBackend } from '../backends/compute-backend.js';
import type { JobSettings } from '../config/config.js';
import { decide, type ClusterShape, type NodeState, type QueuedJob } from '../core/compute/cluster-scheduler.js';
import { drawEvictions } from '../core/compute/simulated-eviction.js';
import { findSku } from '../core/compute/sku-catalogue.js';
import { quotaFor, quotaRoom } from '../core/compute/workspace-quota.js';
import type { Job } from '../core/jobs/job.js';
import { transition, type JobEvent as LifecycleEvent, type JobProgress } from '../core/jobs/job-lifecycle.js';
import type { Resource } from '../core/resources/resource.js';
import type { Caller, Context } from '../services/context.js';
import { saveCheckpoints, saveLogs, saveOutputs } from '../services/jobs/finalize-attempt.js';
import { prepareAttempt } from '../services/jobs/prepare-attempt.js';
import { SystemMetricsSampler } from '../services/jobs/system-metrics-sampler.js';
import { updateRun } from '../services/tracking/run-service.js';
import type { ComputeNode } from '../store/job-repository.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { realTimers, type Timers } from './timers.js';

export interface JobRunnerOptions extends JobSettings {
  jobsRoot: string;
  /** The MLflow tracking URI jobs of a workspace log to. */
  trackingUriFor(workspace: string): string;
  /** Where simulated evictions draw their chances (tests pass their own). */
  random?: () => number;
  /**
   * The backend that runs jobs on a compute (amlcompute and computeinstance run locally, slurm
   * on the cluster the compute names). `undefined` when the compute was deleted while its job
   * ran: its attempts are then polled and stopped by their handles alone.
   */
  backendFor(compute: Resource | undefined): ComputeBackend | undefined;
  /** The timers the loop ticks on (tests pass fake ones); the real ones by default. */
  timers?: Timers;
}

const system: Caller = { actor: 'system:job-runner', requestId: null };

/**
 * The reconcile loop of jobs on compute: reads what the store says (queued and live jobs, the
 * nodes of each cluster), asks the pure scheduler what to do, and does it — adds and removes
 * nodes, prepares and launches attempts, polls them, and finishes them. Everything it needs to
 * go on is in the store and in the backends' handles, so after a restart (kill -9 included) it
 * picks up where it was: finished attempts are recorded once, running ones are found again.
 */
export class JobRunner {
  private readonly loop: ReconcileLoop;
  /** Jobs whose preparation or finishing is in flight in this process. */
  private readonly busy = new Set<string>();
  /** Stops sent in this process (a restart sends them again). */
  private readonly stopping = new Set<string>();
  private readonly lastCheckpoint = new Map<string, number>();
  private lastEvictionDraw: number | undefined;
  private readonly systemMetrics: SystemMetricsSampler;

  constructor(
    private readonly context: Context,
    private readonly options: JobRunnerOptions,
  ) {
    this.systemMetrics = new SystemMetricsSampler(context, { intervalMs: options.systemMetricsIntervalSeconds * 1000 });
    this.loop = new ReconcileLoop({
      name: 'job runner',
      reconcile: () => this.reconcile(),
      intervalMs: options.tickMs,
      timers: options.timers ?? realTimers,
      logger: context.logger,
    });
  }

  /** Recovers from a restart, then reconciles at every tick and wake. */
  async start(): Promise<void> {
    await this.recover();
    this.loop.start();
  }

  /** Asks for a reconcile soon; calls made while one runs fold into one more. */
  wake(): void {
    this.loop.wake();
  }

  /** Stops reconciling, after the pass in flight. */
  async close(): Promise<void> {
    await this.loop.close();
  }

  /** Waits until no reconcile is in flight (for tests and the benchmark). */
  async idle(): Promise<void> {
    await this.loop.idle();
  }

  /** After a restart: attempts that were being prepared start over; nodes without a live job are idle. */
  private async recover(): Promise<void> {
    const repositories = this.context.store.repositories;
    const now = this.now();
    const live = await repositories.jobs.live();
    for (const job of live.filter((candidate) => candidate.state === 'Preparing')) {
      await this.release(job, now, false);
      await repositories.jobs.update(
        job.workspace,
        job.name,
        { state: 'Queued', reason: 'requeued: the server restarted while the job was being prepared', nodes: null, handle: null },
        now,
      );
    }
    // Only running attempts keep their nodes (the ones being prepared were just freed above).
    const holders = new Set(live.filter((job) => job.state === 'Running' || job.state === 'Finalizing').map(key));
    for (const node of await repositories.jobs.allLiveNodes()) {
      if (node.state !== 'idle' && !(node.job && holders.has(key({ workspace: node.workspace, name: node.job })))) {
        await repositories.jobs.updateNode(node.workspace, node.nodeId, { state: 'idle', job: null, idleSince: now });
      }
    }
  }

  private async reconcile(): Promise<void> {
    const repositories = this.context.store.repositories;
    const live = await repositories.jobs.live();
    // Each compute is read once per reconcile, however many of its jobs are live.
    const computes = new Map<string, Promise<Resource | undefined>>();
    const computeOf = (workspace: string, name: string) => {
      const cacheKey = `${workspace}/${name}`;
      let found = computes.get(cacheKey);
      if (!found) {
        found = repositories.resources.get({ workspace, kind: 'compute', name, version: null });
        computes.set(cacheKey, found);
      }
      return found;
    };
    await this.simulateEvictions(computeOf);
    // Running attempts first: a finished one frees its nodes for the queue.
    for (const job of live.filter((candidate) => candidate.state === 'Running' || candidate.state === 'Finalizing')) {
      if (!this.busy.has(key(job))) await this.checkRunning(job, await computeOf(job.workspace, job.compute));
    }
    const clusters = new Map<string, { workspace: string; compute: string }>();
    for (const job of live) clusters.set(`${job.workspace}/${job.compute}`, { workspace: job.workspace, compute: job.compute });
    for (const node of await repositories.jobs.allLiveNodes())
      clusters.set(`${node.workspace}/${node.compute}`, { workspace: node.workspace, compute: node.compute });
    for (const { workspace, compute } of clusters.values())
      await this.scheduleCluster(workspace, compute, await computeOf(workspace, compute));
  }

  private async scheduleCluster(workspace: string, computeName: string, compute: Resource | undefined): Promise<void> {
    const repositories = this.context.store.repositories;
    const now = this.now();
    const queued = (await repositories.jobs.list(workspace, { limit: 10_000, states: ['Queued'], compute: computeName })).filter(
      (job) => !this.busy.has(key(job)),
    );
    if (!compute) {
      for (const job of queued) await this.finish(job, { type: 'cancel', by: `the system: compute '${computeName}' was deleted` }, now);
      return;
    }
    const shape = clusterShape(compute);
    const quota = shape.tier === 'attached' ? {} : quotaFor(this.options.quotas, workspace);
    const queuedByName = new Map(queued.map((job) => [job.name, job]));
    const queue: QueuedJob[] = queued.map((job) => ({
      name: job.name,
      priority: job.priority,
      submittedAt: job.submittedAt,
      instanceCount: job.instanceCount,
    }));
    // Two passes: local nodes are ready the moment they are added, so jobs can start at once.
    for (let pass = 0; pass < 2; pass++) {
      const workspaceNodes = await repositories.jobs.liveNodes(workspace);
      const nodes = workspaceNodes.filter((node) => node.compute === computeName);
      const room = quotaRoom(quota, workspaceNodes, shape.family);
      const decision = decide(
        now,
        shape,
        nodes.map(toNodeState),
        queue.filter((job) => !this.busy.has(`${workspace}/${job.name}`)),
        room,
      );
      for (let index = 0; index < decision.addNodes; index++) {
        await repositories.jobs.insertNode({
          workspace,
          compute: computeName,
          nodeId: `${computeName}-${randomBytes(4).toString('hex')}`,
          state: 'idle',
          job: null,
          size: shape.size,
          tier: shape.tier,
          createdAt: now,
          idleSince: now,
          removedAt: null,
          removedReason: null,
        });
      }
      for (const nodeId of decision.removeNodes) {
        await repositories.jobs.updateNode(workspace, nodeId, {
          state: 'removed',
          removedAt: now,
          removedReason: `idle for ${shape.idleSeconds} s (idle_time_before_scale_down)`,
        });
      }
      for (const start of decision.start) {
        const job = queuedByName.get(start.job);
        if (job) await this.startPreparing(job, start.nodes, compute, now);
      }
      // Waiting reasons change for many jobs at once (the head of the queue moved): one write per distinct reason.
      const changed = new Map<string, string[]>();
      for (const waiting of decision.waiting) {
        const job = queuedByName.get(waiting.job);
        if (job && job.reason !== waiting.reason && !this.busy.has(key(job))) {
          const names = changed.get(waiting.reason) ?? [];
          names.push(job.name);
          changed.set(waiting.reason, names);
          job.reason = waiting.reason;
        }
      }
      if (changed.size > 0) {
        await this.context.store.transaction(async (transaction) => {
          for (const [reason, names] of changed) await transaction.jobs.setReason(workspace, names, reason);
        });
      }
      if (decision.addNodes === 0) break;
    }
  }

  private async startPreparing(job: Job, nodes: string[], compute: Resource, now: number): Promise<void> {
    const progress = transition(progressOf(job), { type: 'start-preparing' }, this.policy());
    const attempt = job.attempt + 1;
    await this.context.store.transaction(async (transaction) => {
      for (const nodeId of nodes)
        await transaction.jobs.updateNode(job.workspace, nodeId, { state: 'busy', job: job.name, idleSince: null });
      await transaction.jobs.update(
        job.workspace,
        job.name,
        { state: progress.state, reason: `attempt ${attempt} on ${nodes.join(', ')}`, attempt, nodes },
        now,
      );
    });
    const prepared: Job = { ...job, state: progress.state, attempt, nodes };
    this.busy.add(key(job));
    void this.prepareAndLaunch(prepared, compute).finally(() => {
      this.busy.delete(key(job));
      this.wake();
    });
  }

  private async prepareAndLaunch(job: Job, compute: Resource): Promise<void> {
    const repositories = this.context.store.repositories;
    try {
      const backend = this.options.backendFor(compute);
      if (!backend) throw new Error(`no backend runs compute of type ${String(compute.spec.type)}`);
      const sku = findSku(String(compute.spec.size ?? 'Standard_DS3_v2'));
      const request = await prepareAttempt(this.context, job, {
        jobsRoot: this.options.jobsRoot,
        environmentCache: this.options.environmentCache,
        trackingUri: this.options.trackingUriFor(job.workspace),
        masterPort: await freePort(),
        resources: { vcpus: sku?.vcpus ?? 4, memoryGiB: sku?.memoryGiB ?? 14, gpus: sku?.gpus ?? 0 },
        nodes: job.nodes,
      });
      const current = await repositories.jobs.get(job.workspace, job.name);
      if (current?.state !== 'Preparing') return;
      if (current.stopRequest?.startsWith('cancel')) {
        await this.finish(current, { type: 'cancel', by: current.stopRequest.slice('cancel:'.length) || 'a user' }, this.now());
        return;
      }
      const { handle } = await backend.launch(request);
      const now = this.now();
      const progress = transition(progressOf(current), { type: 'start-running' }, this.policy());
      await repositories.jobs.update(job.workspace, job.name, { state: progress.state, reason: null, handle, startedAt: now }, now);
      await updateRun(this.context, job.workspace, job.runId, { status: 'RUNNING' });
    } catch (error) {
      const now = this.now();
      const current = (await repositories.jobs.get(job.workspace, job.name)) ?? job;
      if (current.state !== 'Preparing') return;
      await this.finish(current, { type: 'preparation-failed', reason: (error as Error).message }, now);
    }
  }

  /** Polls a running attempt and moves the job on when it ended, timed out, or must stop. */
  private async checkRunning(job: Job, compute: Resource | undefined): Promise<void> {
    if (!job.handle) return;
    const backend = this.options.backendFor(compute);
    if (!backend) return;
    const now = this.now();
    const timeout = (job.spec.limits as { timeout?: number } | undefined)?.timeout;
    if (job.state === 'Running' && timeout && job.startedAt && now - job.startedAt >= timeout * 1000 && !job.stopRequest) {
      await this.context.store.repositories.jobs.update(job.workspace, job.name, { stopRequest: 'timeout' }, now);
      job.stopRequest = 'timeout';
    }
    if (job.stopRequest && !this.stopping.has(key(job))) {
      this.stopping.add(key(job));
      if (job.stopRequest.startsWith('evict')) await this.saveCheckpoints(job, 'before its eviction');
      void backend
        .stop(job.handle, this.options.graceSeconds)
        .catch((error: unknown) =>
          this.context.logger.warn(
            { err: error, job: key(job), handle: job.handle },
            `job runner: stopping job ${key(job)} (${job.stopRequest}) failed; its processes may still run until the attempt is polled as ended`,
          ),
        )
        .finally(() => this.wake());
    }
    if (job.state === 'Running') {
      await this.maybeSaveCheckpoints(job, now);
      // The first sample comes one interval after the start, as MLflow's (it needs two readings for CPU anyway).
      if (job.startedAt !== null && now - job.startedAt >= this.options.systemMetricsIntervalSeconds * 1000) {
        const sku = findSku(String(compute?.spec.size ?? 'Standard_DS3_v2'));
        await this.systemMetrics.sample(job, job.handle, { vcpus: sku?.vcpus ?? 4, memoryGiB: sku?.memoryGiB ?? 14 });
      }
    }
    const state = await backend.poll(job.handle);
    if (state.state === 'running') return;
    this.busy.add(key(job));
    try {
      await this.attemptEnded(
        job,
        state.state === 'exited' ? state.exitCode : null,
        state.state === 'lost' ? state.reason : null,
        backend,
        state.state === 'exited' ? state.reason : undefined,
      );
    } finally {
      this.busy.delete(key(job));
      this.stopping.delete(key(job));
    }
  }

  private async attemptEnded(
    job: Job,
    exitCode: number | null,
    lostReason: string | null,
    backend: ComputeBackend,
    detail?: string,
  ): Promise<void> {
    const now = this.now();
    const stop = job.stopRequest;
    if (stop?.startsWith('cancel')) return this.finish(job, { type: 'cancel', by: stop.slice('cancel:'.length) || 'a user' }, now);
    if (stop === 'timeout')
      return this.finish(job, { type: 'timed-out', timeoutSeconds: Number((job.spec.limits as { timeout?: number }).timeout) }, now);
    if (stop?.startsWith('evict') || lostReason !== null) {
      const reason = stop?.startsWith('evict')
        ? `eviction of a low-priority node (${stop.slice('evict:'.length) || 'preempted'})`
        : lostReason!;
      return this.finish(job, { type: 'infrastructure-failed', reason }, now);
    }
    if (exitCode !== 0 && job.handle) await backend.stop(job.handle, this.options.graceSeconds);
    return this.finish(job, { type: 'process-exited', exitCode: exitCode ?? 1, detail }, now);
  }

  /**
   * Applies a lifecycle event and everything that goes with it: logs and checkpoints saved, node
   * time counted, nodes freed (an evicted node is gone), outputs registered, the run closed.
   */
  private async finish(job: Job, event: LifecycleEvent, now: number): Promise<void> {
    const repositories = this.context.store.repositories;
    let progress = transition(progressOf(job), event, this.policy());
    const ran = job.startedAt !== null && job.handle !== null;
    if (ran) {
      await saveLogs(this.context, job, this.options.jobsRoot, progress.state !== 'Queued').catch((error: unknown) =>
        this.context.logger.warn(
          { err: error, job: key(job) },
          `job runner: the logs of job ${key(job)} attempt ${job.attempt} were not saved to its outputs; they stay only in its attempt folder`,
        ),
      );
      await this.saveCheckpoints(job, 'as its attempt ended');
    }
    const nodeSeconds = job.nodeSeconds + (ran && job.startedAt !== null ? ((now - job.startedAt) / 1000) * job.instanceCount : 0);
    const evicted = event.type === 'infrastructure-failed';
    await this.release(job, now, evicted);
    if (progress.state === 'Finalizing') {
      await repositories.jobs.update(
        job.workspace,
        job.name,
        { state: 'Finalizing', reason: null, exitCode: progress.exitCode, nodeSeconds, nodes: null },
        now,
      );
      try {
        const registered = await saveOutputs(this.context, system, { ...job, nodeSeconds }, this.options.jobsRoot);
        progress = transition(progress, { type: 'outputs-saved' }, this.policy());
        progress.reason =
          registered.length > 0
            ? `outputs registered: ${registered.map((item) => `${item.output} → ${item.name}:${item.version}`).join(', ')}`
            : null;
      } catch (error) {
        progress = { ...progress, state: 'Failed', reason: `saving outputs failed: ${(error as Error).message}` };
      }
    }
    const ended = progress.state === 'Queued' ? null : now;
    await repositories.jobs.update(
      job.workspace,
      job.name,
      {
        state: progress.state,
        reason: progress.reason,
        exitCode: progress.exitCode,
        retries: progress.retries,
        nodeSeconds,
        nodes: null,
        handle: null,
        stopRequest: null,
        endedAt: ended,
        ...(progress.state === 'Queued' ? { startedAt: null } : {}),
      },
      now,
    );
    if (progress.state !== 'Queued') {
      const status = progress.state === 'Completed' ? 'FINISHED' : progress.state === 'Canceled' ? 'KILLED' : 'FAILED';
      await updateRun(this.context, job.workspace, job.runId, { status, endTime: now }).catch((error: unknown) =>
        this.runNotUpdated(job, status, error),
      );
    } else {
      await updateRun(this.context, job.workspace, job.runId, { status: 'SCHEDULED' }).catch((error: unknown) =>
        this.runNotUpdated(job, 'SCHEDULED', error),
      );
    }
    this.lastCheckpoint.delete(key(job));
    this.systemMetrics.forget(job);
    this.wake();
  }

  /** Frees the job's nodes: idle again, or removed when the platform took them (eviction, loss). */
  private async release(job: Job, now: number, nodeTaken: boolean): Promise<void> {
    for (const nodeId of job.nodes) {
      await this.context.store.repositories.jobs.updateNode(
        job.workspace,
        nodeId,
        nodeTaken
          ? { state: 'removed', job: null, removedAt: now, removedReason: 'evicted or lost' }
          : { state: 'idle', job: null, idleSince: now },
      );
    }
  }

  /**
   * The configured simulated eviction rate: busy low-priority nodes are evicted at random (their
   * jobs checkpoint and are requeued, as for a real eviction); idle ones are simply taken away.
   */
  private async simulateEvictions(computeOf: (workspace: string, name: string) => Promise<Resource | undefined>): Promise<void> {
    const rate = this.options.simulatedEvictionsPerNodeHour;
    const now = this.now();
    const elapsed = now - (this.lastEvictionDraw ?? now);
    this.lastEvictionDraw = now;
    if (rate <= 0 || elapsed <= 0) return;
    const repositories = this.context.store.repositories;
    const lowPriority = [];
    for (const node of await repositories.jobs.allLiveNodes()) {
      if (node.tier === 'low_priority' && (await computeOf(node.workspace, node.compute))?.spec.tier === 'low_priority')
        lowPriority.push(node);
    }
    for (const node of drawEvictions(lowPriority, rate, elapsed, this.random)) {
      const reason = `node ${node.nodeId} evicted by the simulated eviction rate (${rate} per node-hour)`;
      if (node.job) await repositories.jobs.update(node.workspace, node.job, { stopRequest: `evict:${reason}` }, now);
      else await repositories.jobs.updateNode(node.workspace, node.nodeId, { state: 'removed', removedAt: now, removedReason: reason });
    }
  }

  private async maybeSaveCheckpoints(job: Job, now: number): Promise<void> {
    const last = this.lastCheckpoint.get(key(job)) ?? job.startedAt ?? now;
    if (now - last < this.options.checkpointIntervalSeconds * 1000) return;
    this.lastCheckpoint.set(key(job), now);
    await this.saveCheckpoints(job, 'at its checkpoint interval');
  }

  /** Saves the job's checkpoints; a failure loses only this save (the next one, or a resumed attempt, uses older ones). */
  private async saveCheckpoints(job: Job, when: string): Promise<void> {
    await saveCheckpoints(this.context, job, this.options.jobsRoot).catch((error: unknown) =>
      this.context.logger.warn(
        { err: error, job: key(job) },
        `job runner: the checkpoints of job ${key(job)} were not saved ${when}; a requeued attempt resumes from older ones, if any`,
      ),
    );
  }

  /** The job's state is recorded either way; only its MLflow run keeps showing the old status. */
  private runNotUpdated(job: Job, status: string, error: unknown): void {
    this.context.logger.warn(
      { err: error, job: key(job), runId: job.runId },
      `job runner: the MLflow run ${job.runId} of job ${key(job)} was not set to ${status}; it shows its previous status`,
    );
  }

  private get random(): () => number {
    return this.options.random ?? Math.random;
  }

  private policy() {
    return { maxInfrastructureRetries: this.options.maxInfrastructureRetries };
  }

  private now(): number {
    return this.context.clock().getTime();
  }
}

function key(job: Pick<Job, 'workspace' | 'name'>): string {
  return `${job.workspace}/${job.name}`;
}

function progressOf(job: Job): JobProgress {
  return { state: job.state, reason: job.reason, retries: job.retries, exitCode: job.exitCode };
}

function toNodeState(node: ComputeNode): NodeState {
  return {
    id: node.nodeId,
    state: node.state === 'removed' ? 'idle' : node.state,
    ...(node.idleSince !== null ? { idleSince: node.idleSince } : {}),
  };
}

/** A compute as the scheduler sees it: amlcompute from its spec; other types hold as many jobs as are sent (their own scheduler queues them). */
function clusterShape(compute: Resource): ClusterShape & { size: string; tier: string } {
  const spec = compute.spec as {
    type?: string;
    size?: string;
    min_instances?: number;
    max_instances?: number;
    idle_time_before_scale_down?: number;
    tier?: string;
  };
  const size = spec.size ?? 'Standard_DS3_v2';
  const sku = findSku(size);
  const vcpus = sku?.vcpus ?? 4;
  const family = sku?.family ?? 'unknown';
  if (spec.type === 'amlcompute') {
    return {
      minInstances: spec.min_instances ?? 0,
      maxInstances: spec.max_instances ?? 4,
      idleSeconds: spec.idle_time_before_scale_down ?? 120,
      vcpusPerNode: vcpus,
      family,
      size,
      tier: spec.tier ?? 'dedicated',
    };
  }
  if (spec.type === 'computeinstance')
    return { minInstances: 0, maxInstances: 1, idleSeconds: 0, vcpusPerNode: vcpus, family, size, tier: 'dedicated' };
  // Attached computes (slurm): their nodes are the cluster's own, billed by nobody here and outside the workspace's quotas.
  return { minInstances: 0, maxInstances: 1_000, idleSeconds: 0, vcpusPerNode: vcpus, family, size, tier: 'attached' };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 29500));
    });
  });
}
