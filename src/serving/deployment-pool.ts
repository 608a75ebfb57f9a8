import { chooseInstance } from './instance-choice.js';
import { countFailure, defaultBackoff, restartDelayMs, type BackoffSettings } from './restart-backoff.js';
import type { InstanceSpec, ScoringAnswer, ScoringCall, ScoringInstance } from './scoring-instance.js';
import { DeploymentUnavailableError, QueueFullError } from './serving-errors.js';
import { WaitQueue } from './wait-queue.js';
import { startInstance as startRuntimeInstance } from './start-instance.js';

/**
 * The running instances of one online deployment. It keeps `instanceCount` instances, restarts
 * the ones that die or fail their liveness probe (with backoff), routes each call to the
 * least-loaded ready instance, holds at most max_concurrent_requests_per_instance calls in flight
 * per instance, queues the rest for up to max_queue_wait_ms (then QueueFullError: 429), and
 * times calls out after request_timeout_ms (TimeoutError: 504). An instance whose model never
 * loads gets no traffic, and the pool's status says why.
 */

/** Azure ML's liveness_probe, in milliseconds. */
export interface ProbeSettings {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  failureThreshold: number;
}

export interface PoolSettings {
  instanceCount: number;
  /** request_settings.max_concurrent_requests_per_instance */
  maxConcurrentRequestsPerInstance: number;
  /** request_settings.max_queue_wait_ms: how long a call waits for a free slot (0: not at all). */
  maxQueueWaitMs: number;
  /** request_settings.request_timeout_ms */
  requestTimeoutMs: number;
  /** How long a model may take to load before its instance counts as failed. */
  loadTimeoutMs: number;
  livenessProbe: ProbeSettings;
  backoff: BackoffSettings;
  /** How long drain(), scaleTo() and stops wait for calls in flight before SIGTERM, then SIGKILL. */
  stopGraceMs: number;
}

/** Azure ML's defaults (request_settings, liveness_probe), and ten minutes to load a model. */
export const defaultPoolSettings: PoolSettings = {
  instanceCount: 1,
  maxConcurrentRequestsPerInstance: 1,
  maxQueueWaitMs: 500,
  requestTimeoutMs: 5_000,
  loadTimeoutMs: 600_000,
  livenessProbe: { initialDelayMs: 10_000, periodMs: 10_000, timeoutMs: 2_000, failureThreshold: 30 },
  backoff: defaultBackoff,
  stopGraceMs: 30_000,
};

export interface DeploymentPoolOptions {
  /** `<endpoint>/<deployment>`, for messages. */
  name: string;
  /** The spec of the instance in slot `index` (0-based): its id, log file, model, runtime. */
  instanceSpec(index: number): InstanceSpec;
  settings?: Partial<Omit<PoolSettings, 'livenessProbe'>> & { livenessProbe?: Partial<ProbeSettings> };
  /** Starts one instance; by default as its runtime says (start-instance.ts). */
  startInstance?: (spec: InstanceSpec) => ScoringInstance;
  /** Where the pool says what it did (restarts, probe failures), for the deployment's events. */
  log?: (line: string) => void;
}

export type PoolState = 'starting' | 'ready' | 'degraded' | 'failed' | 'idle' | 'draining' | 'stopped';

export interface InstanceStatus {
  index: number;
  id: string;
  pid: number | undefined;
  state: 'loading' | 'ready' | 'waiting-to-restart' | 'stopping';
  /** Calls in flight on it now. */
  inFlight: number;
  restarts: number;
  /** Why it last failed, until it is ready again. */
  failure: string | undefined;
  /** When it will be started again (ms since the epoch), while waiting to restart. */
  nextRestartAt: number | undefined;
}

export interface PoolStatus {
  state: PoolState;
  desiredInstances: number;
  readyInstances: number;
  /** Calls waiting for a free slot. */
  queued: number;
  inFlight: number;
  /** Why the deployment is not (fully) ready, in words. */
  reason: string | undefined;
  instances: InstanceStatus[];
}

/** A ready instance as routing, autoscale and metrics see it. */
export interface ReadyInstance {
  id: string;
  pid: number | undefined;
  inFlight: number;
}

interface Slot {
  index: number;
  id: string;
  instance: ScoringInstance | undefined;
  isReady: boolean;
  isRemoved: boolean;
  inFlight: number;
  failures: number;
  restarts: number;
  readyAt: number | undefined;
  failure: string | undefined;
  nextRestartAt: number | undefined;
  restartTimer: NodeJS.Timeout | undefined;
  probeTimer: NodeJS.Timeout | undefined;
  probeFailures: number;
}

const slotLoad = (slot: Slot) => slot.inFlight;

export class DeploymentPool {
  readonly name: string;
  private readonly settings: PoolSettings;
  private readonly startInstance: (spec: InstanceSpec) => ScoringInstance;
  private readonly log: (line: string) => void;
  private slots: Slot[] = [];
  /** The slots calls may go to, kept apart so choosing one allocates nothing. */
  private readySlots: Slot[] = [];
  private readonly queue = new WaitQueue<Slot>();
  private rotation = 0;
  private totalInFlight = 0;
  private isDraining = false;
  private isStopped = false;

  constructor(private readonly options: DeploymentPoolOptions) {
    this.name = options.name;
    const given = options.settings ?? {};
    this.settings = {
      ...defaultPoolSettings,
      ...given,
      livenessProbe: { ...defaultPoolSettings.livenessProbe, ...given.livenessProbe },
      backoff: { ...defaultPoolSettings.backoff, ...given.backoff },
    };
    this.startInstance = options.startInstance ?? startRuntimeInstance;
    this.log = options.log ?? (() => {});
  }

  /** Starts the instances (instanceCount of them); they take calls as each becomes ready. */
  start(): void {
    if (this.slots.length === 0 && !this.isDraining) this.addSlots(this.settings.instanceCount);
  }

  /** One call on the least-loaded ready instance, queued while all are busy. */
  call(call: ScoringCall): Promise<ScoringAnswer> {
    if (this.isDraining)
      return Promise.reject(new DeploymentUnavailableError(this.name, this.isStopped ? 'it is stopped' : 'it is draining for shutdown'));
    const slot = this.pick();
    if (slot) {
      slot.inFlight++;
      this.totalInFlight++;
      return this.send(slot, call);
    }
    if (this.readySlots.length === 0) return Promise.reject(new DeploymentUnavailableError(this.name, this.notReadyReason()));
    if (this.settings.maxQueueWaitMs <= 0) return Promise.reject(this.queueFull());
    // A slot handed out of the queue is reserved (its count raised) before the waiter resumes.
    return this.queue.wait(this.settings.maxQueueWaitMs, this.queueFull).then((reserved) => this.send(reserved, call));
  }

  /** The instances that take calls now, with their calls in flight. */
  readyInstances(): ReadyInstance[] {
    return this.readySlots.map((slot) => ({ id: slot.id, pid: slot.instance?.pid, inFlight: slot.inFlight }));
  }

  status(): PoolStatus {
    const ready = this.readySlots.length;
    const desired = this.slots.filter((slot) => !slot.isRemoved).length;
    const failing = this.slots.find((slot) => !slot.isRemoved && !slot.isReady && slot.failure !== undefined);
    let state: PoolState;
    if (this.isStopped) state = 'stopped';
    else if (this.isDraining) state = 'draining';
    else if (desired === 0) state = 'idle';
    else if (ready === desired) state = 'ready';
    else if (ready > 0) state = 'degraded';
    else state = failing ? 'failed' : 'starting';
    return {
      state,
      desiredInstances: desired,
      readyInstances: ready,
      queued: this.queue.length,
      inFlight: this.totalInFlight,
      reason:
        state === 'ready' || state === 'idle'
          ? undefined
          : failing
            ? `instance ${failing.id}: ${failing.failure}`
            : state === 'starting'
              ? 'the model is loading'
              : undefined,
      instances: this.slots.map((slot) => ({
        index: slot.index,
        id: slot.id,
        pid: slot.instance?.pid,
        state: slot.isRemoved ? 'stopping' : slot.isReady ? 'ready' : slot.instance ? 'loading' : 'waiting-to-restart',
        inFlight: slot.inFlight,
        restarts: slot.restarts,
        failure: slot.failure,
        nextRestartAt: slot.instance ? undefined : slot.nextRestartAt,
      })),
    };
  }

  /** Runs `count` instances: starts new ones, or stops the last ones once their calls are answered. */
  async scaleTo(count: number): Promise<void> {
    if (this.isDraining) return;
    const wanted = Math.max(0, Math.floor(count));
    const live = this.slots.filter((slot) => !slot.isRemoved);
    if (wanted > live.length) return this.addSlots(wanted - live.length);
    const removed = live.slice(wanted);
    await Promise.all(removed.map((slot) => this.removeSlot(slot)));
    this.slots = this.slots.filter((slot) => !removed.includes(slot));
  }

  /**
   * A graceful stop: takes no new calls, lets queued and in-flight calls finish (up to graceMs),
   * then stops every instance.
   */
  async drain(graceMs = this.settings.stopGraceMs): Promise<void> {
    if (this.isStopped) return;
    const deadline = Date.now() + graceMs;
    this.isDraining = true;
    this.log(`draining: ${this.totalInFlight} call(s) in flight, ${this.queue.length} queued`);
    while ((this.totalInFlight > 0 || this.queue.length > 0) && Date.now() < deadline) await sleep(10);
    this.queue.rejectAll(new DeploymentUnavailableError(this.name, 'it stopped before a slot freed up'));
    await Promise.all(this.slots.map((slot) => this.removeSlot(slot, Math.max(0, deadline - Date.now()))));
    this.slots = [];
    this.isStopped = true;
  }

  private addSlots(count: number): void {
    const first = this.slots.length === 0 ? 0 : Math.max(...this.slots.map((slot) => slot.index)) + 1;
    for (let offset = 0; offset < count; offset++) {
      const slot: Slot = {
        index: first + offset,
        id: '',
        instance: undefined,
        isReady: false,
        isRemoved: false,
        inFlight: 0,
        failures: 0,
        restarts: 0,
        readyAt: undefined,
        failure: undefined,
        nextRestartAt: undefined,
        restartTimer: undefined,
        probeTimer: undefined,
        probeFailures: 0,
      };
      this.slots.push(slot);
      this.launch(slot);
    }
  }

  private launch(slot: Slot): void {
    const spec = this.options.instanceSpec(slot.index);
    slot.id = spec.id;
    slot.nextRestartAt = undefined;
    slot.restartTimer = undefined;
    slot.probeFailures = 0;
    let instance: ScoringInstance;
    try {
      instance = this.startInstance(spec);
    } catch (error) {
      slot.instance = undefined;
      this.scheduleRestart(slot, `the instance could not start: ${(error as Error).message}`, undefined);
      return;
    }
    slot.instance = instance;
    instance.ready(this.settings.loadTimeoutMs).then(
      () => {
        if (slot.instance !== instance || slot.isRemoved || this.isDraining) return;
        slot.isReady = true;
        slot.readyAt = Date.now();
        slot.failure = undefined;
        this.refreshReady();
        this.log(`instance ${slot.id} is ready (pid ${instance.pid})`);
        this.scheduleProbe(slot, instance, this.settings.livenessProbe.initialDelayMs);
        this.serveQueue();
      },
      (error: Error) => {
        if (slot.instance !== instance) return;
        // A model still loading after the timeout is stopped like one that failed.
        void instance.stop(0);
        this.onFailure(slot, instance, instance.failure ?? error.message);
      },
    );
    void instance.exited.then(() => {
      if (slot.instance === instance && slot.isReady) this.onFailure(slot, instance, instance.failure ?? 'the worker process stopped');
    });
  }

  private onFailure(slot: Slot, instance: ScoringInstance, reason: string): void {
    if (slot.instance !== instance) return;
    const readyFor = slot.isReady && slot.readyAt !== undefined ? Date.now() - slot.readyAt : undefined;
    slot.instance = undefined;
    slot.isReady = false;
    clearTimeout(slot.probeTimer);
    this.refreshReady();
    this.scheduleRestart(slot, reason, readyFor);
  }

  private scheduleRestart(slot: Slot, reason: string, readyFor: number | undefined): void {
    slot.failure = reason;
    if (slot.isRemoved || this.isDraining) return;
    slot.failures = countFailure(slot.failures, readyFor, this.settings.backoff);
    const delay = restartDelayMs(slot.failures, this.settings.backoff);
    slot.nextRestartAt = Date.now() + delay;
    this.log(`instance ${slot.id} failed (${reason}); restarting in ${delay} ms`);
    slot.restartTimer = setTimeout(() => {
      if (slot.isRemoved || this.isDraining) return;
      slot.restarts++;
      this.launch(slot);
    }, delay);
  }

  private scheduleProbe(slot: Slot, instance: ScoringInstance, delayMs: number): void {
    const probe = this.settings.livenessProbe;
    slot.probeTimer = setTimeout(async () => {
      if (slot.instance !== instance || !slot.isReady) return;
      const isAlive = await instance.ping(probe.timeoutMs);
      if (slot.instance !== instance || !slot.isReady) return;
      slot.probeFailures = isAlive ? 0 : slot.probeFailures + 1;
      if (slot.probeFailures >= probe.failureThreshold) {
        this.onFailure(
          slot,
          instance,
          `liveness probe failed ${slot.probeFailures} times in a row (no answer to a ping within ${probe.timeoutMs} ms)`,
        );
        void instance.stop(0);
        return;
      }
      this.scheduleProbe(slot, instance, probe.periodMs);
    }, delayMs);
  }

  private async removeSlot(slot: Slot, graceMs = this.settings.stopGraceMs): Promise<void> {
    slot.isRemoved = true;
    slot.isReady = false;
    clearTimeout(slot.restartTimer);
    clearTimeout(slot.probeTimer);
    this.refreshReady();
    const instance = slot.instance;
    if (instance) await instance.stop(graceMs);
  }

  private refreshReady(): void {
    this.readySlots = this.slots.filter((slot) => slot.isReady && !slot.isRemoved);
  }

  private pick(): Slot | undefined {
    const ready = this.readySlots;
    if (ready.length === 0) return undefined;
    const index = chooseInstance(ready, slotLoad, this.settings.maxConcurrentRequestsPerInstance, this.rotation);
    if (index < 0) return undefined;
    this.rotation = index + 1 >= ready.length ? 0 : index + 1;
    return ready[index];
  }

  private send(slot: Slot, call: ScoringCall): Promise<ScoringAnswer> {
    const instance = slot.instance;
    const answer = instance
      ? instance.call(call, this.settings.requestTimeoutMs)
      : Promise.reject(new DeploymentUnavailableError(this.name, `instance ${slot.id} stopped before the call went out`));
    return answer.then(
      (value) => {
        this.release(slot);
        return value;
      },
      (error: unknown) => {
        this.release(slot);
        throw error;
      },
    );
  }

  private release(slot: Slot): void {
    slot.inFlight--;
    this.totalInFlight--;
    if (this.queue.length > 0) this.serveQueue();
  }

  /** Hands free slots to queued calls, oldest first. */
  private serveQueue(): void {
    while (this.queue.length > 0) {
      const slot = this.pick();
      if (!slot) return;
      slot.inFlight++;
      this.totalInFlight++;
      if (!this.queue.handOut(slot)) {
        slot.inFlight--;
        this.totalInFlight--;
        return;
      }
    }
  }

  private readonly queueFull = (): QueueFullError =>
    new QueueFullError(this.name, {
      maxConcurrentRequestsPerInstance: this.settings.maxConcurrentRequestsPerInstance,
      maxQueueWaitMs: this.settings.maxQueueWaitMs,
      readyInstances: this.readySlots.length,
    });

  private notReadyReason(): string {
    const status = this.status();
    return `no instance is ready (${status.state}${status.reason ? `: ${status.reason}` : ''})`;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
