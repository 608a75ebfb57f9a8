import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import {
  afterAttempt,
  afterDeadline,
  type LeaseAttempt,
  type Leadership,
  type LeaseTiming,
  standby,
  type TermChange,
} from '../core/leases/leadership.js';
import type { LeaseRepository } from '../store/lease-repository.js';

export interface LeaderLeaseOptions {
  /** The lease's name: 'controllers'. */
  name: string;
  leases: Pick<LeaseRepository, 'acquire' | 'release'>;
  /** This server instance: `<host>:<pid>:<random>`. */
  holder: string;
  /** Where this server answers, recorded with the lease while it holds it. */
  address: () => string | null;
  timing: LeaseTiming;
  logger: Logger;
  /** A term begins: start the controllers. A failure gives the lease up (another server, or a later try, takes it). */
  onBegin(epoch: number): Promise<void>;
  /** The term ended (lost, lapsed, or closing): stop them. */
  onEnd(reason: string): Promise<void>;
  /** A monotonic clock in milliseconds (performance.now by default): a wall clock set back must not extend a term. */
  now?: () => number;
}

/**
 * Holds the controllers' lease for this server, or waits for it: one try at a time, renewed at
 * its interval while held, tried again as the holder's lease runs out while not. The decisions
 * are core/leases/leadership.ts; this is the loop around them. A holder whose renewals fail stops
 * its controllers at its deadline by its own timer, whether or not the database ever answers.
 * Term changes (begin, end) run one at a time, in order.
 */
export class LeaderLease {
  private leadership: Leadership = standby;
  private nextTry: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private trying: Promise<void> | undefined;
  /** Term changes, in order: each waits for the one before it. */
  private changes: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: LeaderLeaseOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Makes the first try, and returns once its outcome is acted on (a term begun, if it took the lease). */
  async start(): Promise<void> {
    await this.tryNow();
    await this.changes;
  }

  /** Whether this server leads now: it holds the lease and its deadline has not passed. */
  isLeader(): boolean {
    return this.leadership.role === 'leader' && this.now() < this.leadership.validUntil;
  }

  /** Where this server stands (the lease it last saw, when standby). */
  status(): Leadership {
    return this.leadership;
  }

  /** Tries at once (the holder said it let the lease go); a try in flight is enough. */
  async tryNow(): Promise<void> {
    if (this.closed) return;
    if (!this.trying) {
      clearTimeout(this.nextTry);
      this.trying = this.attempt().finally(() => (this.trying = undefined));
    }
    await this.trying;
  }

  /**
   * Stops trying, ends the term if there is one, and gives the lease up so another server takes it
   * at once. Answers whether it held it. A try in flight is not waited for (a database that does
   * not answer must not hold the stop up); what it answers is ignored.
   */
  async close(): Promise<boolean> {
    this.closed = true;
    clearTimeout(this.nextTry);
    clearTimeout(this.deadline);
    const wasLeader = this.leadership.role === 'leader';
    if (wasLeader) this.change({ role: 'standby', leader: null }, 'end', 'the server is stopping');
    await this.changes;
    if (!wasLeader) return false;
    return this.options.leases.release(this.options.name, this.options.holder);
  }

  private async attempt(): Promise<void> {
    const { leases, name, holder, timing, logger } = this.options;
    const sentAt = this.now();
    let attempt: LeaseAttempt;
    try {
      attempt = await leases.acquire(name, holder, this.options.address(), timing.ttlMs);
    } catch (error) {
      if (this.closed) return;
      attempt = { outcome: 'failed', error: (error as Error).message };
      logger.warn(
        { err: error, lease: name, role: this.leadership.role },
        `controller lease: the database could not be asked for the lease; trying again (a leader keeps its controllers until its lease could lapse)`,
      );
    }
    if (this.closed) return;
    const step = afterAttempt(this.leadership, attempt, sentAt, this.now(), timing);
    const reason =
      attempt.outcome === 'held-by-other' ? `server ${attempt.lease.holder} holds the lease (epoch ${attempt.lease.epoch})` : 'renewal';
    this.change(step.next, step.change, reason);
    // Renewals go on while a term starts or stops (a long recovery must not let the lease lapse).
    this.nextTry = setTimeout(() => void this.tryNow(), step.retryInMs);
    this.nextTry.unref();
  }

  /** Takes the new standing now, arms its deadline, and queues the term change. */
  private change(next: Leadership, change: TermChange, reason: string): void {
    this.leadership = next;
    this.armDeadline();
    if (change === 'none') return;
    const epoch = next.role === 'leader' ? next.epoch : undefined;
    this.changes = this.changes.then(async () => {
      if (change === 'end' || change === 'restart') await this.end(reason);
      if ((change === 'begin' || change === 'restart') && epoch !== undefined) await this.begin(epoch);
    });
  }

  /** While leading, a timer at the term's deadline. */
  private armDeadline(): void {
    clearTimeout(this.deadline);
    if (this.leadership.role !== 'leader') return;
    this.deadline = setTimeout(() => this.onDeadline(), Math.max(1, Math.ceil(this.leadership.validUntil - this.now())));
    this.deadline.unref();
  }

  private onDeadline(): void {
    const step = afterDeadline(this.leadership, this.now());
    // A timer may fire a little before the monotonic clock reaches the deadline: wait out the rest.
    if (step.change === 'none') {
      this.armDeadline();
      return;
    }
    this.change(step.next, step.change, `no renewal succeeded within the lease's ${this.options.timing.ttlMs} ms`);
  }

  private async begin(epoch: number): Promise<void> {
    const { logger, name, holder } = this.options;
    // Lost again (the deadline passed) before this change's turn came: nothing to begin.
    if (!this.isLeader() || this.leadership.role !== 'leader' || this.leadership.epoch !== epoch) return;
    logger.info({ lease: name, holder, epoch }, `controller lease: this server leads (epoch ${epoch}); starting the controllers`);
    try {
      await this.options.onBegin(epoch);
    } catch (error) {
      logger.error({ err: error, lease: name, epoch }, 'controller lease: the controllers failed to start; giving the lease up');
      this.leadership = standby;
      clearTimeout(this.deadline);
      await this.options.leases
        .release(name, holder)
        .catch((releaseError: unknown) => logger.warn({ err: releaseError, lease: name }, 'controller lease: giving the lease up failed'));
    }
  }

  private async end(reason: string): Promise<void> {
    const { logger, name } = this.options;
    logger.warn({ lease: name, reason }, `controller lease: this server no longer leads (${reason}); stopping the controllers`);
    try {
      await this.options.onEnd(reason);
    } catch (error) {
      logger.error({ err: error, lease: name }, 'controller lease: stopping the controllers failed');
    }
  }
}
