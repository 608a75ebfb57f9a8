import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../dialect.js';

/**
 * Job schedules and their firings. A schedule keeps its next slot (`next_fire_at`): firing a slot
 * moves it on in the same transaction that records the firing, guarded by the slot it read, so a
 * slot is claimed once however many servers look (and a restart finds exactly where it was). A
 * firing's job name depends only on the schedule and the slot: a firing claimed but not yet
 * submitted when the server died is submitted on the next pass, never twice.
 */
export function schedulesMigration(_dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('schedules')
        .addColumn('workspace', 'text', (c) => c.notNull().references('workspaces.name').onDelete('restrict'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('template', 'text', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('next_fire_at', 'bigint')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('schedules_pk', ['workspace', 'name'])
        .execute();
      // The scheduler's question, every pass: which enabled schedules are due.
      await db.schema.createIndex('schedules_due').on('schedules').columns(['enabled', 'next_fire_at']).execute();

      await db.schema
        .createTable('schedule_firings')
        .addColumn('workspace', 'text', (c) => c.notNull())
        .addColumn('schedule', 'text', (c) => c.notNull())
        .addColumn('job', 'text', (c) => c.notNull())
        .addColumn('slot_at', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('missed', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('fired_at', 'bigint', (c) => c.notNull())
        // One firing per job name, and so per slot: a second server's claim of the same slot fails here.
        .addPrimaryKeyConstraint('schedule_firings_pk', ['workspace', 'job'])
        .addForeignKeyConstraint('schedule_firings_schedule', ['workspace', 'schedule'], 'schedules', ['workspace', 'name'], (c) =>
          c.onDelete('cascade'),
        )
        .execute();
      await db.schema
        .createIndex('schedule_firings_by_schedule')
        .on('schedule_firings')
        .columns(['workspace', 'schedule', 'slot_at'])
        .execute();
      await db.schema.createIndex('schedule_firings_pending').on('schedule_firings').columns(['state']).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['schedule_firings', 'schedules']) await db.schema.dropTable(table).execute();
    },
  };
}
