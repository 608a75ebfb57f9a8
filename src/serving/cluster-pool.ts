import { isTrellisError } from '../core/errors.js';
import { defaultPoolSettings, type PoolSettings, type PoolStatus, type ProbeSettings, type ReadyInstance } from './deployment-pool.js';
import { answerHeadersForClient } from './forwarded-headers.js';
import type { ScoringAnswer, ScoringCall } from './scoring-instance.js';
import { DeploymentUnavailableError, InstanceUnavailableError, QueueFullError, TimeoutError } from './serving-errors.js';
import type { ServingPool } from './serving-pool.js';

/**
 * The instances of one version of a deployment as a set that a cluster runs: a Kubernetes
 * Deployment (its replicas are the instances; the kubelet probes and restarts them) behind a
 * Service (which spreads calls over the ready ones). The pool applies the set, scales it, reads
 * its readiness every `readinessPollMs`, sends each call to the set's address (azmlinfsrv's
 * /score and /swagger.json), and deletes the set when drained. Calls beyond ready instances ×
 * max_concurrent_requests_per_instance are refused at once with 429 (no queue: the Service, not
 * Trellis, picks the instance).
 */

/** What a cluster offers for one version's instances (implemented for Kubernetes in backends/kubernetes/online-instance-set.ts). */
export interface ClusterInstanceSet {
  /** The set in messages, e.g. `ml-serving/churn-blue-3f2a1c-9b0d4e`. */
  readonly id: string;
  /** Where scoring calls go: the base URL of the set's Service. */
  readonly address: string;
  /** Creates the set with `replicas` instances (or takes over the one a previous run made). */
  apply(replicas: number): Promise<void>;
  scale(replicas: number): Promise<void>;
  /** Deletes the set; its instances get `graceSeconds` to finish. */
  remove(graceSeconds: number): Promise<void>;
  readiness(): Promise<ClusterReadiness>;
}

export interface ClusterReadiness {
  desired: number;
  ready: number;
  reason: string | undefined;
  /** The cluster gave up on starting the instances (no change will come without a new version). */
  isFailed: boolean;
}

export interface ClusterPoolOptions {
  name: string;
  set: ClusterInstanceSet;
  settings?: (Partial<Omit<PoolSettings, 'livenessProbe'>> & { livenessProbe?: Partial<ProbeSettings> }) | undefined;
  log?: ((line: string) => void) | undefined;
  /** How often readiness is read from the cluster; 2 s by default. */
  readinessPollMs?: number;
}

export class ClusterPool implements ServingPool {
  readonly name: string;
  private readonly set: ClusterInstanceSet;
  private readonly settings: PoolSettings;
  private readonly log: (line: string) => void;
  private readonly pollMs: number;
  private desired: number;
  private isStarted = false;
  private isApplied = false;
  private isDraining = false;
  private isStopped = false;
  private readiness: ClusterReadiness | undefined;
  /** Why the last call to the cluster failed, until one succeeds. */
  private clusterError: string | undefined;
  private inFlight = 0;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();

  constructor(options: ClusterPoolOptions) {
    this.name = options.name;
    this.set = options.set;
    const given = options.settings ?? {};
    this.settings = {
      ...defaultPoolSettings,
      ...given,
      livenessProbe: { ...defaultPoolSettings.livenessProbe, ...given.livenessProbe },
      backoff: { ...defaultPoolSettings.backoff, ...given.backoff },
    };
    this.desired = this.settings.instanceCount;
    this.log = options.log ?? (() => {});
    this.pollMs = options.readinessPollMs ?? 2_000;
  }

  start(): void {
    if (this.isStarted || this.isDraining) return;
    this.isStarted = true;
    this.polling = this.reconcile();
  }

  /** Applies the set until that succeeds, then reads its readiness; again every pollMs until drained. */
  private async reconcile(): Promise<void> {
    if (this.isDraining) return;
    try {
      if (!this.isApplied) {
        await this.set.apply(this.desired);
        this.isApplied = true;
        this.log(`instances of ${this.set.id} applied: ${this.desired} wanted, calls go to ${this.set.address}`);
      }
      const readiness = await this.set.readiness();
      if (readiness.ready !== this.readiness?.ready)
        this.log(`${this.set.id}: ${readiness.ready} of ${readiness.desired} instance(s) ready`);
      this.readiness = readiness;
      this.clusterError = undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.clusterError) this.log(`${this.set.id}: ${message}`);
      this.clusterError = message;
    }
    if (this.isDraining) return;
    this.pollTimer = setTimeout(() => {
      this.polling = this.reconcile();
    }, this.pollMs);
    this.pollTimer.unref();
  }

  /** Reads the cluster now (tests, and callers that need a fresh view) and returns when done. */
  async refresh(): Promise<void> {
    await this.polling;
    clearTimeout(this.pollTimer);
    this.polling = this.reconcile();
    await this.polling;
  }

  call(call: ScoringCall): Promise<ScoringAnswer> {
    if (this.isDraining)
      return Promise.reject(new DeploymentUnavailableError(this.name, this.isStopped ? 'it is stopped' : 'it is draining for shutdown'));
    const ready = this.readyCount();
    if (ready === 0) return Promise.reject(new DeploymentUnavailableError(this.name, this.notReadyReason()));
    if (this.inFlight >= ready * this.settings.maxConcurrentRequestsPerInstance)
      return Promise.reject(
        new QueueFullError(this.name, {
          maxConcurrentRequestsPerInstance: this.settings.maxConcurrentRequestsPerInstance,
          maxQueueWaitMs: this.settings.maxQueueWaitMs,
          readyInstances: ready,
        }),
      );
    this.inFlight++;
    return this.send(call).finally(() => {
      this.inFlight--;
    });
  }

  readyInstances(): ReadyInstance[] {
    const ready = this.readyCount();
    // The Service picks the instance: calls in flight are shared out evenly, as far as Trellis can tell.
    return Array.from({ length: ready }, (_, index) => ({
      id: `${this.set.id}/${index}`,
      pid: undefined,
      inFlight: Math.floor(this.inFlight / ready) + (index < this.inFlight % ready ? 1 : 0),
    }));
  }

  status(): PoolStatus {
    const ready = this.readyCount();
    const desired = this.isStopped ? 0 : this.desired;
    const failure = this.clusterError ?? (this.readiness?.isFailed ? this.readiness.reason : undefined);
    let state: PoolStatus['state'];
    if (this.isStopped) state = 'stopped';
    else if (this.isDraining) state = 'draining';
    else if (desired === 0) state = 'idle';
    else if (ready >= desired) state = 'ready';
    else if (ready > 0) state = 'degraded';
    else state = failure ? 'failed' : 'starting';
    const reason =
      state === 'ready' || state === 'idle' || state === 'stopped'
        ? undefined
        : (failure ?? this.readiness?.reason ?? `the instances of ${this.set.id} are starting`);
    return {
      state,
      desiredInstances: desired,
      readyInstances: ready,
      queued: 0,
      inFlight: this.inFlight,
      reason,
      instances: Array.from({ length: desired }, (_, index) => ({
        index,
        id: `${this.set.id}/${index}`,
        pid: undefined,
        state: index < ready ? 'ready' : 'loading',
        inFlight: 0,
        restarts: 0,
        failure: index < ready ? undefined : failure,
        nextRestartAt: undefined,
      })),
    };
  }

  async scaleTo(count: number): Promise<void> {
    if (this.isDraining) return;
    const wanted = Math.max(0, Math.floor(count));
    if (wanted === this.desired) return;
    this.desired = wanted;
    // Not applied yet: the apply sends the new count.
    if (!this.isApplied) return;
    try {
      await this.set.scale(wanted);
      this.log(`${this.set.id} scaled to ${wanted} instance(s)`);
    } catch (error) {
      // Applied again with the count wanted on the next pass.
      this.isApplied = false;
      this.clusterError = error instanceof Error ? error.message : String(error);
      this.log(`${this.set.id}: ${this.clusterError}`);
    }
  }

  async drain(graceMs = this.settings.stopGraceMs): Promise<void> {
    if (this.isStopped || this.isDraining) return;
    const deadline = Date.now() + graceMs;
    this.isDraining = true;
    clearTimeout(this.pollTimer);
    await this.polling;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(10);
    if (this.isStarted) {
      try {
        await this.set.remove(Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
        this.log(`${this.set.id} deleted`);
      } catch (error) {
        this.log(`${this.set.id} could not be deleted: ${error instanceof Error ? error.message : String(error)}; delete it by hand`);
      }
    }
    this.isStopped = true;
  }

  private readyCount(): number {
    if (this.isDraining || this.clusterError !== undefined) return 0;
    return Math.min(this.readiness?.ready ?? 0, this.desired);
  }

  private notReadyReason(): string {
    const status = this.status();
    return `no instance is ready (${status.state}${status.reason ? `: ${status.reason}` : ''})`;
  }

  private send(call: ScoringCall): Promise<ScoringAnswer> {
    switch (call.protocol) {
      case 'score': {
        const method = call.method ?? 'POST';
        return this.exchange(method, withQuery('/score', call.query), {
          headers: { ...call.headers, ...(method === 'POST' ? { 'content-type': call.contentType } : {}) },
          body: method === 'POST' ? call.body : undefined,
        });
      }
      case 'swagger':
        return this.exchange('GET', withQuery('/swagger.json', call.query), { headers: {}, body: undefined });
      case 'v2-metadata':
      case 'v2-infer':
        return Promise.resolve(
          json(400, {
            error: 'on a kubernetes compute a deployment runs its scoring script with azmlinfsrv, which speaks /score only',
          }),
        );
      case 'mini-batch':
        return Promise.resolve(
          json(400, { error: 'online deployments on a kubernetes compute serve /score calls, not batch mini-batches' }),
        );
    }
  }

  private async exchange(
    method: 'GET' | 'POST',
    path: string,
    request: { headers: Record<string, string>; body: Buffer | undefined },
  ): Promise<ScoringAnswer> {
    const timeoutMs = this.settings.requestTimeoutMs;
    let response: Response;
    try {
      response = await fetch(`${this.set.address}${path}`, {
        method,
        headers: request.headers,
        ...(request.body ? { body: new Uint8Array(request.body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError')
        throw new TimeoutError(`deployment '${this.name}' (${this.set.id})`, timeoutMs);
      if (isTrellisError(error)) throw error;
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new InstanceUnavailableError(
        this.set.id,
        `its Service ${this.set.address} did not answer (${error instanceof Error ? error.message : String(error)}${cause}); Trellis must reach the cluster's Service network`,
      );
    }
    const body = Buffer.from(await response.arrayBuffer());
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return {
      status: response.status,
      body,
      contentType: headers['content-type'] ?? 'application/octet-stream',
      headers: answerHeadersForClient(headers),
    };
  }
}

function withQuery(path: string, query: string | undefined): string {
  return query ? `${path}?${query}` : path;
}

function json(status: number, value: unknown): ScoringAnswer {
  return { status, body: Buffer.from(JSON.stringify(value)), contentType: 'application/json' };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
