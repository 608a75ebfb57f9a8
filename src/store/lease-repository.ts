import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { LeaseAttempt, LeaseRecord } from '../core/leases/leadership.js';
import type { Database } from './database.js';
import { databaseNow } from './database-clock.js';
import type { Dialect } from './dialect.js';

interface LeaseRow {
  name: string;
  holder: string;
  address: string | null;
  epoch: number | string;
  acquired_at: number | string;
  renewed_at: number | string;
  expires_at: number | string;
}

/**
 * Leases (022-controller-lease): which server holds what, until when. Every instant is the
 * database's clock, so servers whose clocks disagree still agree on who holds a lease.
 */
export class LeaseRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /**
   * Takes the lease `name` for `holder`, or renews it, for `ttlMs` — in one conditional upsert, so
   * of any number of servers asking at once, one holds it: the row is written only when it is
   * this holder's already or has expired. A new term (a new holder, or this one after its lease
   * lapsed) gets the next epoch. Answers whether this holder holds it now, with the row.
   */
  async acquire(
    name: string,
    holder: string,
    address: string | null,
    ttlMs: number,
  ): Promise<Exclude<LeaseAttempt, { outcome: 'failed' }>> {
    const now = this.now();
    const taken = await sql<LeaseRow>`
      insert into controller_leases as lease (name, holder, address, epoch, acquired_at, renewed_at, expires_at)
      values (${name}, ${holder}, ${address}, 1, ${now}, ${now}, ${now} + ${ttlMs})
      on conflict (name) do update set
        epoch = case when lease.holder = excluded.holder and lease.expires_at > excluded.renewed_at then lease.epoch else lease.epoch + 1 end,
        acquired_at = case when lease.holder = excluded.holder and lease.expires_at > excluded.renewed_at then lease.acquired_at else excluded.acquired_at end,
        holder = excluded.holder,
        address = excluded.address,
        renewed_at = excluded.renewed_at,
        expires_at = excluded.expires_at
      where lease.holder = excluded.holder or lease.expires_at <= excluded.renewed_at
      returning name, holder, address, epoch, acquired_at, renewed_at, expires_at`.execute(this.db);
    const row = taken.rows[0];
    if (row) return { outcome: 'held', lease: recordOf(row) };
    const current = await this.getWithNow(name);
    // Gone between the two statements (a lease is never deleted but by hand): as good as expired; the next try takes it.
    if (!current) return { outcome: 'held-by-other', lease: emptyLease(name), databaseNow: 0 };
    return { outcome: 'held-by-other', lease: current.lease, databaseNow: current.databaseNow };
  }

  /** Gives the lease up now, if `holder` holds it: another server may take it at its next try. Answers whether it did. */
  async release(name: string, holder: string): Promise<boolean> {
    const result = await this.db
      .updateTable('controller_leases')
      .set({ expires_at: this.now() })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The lease as the database holds it, or undefined when no server has taken it yet. */
  async get(name: string): Promise<LeaseRecord | undefined> {
    return (await this.getWithNow(name))?.lease;
  }

  private async getWithNow(name: string): Promise<{ lease: LeaseRecord; databaseNow: number } | undefined> {
    const found = await sql<LeaseRow & { database_now: number | string }>`
      select name, holder, address, epoch, acquired_at, renewed_at, expires_at, ${this.now()} as database_now
      from controller_leases where name = ${name}`.execute(this.db);
    const row = found.rows[0];
    return row && { lease: recordOf(row), databaseNow: Number(row.database_now) };
  }

  /** The database's clock in epoch milliseconds. */
  private now(): RawBuilder<number> {
    return databaseNow(this.dialect);
  }
}

function recordOf(row: LeaseRow): LeaseRecord {
  return {
    name: row.name,
    holder: row.holder,
    address: row.address,
    epoch: Number(row.epoch),
    acquiredAt: Number(row.acquired_at),
    renewedAt: Number(row.renewed_at),
    expiresAt: Number(row.expires_at),
  };
}

function emptyLease(name: string): LeaseRecord {
  return { name, holder: '', address: null, epoch: 0, acquiredAt: 0, renewedAt: 0, expiresAt: 0 };
}
