import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createTestDatabase, type TestDatabase, testDialects } from '../../../test/support/databases.js';
import { LocalArtifactStore } from '../../artifacts/local/local-artifact-store.js';
import { isTrellisError } from '../../core/errors.js';
import { Store } from '../../store/store.js';
import { applyResourceFields } from '../apply-resource-fields.js';
import type { Caller, Context } from '../context.js';
import { submitJob } from '../jobs/submit-job.js';
import { submitPipeline } from '../pipelines/submit-pipeline.js';
import { fireDueSchedules, pendingTakeoverMs, submitPendingFirings, triggerSchedule } from './fire-schedule.js';
import { createSchedule, getSchedule, listSchedules, setScheduleEnabled } from './schedule-service.js';

const caller: Caller = { actor: 'user:alice', requestId: null };
const environment = 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest';
const at = (time: string) => Date.parse(`2026-01-01T${time}Z`);

/** A schedule firing a trivial command job every minute, from midnight UTC. */
const everyMinute = (name: string, compute = 'azureml:cpu-cluster') => `
name: ${name}
trigger:
  type: recurrence
  frequency: minute
  interval: 1
  start_time: "2026-01-01T00:00:00"
create_job:
  type: command
  command: echo fired as \${{name}} for \${{creation_context.trigger_time}}
  environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest
  compute: ${compute}
`;

// The firing rules with the clock in hand, on the real store (SQLite, and PostgreSQL where the suite runs one).
for (const dialect of testDialects()) {
  describe(`schedule firings (${dialect})`, () => {
    let home: string;
    let database: TestDatabase;
    let store: Store;
    let now = at('00:00:30');
    const contextOf = (of: Store): Context => ({
      store: of,
      artifactsFor: () => new LocalArtifactStore(join(home, 'artifacts')),
      clock: () => new Date(now),
      logger: pino({ level: 'silent' }),
    });
    let context: Context;
    const jobsOf = async (schedule: string) =>
      (await store.repositories.jobs.list('dev', { limit: 1000 })).filter((job) => job.tags['trellis.schedule'] === schedule);

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'trellis-schedules-'));
      database = await createTestDatabase(dialect);
      store = Store.open({ home, databaseUrl: database.url });
      await store.migrate();
      await store.repositories.workspaces.insert(
        { name: 'dev', spec: {}, status: {}, tags: {}, description: null },
        'tester',
        '2026-01-01T00:00:00.000Z',
      );
      context = contextOf(store);
      await applyResourceFields(context, caller, {
        workspace: 'dev',
        kind: 'compute',
        fields: { name: 'cpu-cluster', type: 'amlcompute', size: 'Standard_DS3_v2', max_instances: 4 },
        fileName: 'cluster',
      });
      await createSchedule(context, caller, { workspace: 'dev', fileName: 'every-minute.yml', text: everyMinute('tick') });
    });

    after(async () => {
      await store.close();
      await database.drop();
      await rm(home, { recursive: true, force: true });
    });

    it('fires a slot once, as a job named for the slot, with ${{name}} and the trigger time in it', async () => {
      assert.equal((await getSchedule(context, 'dev', 'tick')).nextFireAt, at('00:01:00'));
      assert.deepEqual(await fireDueSchedules(context, now), [], 'nothing is due before the first slot');
      now = at('00:01:00.200');
      const fired = await fireDueSchedules(context, now);
      assert.deepEqual(
        fired.map((firing) => [firing.kind, firing.slotAt, firing.job, firing.state]),
        [['scheduled', at('00:01:00'), 'tick-20260101t0001', 'submitted']],
      );
      assert.deepEqual(await fireDueSchedules(context, now), [], 'the slot fired already');
      const [job] = await jobsOf('tick');
      assert.equal(job?.name, 'tick-20260101t0001');
      assert.equal(job?.spec.command, 'echo fired as tick-20260101t0001 for 2026-01-01T00:01:00.000Z');
      assert.equal(job?.createdBy, 'user:alice', "a firing submits as the schedule's creator");
      assert.equal((await getSchedule(context, 'dev', 'tick')).nextFireAt, at('00:02:00'));
    });

    it('fires the slots missed while no server ran once, for the latest, saying how many', async () => {
      now = at('00:04:30');
      const fired = await fireDueSchedules(context, now);
      assert.deepEqual(
        fired.map((firing) => [firing.kind, firing.slotAt, firing.missed, firing.job]),
        [['catch-up', at('00:04:00'), 3, 'tick-20260101t0004']],
      );
      assert.match(fired[0]?.reason ?? '', /3 slots passed while no server ran/);
      assert.equal((await getSchedule(context, 'dev', 'tick')).nextFireAt, at('00:05:00'), 'the next slot is after now, not a missed one');
      assert.equal((await jobsOf('tick')).length, 2);
    });

    it('two servers on one database fire a slot once between them', async () => {
      // A second server: its own connections to the same database (SQLite's is the file in the same home).
      const second = Store.open({ home, databaseUrl: database.url });
      try {
        now = at('00:05:00.100');
        const [mine, theirs] = await Promise.all([fireDueSchedules(context, now), fireDueSchedules(contextOf(second), now)]);
        assert.equal(mine.length + theirs.length, 1, `one firing in all; got ${mine.length} here and ${theirs.length} there`);
        const jobs = await jobsOf('tick');
        assert.equal(jobs.filter((job) => job.name === 'tick-20260101t0005').length, 1);
        assert.equal(jobs.length, 3);
      } finally {
        await second.close();
      }
    });

    it('submits a firing claimed by a pass that died before submitting it, once', async () => {
      // What claimSlot leaves when the server is killed between its transaction and the submit.
      now = at('00:06:00.050');
      assert.ok(await store.repositories.schedules.advance('dev', 'tick', at('00:06:00'), at('00:07:00')));
      await store.repositories.schedules.insertFiring({
        workspace: 'dev',
        schedule: 'tick',
        slotAt: at('00:06:00'),
        kind: 'scheduled',
        missed: 1,
        job: 'tick-20260101t0006',
        state: 'pending',
        reason: null,
        firedAt: now,
      });
      assert.equal(await submitPendingFirings(context, now), 0, 'not taken over while its own pass may still be submitting it');
      now += pendingTakeoverMs;
      assert.equal(await submitPendingFirings(context, now), 1);
      assert.equal(await submitPendingFirings(context, now), 0);
      const shown = await getSchedule(context, 'dev', 'tick');
      assert.equal(shown.firings.find((firing) => firing.job === 'tick-20260101t0006')?.state, 'submitted');
      assert.equal((await jobsOf('tick')).filter((job) => job.name === 'tick-20260101t0006').length, 1);
    });

    it('a disabled schedule fires nothing, and enabled again fires from the next slot after now', async () => {
      await setScheduleEnabled(context, caller, 'dev', 'tick', false);
      now = at('00:09:30');
      assert.deepEqual(await fireDueSchedules(context, now), []);
      const enabled = await setScheduleEnabled(context, caller, 'dev', 'tick', true);
      assert.equal(enabled.nextFireAt, at('00:10:00'), 'the slots it was disabled for are not made up');
      assert.deepEqual(enabled.nextFirings.slice(0, 3), [at('00:10:00'), at('00:11:00'), at('00:12:00')]);
    });

    it('trigger fires now, as the caller, outside the slots', async () => {
      const firing = await triggerSchedule(context, { actor: 'user:bob', requestId: null }, 'dev', 'tick');
      assert.equal(firing.kind, 'manual');
      assert.equal(firing.job, 'tick-manual-20260101t000930');
      assert.equal(firing.state, 'submitted');
      assert.equal((await store.repositories.jobs.get('dev', firing.job))?.createdBy, 'user:bob');
      assert.equal((await getSchedule(context, 'dev', 'tick')).nextFireAt, at('00:10:00'), 'its slots are unchanged');
    });

    it('takes an existing command or pipeline job as the template (create_job: azureml:<job>)', async () => {
      const command = await submitJob(context, caller, {
        workspace: 'dev',
        fileName: 'job.yml',
        text: `command: echo from the template\nenvironment: ${environment}\ncompute: azureml:cpu-cluster\nexperiment_name: templates\n`,
        uploads: {},
        inlined: {},
      });
      const pipeline = await submitPipeline(context, caller, {
        workspace: 'dev',
        fileName: 'pipeline.yml',
        text: `type: pipeline\nsettings: {default_compute: azureml:cpu-cluster}\njobs:\n  only:\n    command: echo step\n    environment: ${environment}\n`,
        uploads: {},
        inlined: {},
      });
      for (const [name, template] of [
        ['from_command', command.name],
        ['from_pipeline', pipeline.name],
      ] as const) {
        const text = `name: ${name}\ntrigger: {type: cron, expression: "30 0 * * *"}\ncreate_job: azureml:${template}\n`;
        const created = await createSchedule(context, caller, { workspace: 'dev', fileName: `${name}.yml`, text });
        assert.equal(created.template.source, `azureml:${template}`);
        const firing = await triggerSchedule(context, caller, 'dev', name);
        assert.equal(firing.state, 'submitted', firing.reason ?? '');
        if (name === 'from_command') {
          const job = await store.repositories.jobs.get('dev', firing.job);
          assert.equal(job?.spec.command, 'echo from the template');
          assert.equal(job?.experimentName, 'templates');
        } else {
          const made = await store.repositories.pipelines.get('dev', firing.job);
          assert.deepEqual(Object.keys(made?.spec.jobs ?? {}), ['only']);
        }
      }
      await assert.rejects(
        createSchedule(context, caller, {
          workspace: 'dev',
          fileName: 'x.yml',
          text: 'name: x\ntrigger: {type: cron, expression: "0 1 * * *"}\ncreate_job: azureml:nope\n',
        }),
        /there is no job named 'nope' in workspace 'dev' to use as the template/,
      );
    });

    it('refuses a schedule whose job would be refused, when it is created, and stores nothing', async () => {
      const before = (await listSchedules(context, 'dev')).length;
      await assert.rejects(
        createSchedule(context, caller, { workspace: 'dev', fileName: 'broken.yml', text: everyMinute('broken', 'azureml:nope') }),
        (error: unknown) => {
          assert.ok(isTrellisError(error) && error.status === 422, String(error));
          assert.match(error.message, /create_job \(broken\.yml \(create_job\)\): compute: compute 'nope' does not exist/);
          return true;
        },
      );
      await assert.rejects(
        createSchedule(context, caller, {
          workspace: 'dev',
          fileName: 'bad-trigger.yml',
          text: everyMinute('bad').replace('frequency: minute', 'frequency: fortnight'),
        }),
        (error: unknown) => isTrellisError(error) && error.status === 422 && /trigger\.frequency/.test(error.message),
      );
      assert.equal((await listSchedules(context, 'dev')).length, before);
    });
  });
}
