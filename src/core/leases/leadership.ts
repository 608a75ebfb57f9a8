/**
 * Which server runs the controllers, decided by a lease in the database. Pure: what a server
 * does after each attempt to take or renew the lease, and when it must stop believing it leads.
 *
 * The database's clock decides expiry (servers' clocks may disagree); a holder's own view is kept
 * on its local clock from the moment it *sent* the renewal that succeeded: the database set the
 * expiry at least that late, so a holder that stops at `sentAt + ttl - margin` has stopped before
 * any other server can take the lease.
 */

/** The lease the controllers run under. */
export const controllersLease = 'controllers';

/** A lease as the database holds it; instants are the database's clock, in epoch milliseconds. */
export interface LeaseRecord {
  name: string;
  /** The server instance holding it: `<host>:<pid>:<random>`. */
  holder: string;
  /** Where the holder answers (its URL), for people and status pages; null when it did not say. */
  address: string | null;
  /** Goes up by one with every new term: a new holder, or the same one after its lease lapsed. */
  epoch: number;
  acquiredAt: number;
  renewedAt: number;
  expiresAt: number;
}

/** How long a lease lasts and how often it is renewed. */
export interface LeaseTiming {
  /** A lease not renewed for this long is free for another server. */
  ttlMs: number;
  /** A holder renews this often; a standby tries this often (sooner when the lease it saw expires sooner). */
  renewIntervalMs: number;
  /** A holder stops its controllers this long before its lease could expire, when renewals keep failing. */
  stepDownMarginMs: number;
}

/** The default TTL (TRELLIS_LEASE_TTL_MS): a dead leader's controllers run again elsewhere within about this long. */
export const defaultLeaseTtlMs = 10_000;

/** Renewal at a third of the TTL leaves two more tries before the holder must step down. */
export function leaseTiming(ttlMs: number): LeaseTiming {
  return { ttlMs, renewIntervalMs: Math.max(1, Math.floor(ttlMs / 3)), stepDownMarginMs: Math.floor(ttlMs / 5) };
}

/** What one attempt to take or renew the lease gave. */
export type LeaseAttempt =
  /** This server holds it now (taken, or renewed). */
  | { outcome: 'held'; lease: LeaseRecord }
  /** Another server holds it; `databaseNow` is the database's clock when it was read. */
  | { outcome: 'held-by-other'; lease: LeaseRecord; databaseNow: number }
  /** The database could not be asked (unreachable, timed out). */
  | { outcome: 'failed'; error: string };

/** Where this server stands. `validUntil` is on the server's local clock. */
export type Leadership =
  | { role: 'standby'; leader: LeaseRecord | null }
  | { role: 'leader'; epoch: number; validUntil: number; lease: LeaseRecord };

/** What the server does with its controllers after a step. */
export type TermChange =
  /** Start the controllers: a term begins. */
  | 'begin'
  /** Stop them: the term ended. */
  | 'end'
  /** Stop them and start them again: the lease lapsed and was taken again, a new term. */
  | 'restart'
  | 'none';

export interface LeadershipStep {
  next: Leadership;
  change: TermChange;
  /** When to try again (renew, or take), from now. */
  retryInMs: number;
}

/** The least wait between two tries, so a lease expiring "now" is not asked about in a tight loop. */
const minimumRetryMs = 25;

/** Where a server starts: standby, leader unknown. */
export const standby: Leadership = { role: 'standby', leader: null };

/**
 * The step after an attempt sent at `sentAt` gave `attempt` at `answeredAt` (both on the local
 * clock). A lease held but answered so late that the term it gives is already over counts as a
 * failed attempt: its controllers would have to stop as they start.
 */
export function afterAttempt(
  current: Leadership,
  attempt: LeaseAttempt,
  sentAt: number,
  answeredAt: number,
  timing: LeaseTiming,
): LeadershipStep {
  const validUntil = sentAt + timing.ttlMs - timing.stepDownMarginMs;
  if (attempt.outcome === 'held' && validUntil <= answeredAt)
    return afterAttempt(current, { outcome: 'failed', error: 'the database answered too late' }, sentAt, answeredAt, timing);
  if (attempt.outcome === 'held') {
    const next: Leadership = { role: 'leader', epoch: attempt.lease.epoch, validUntil, lease: attempt.lease };
    const change: TermChange = current.role === 'standby' ? 'begin' : current.epoch === attempt.lease.epoch ? 'none' : 'restart';
    return { next, change, retryInMs: timing.renewIntervalMs };
  }
  if (attempt.outcome === 'held-by-other') {
    // Try again as the lease it saw runs out (a dead holder's is taken then), and at least every renewal interval.
    const untilExpiry = attempt.lease.expiresAt - attempt.databaseNow + 1;
    const retryInMs = Math.max(minimumRetryMs, Math.min(timing.renewIntervalMs, untilExpiry));
    return { next: { role: 'standby', leader: attempt.lease }, change: current.role === 'leader' ? 'end' : 'none', retryInMs };
  }
  // The database did not answer: a leader keeps leading until its own deadline (see afterDeadline) and retries sooner.
  if (current.role === 'leader')
    return { next: current, change: 'none', retryInMs: Math.max(minimumRetryMs, Math.floor(timing.renewIntervalMs / 3)) };
  return { next: current, change: 'none', retryInMs: timing.renewIntervalMs };
}

/** The step at local time `now` when no renewal has succeeded: past its deadline, a leader steps down. */
export function afterDeadline(current: Leadership, now: number): { next: Leadership; change: TermChange } {
  if (current.role !== 'leader' || now < current.validUntil) return { next: current, change: 'none' };
  return { next: { role: 'standby', leader: null }, change: 'end' };
}

/** Who leads, as the API answers it. */
export interface LeadershipView {
  /** The controllers' lease as the database holds it; null before any server took it (or on SQLite, where there is none). */
  lease: LeaseRecord | null;
  /** The answering server. */
  server: {
    id: string;
    address: string;
    /** Whether its controllers run: it holds the lease (always, on SQLite). */
    isLeader: boolean;
    /** How leadership is decided: a lease in PostgreSQL, or one server alone (SQLite). */
    mode: 'lease' | 'single-server';
  };
}
