import type { Kysely, Selectable } from 'kysely';
import type { FiringKind, FiringState, JobTemplate, Schedule, ScheduleFiring } from '../core/schedules/schedule.js';
import type { Trigger } from '../core/schedules/trigger.js';
import type { Database, ScheduleTables } from './database.js';

type ScheduleRow = Selectable<ScheduleTables['schedules']>;
type FiringRow = Selectable<ScheduleTables['schedule_firings']>;

/** Job schedules and the firings they made. */
export class ScheduleRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(schedule: Schedule): Promise<void> {
    await this.db.insertInto('schedules').values(toRow(schedule)).execute();
  }

  /** Replaces everything but the name, creator and creation time. */
  async replace(schedule: Schedule): Promise<void> {
    const { workspace, name, created_by: _by, created_at: _at, ...values } = toRow(schedule);
    await this.db.updateTable('schedules').set(values).where('workspace', '=', workspace).where('name', '=', name).execute();
  }

  async get(workspace: string, name: string): Promise<Schedule | undefined> {
    const row = await this.db
      .selectFrom('schedules')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async list(workspace: string): Promise<Schedule[]> {
    const rows = await this.db.selectFrom('schedules').selectAll().where('workspace', '=', workspace).orderBy('name').execute();
    return rows.map(fromRow);
  }

  /** Deletes the schedule and its firings' records (the jobs it made stay). */
  async delete(workspace: string, name: string): Promise<void> {
    await this.db.deleteFrom('schedule_firings').where('workspace', '=', workspace).where('schedule', '=', name).execute();
    await this.db.deleteFrom('schedules').where('workspace', '=', workspace).where('name', '=', name).execute();
  }

  /** Enabled schedules whose next slot is at or before `now`, in every workspace: the scheduler's work. */
  async due(now: number): Promise<Schedule[]> {
    const rows = await this.db
      .selectFrom('schedules')
      .selectAll()
      .where('enabled', '=', 1)
      .where('next_fire_at', '<=', now)
      .orderBy('next_fire_at')
      .execute();
    return rows.map(fromRow);
  }

  /**
   * Moves a schedule's next slot from `slot` to `next`, only if it is still at `slot` (and the
   * schedule enabled): true for the one caller, of any number on any server, that claimed the slot.
   */
  async advance(workspace: string, name: string, slot: number, next: number | null): Promise<boolean> {
    const result = await this.db
      .updateTable('schedules')
      .set({ next_fire_at: next })
      .where('workspace', '=', workspace)
      .where('name', '=', name)
      .where('enabled', '=', 1)
      .where('next_fire_at', '=', slot)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async insertFiring(firing: ScheduleFiring): Promise<void> {
    await this.db.insertInto('schedule_firings').values(firingToRow(firing)).execute();
  }

  async updateFiring(workspace: string, job: string, changes: { state: FiringState; reason: string | null }): Promise<void> {
    await this.db
      .updateTable('schedule_firings')
      .set({ state: changes.state, reason: changes.reason })
      .where('workspace', '=', workspace)
      .where('job', '=', job)
      .execute();
  }

  /** Firings claimed but not yet submitted (their server stopped in between), fired at or before `before`. */
  async pendingFirings(before: number): Promise<ScheduleFiring[]> {
    const rows = await this.db
      .selectFrom('schedule_firings')
      .selectAll()
      .where('state', '=', 'pending')
      .where('fired_at', '<=', before)
      .orderBy('fired_at')
      .execute();
    return rows.map(firingFromRow);
  }

  /** A schedule's firings, newest first. */
  async firings(workspace: string, schedule: string, limit: number): Promise<ScheduleFiring[]> {
    const rows = await this.db
      .selectFrom('schedule_firings')
      .selectAll()
      .where('workspace', '=', workspace)
      .where('schedule', '=', schedule)
      .orderBy('slot_at', 'desc')
      .orderBy('fired_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(firingFromRow);
  }
}

function toRow(schedule: Schedule): ScheduleRow {
  return {
    workspace: schedule.workspace,
    name: schedule.name,
    display_name: schedule.displayName,
    description: schedule.description,
    tags: JSON.stringify(schedule.tags),
    trigger: JSON.stringify(schedule.trigger),
    template: JSON.stringify(schedule.template),
    spec: JSON.stringify(schedule.spec),
    enabled: schedule.enabled ? 1 : 0,
    next_fire_at: schedule.nextFireAt,
    created_by: schedule.createdBy,
    created_at: schedule.createdAt,
    updated_at: schedule.updatedAt,
  };
}

function fromRow(row: ScheduleRow): Schedule {
  return {
    workspace: row.workspace,
    name: row.name,
    displayName: row.display_name,
    description: row.description,
    tags: JSON.parse(row.tags) as Record<string, string>,
    trigger: JSON.parse(row.trigger) as Trigger,
    template: JSON.parse(row.template) as JobTemplate,
    spec: JSON.parse(row.spec) as Record<string, unknown>,
    enabled: Number(row.enabled) === 1,
    // PostgreSQL's bigint arrives as a string.
    nextFireAt: row.next_fire_at === null ? null : Number(row.next_fire_at),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function firingToRow(firing: ScheduleFiring): FiringRow {
  return {
    workspace: firing.workspace,
    schedule: firing.schedule,
    job: firing.job,
    slot_at: firing.slotAt,
    kind: firing.kind,
    missed: firing.missed,
    state: firing.state,
    reason: firing.reason,
    fired_at: firing.firedAt,
  };
}

function firingFromRow(row: FiringRow): ScheduleFiring {
  return {
    workspace: row.workspace,
    schedule: row.schedule,
    job: row.job,
    slotAt: Number(row.slot_at),
    kind: row.kind as FiringKind,
    missed: Number(row.missed),
    state: row.state as FiringState,
    reason: row.reason,
    firedAt: Number(row.fired_at),
  };
}
