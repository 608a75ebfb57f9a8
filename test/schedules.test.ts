import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ScheduleBody } from '../src/client/trellis-client.js';
import { ApiError } from '../src/client/api-error.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

// The schedule examples of Azure/azureml-examples (cli/schedules at the fixtures' commit, kept
// verbatim: test/fixtures/azureml-examples/NOTICE.md), created unchanged with `trellis schedule create`.
const examples = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli', 'schedules');
const environment = 'azureml://registries/azureml/environments/sklearn-1.5/labels/latest';
const settings = {
  TRELLIS_ENV_CACHE: join(repositoryRoot, '.cache', 'environments'),
  TRELLIS_JOB_TICK_MS: '200',
  TRELLIS_SCHEDULE_TICK_MS: '200',
};
const minute = 60_000;

/** The wall-clock hour and minute of an instant in a time zone. */
function wallClock(at: number, timeZone: string): { hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: string) => Number(parts.find((item) => item.type === type)?.value);
  return { hour: part('hour'), minute: part('minute') };
}

describe('schedules', () => {
  let trellis: TrellisProcess;
  let scratch: string;
  const cli = (args: string[]) => runCli(args, { url: trellis.url });
  const show = (name: string) => trellis.client.getSchedule('default', name);

  before(async () => {
    trellis = await startTrellis({ env: settings });
    scratch = await mkdtemp(join(tmpdir(), 'trellis-schedules-'));
    // The examples' job runs on azureml:cpu-cluster.
    const made = await cli(['compute', 'create', '--name', 'cpu-cluster', '--size', 'Standard_DS3_v2', '--max-instances', '2']);
    assert.equal(made.code, 0, made.stderr);
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('creates the three example schedules unchanged, each with its next firings in its time zone', async () => {
    for (const file of ['cron-job-schedule.yml', 'cron-with-settings-job-schedule.yml', 'recurrence-job-schedule.yml']) {
      const created = await cli(['schedule', 'create', '--file', join(examples, file)]);
      assert.equal(created.code, 0, `${file}: ${created.stderr}`);
      assert.match(created.stdout, /job: +\.\/simple-pipeline-job\.yml \(pipeline job\)/);
    }
    // "0 * * * *" in Pacific time: every hour on the hour.
    const cron = await show('simple_cron_job_schedule');
    assert.equal(cron.nextFirings.length, 5);
    for (const [index, at] of cron.nextFirings.entries()) {
      assert.equal(wallClock(at, 'America/Los_Angeles').minute, 0);
      if (index > 0) assert.equal(at - cron.nextFirings[index - 1]!, 60 * minute);
    }
    assert.ok(cron.nextFirings[0]! > Date.now() - minute && cron.nextFirings[0]! <= Date.now() + 60 * minute);
    // Every day at hours [4,5,10,11,12] × minutes [0,30], Pacific time.
    const recurrence = await show('simple_recurrence_job_schedule');
    for (const at of recurrence.nextFirings) {
      const { hour, minute: minutes } = wallClock(at, 'America/Los_Angeles');
      assert.ok(
        [4, 5, 10, 11, 12].includes(hour) && [0, 30].includes(minutes),
        `${new Date(at).toISOString()} is ${hour}:${minutes} in Los Angeles`,
      );
    }
    const listed = await cli(['schedule', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /simple_recurrence_job_schedule +yes +every day at 04:00, 04:30/);
    assert.match(listed.stdout, /simple_cron_job_schedule +yes +cron 0 \* \* \* \* \(America\/Los_Angeles\)/);
  });

  it('trigger fires the pipeline now, with create_job overrides and ${{name}} applied, and the schedule lists it', async () => {
    const fired = await cli(['schedule', 'trigger', '--name', 'cron_with_settings_job_schedule']);
    assert.equal(fired.code, 0, fired.stderr);
    const job = /job (\S+) submitted/.exec(fired.stdout)?.[1] ?? '';
    assert.ok(job.startsWith('cron_with_settings_job_schedule-manual-'), fired.stdout);
    const pipeline = await waitFor(() => trellis.client.getPipeline('default', job), {
      until: (found) => ['Completed', 'Failed', 'Canceled'].includes(found.state),
      timeoutMs: 300_000,
      intervalMs: 500,
      what: `pipeline ${job} to end`,
    });
    assert.equal(pipeline.state, 'Completed', pipeline.reason ?? '');
    // The schedule's inputs override: hello_string_top_level_input: ${{name}}, the job's own name.
    const a = pipeline.steps?.find((step) => step.step === 'a');
    const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${a?.job}/logs`)).text();
    assert.match(log, new RegExp(`^hello ${job}$`, 'm'));
    assert.equal(pipeline.tags.schedule, 'cron_with_settings_schedule', "create_job's tags");
    assert.equal(pipeline.tags['trellis.schedule'], 'cron_with_settings_job_schedule');
    assert.equal((pipeline.spec.settings as Record<string, unknown> | undefined)?.continue_on_step_failure, true, "create_job's settings");
    const shown = await cli(['schedule', 'show', '--name', 'cron_with_settings_job_schedule']);
    assert.match(shown.stdout, new RegExp(`manual +${job} +Completed`));
  });

  it('updates, disables, enables and deletes a schedule; the jobs it made stay', async () => {
    const updated = await cli(['schedule', 'update', '--name', 'simple_cron_job_schedule', '--set', 'trigger.expression=15 * * * *']);
    assert.equal(updated.code, 0, updated.stderr);
    const cron = await show('simple_cron_job_schedule');
    assert.ok(cron.nextFirings.every((at) => wallClock(at, 'America/Los_Angeles').minute === 15));
    assert.equal(cron.template.source, './simple-pipeline-job.yml', 'the job is kept when only --set is given');

    const disabled = await cli(['schedule', 'disable', '--name', 'simple_cron_job_schedule']);
    assert.match(disabled.stdout, /enabled: +no/);
    assert.deepEqual((await show('simple_cron_job_schedule')).nextFirings, []);
    const enabled = await cli(['schedule', 'enable', '--name', 'simple_cron_job_schedule']);
    assert.match(enabled.stdout, /enabled: +yes/);

    const made = (await show('cron_with_settings_job_schedule')).firings.map((firing) => firing.job);
    assert.equal(made.length, 1);
    const deleted = await cli(['schedule', 'delete', '--name', 'cron_with_settings_job_schedule']);
    assert.equal(deleted.code, 0, deleted.stderr);
    await assert.rejects(show('cron_with_settings_job_schedule'), (error: unknown) => error instanceof ApiError && error.status === 404);
    assert.equal((await trellis.client.getPipeline('default', made[0]!)).state, 'Completed', 'the job it made stays');
  });

  it('refuses a bad schedule at create, naming each field and line, and creates nothing', async () => {
    const count = async () => (await trellis.client.listSchedules('default')).items.length;
    const before = await count();
    const file = join(scratch, 'bad.yml');
    await writeFile(
      file,
      [
        'name: bad',
        'trigger:',
        '  type: cron',
        '  expression: "61 * * * *"',
        '  time_zone: Mars Standard Time',
        'create_job:',
        '  type: command',
        '  command: echo hi',
        `  environment: ${environment}`,
        '',
      ].join('\n'),
    );
    const refused = await cli(['schedule', 'create', '--file', file]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /line 4: trigger\.expression: .*61/);
    assert.match(refused.stderr, /line 5: trigger\.time_zone: .*Mars Standard Time/);

    // A trigger that holds, but a job that would be refused when it fires: refused now.
    await writeFile(
      file,
      [
        'name: bad',
        'trigger: {type: cron, expression: "0 3 * * *"}',
        'create_job:',
        '  type: command',
        '  command: echo hi',
        `  environment: ${environment}`,
        '  compute: azureml:no-such-cluster',
        '',
      ].join('\n'),
    );
    const broken = await cli(['schedule', 'create', '--file', file]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /create_job .*compute: compute 'no-such-cluster' does not exist/);
    assert.equal(await count(), before);
  });

  it('fires a one-minute recurrence once per slot across kill -9 of the server', { timeout: 240_000 }, async () => {
    const file = join(scratch, 'every-minute.yml');
    await writeFile(
      file,
      [
        'name: every_minute',
        'trigger:',
        '  type: recurrence',
        '  frequency: minute',
        '  interval: 1',
        'create_job:',
        '  type: command',
        '  command: echo tick ${{creation_context.trigger_time}}',
        `  environment: ${environment}`,
        '  compute: azureml:cpu-cluster',
        '',
      ].join('\n'),
    );
    const created = await cli(['schedule', 'create', '--file', file]);
    assert.equal(created.code, 0, created.stderr);
    // No start_time: the first slot is the moment it was created (Azure ML runs the first job at once), then each minute.
    const firstSlot = (await show('every_minute')).createdAt;
    const fired = (count: number) =>
      waitFor(() => show('every_minute'), {
        until: (schedule: ScheduleBody) => schedule.firings.filter((firing) => firing.state === 'submitted').length >= count,
        timeoutMs: 2 * minute + 30_000,
        intervalMs: 250,
        what: `${count} firings of every_minute`,
      });
    await fired(1);
    // Killed right after a slot fired, started again on the same data: the next slot fires once, none twice.
    await trellis.stop('SIGKILL');
    trellis = await startTrellis({ home: trellis.home, env: settings });
    const schedule = await fired(2);
    const firings = [...schedule.firings].reverse();
    assert.deepEqual(
      firings.map((firing) => [firing.slotAt, firing.kind]),
      [
        [firstSlot, 'scheduled'],
        [firstSlot + minute, 'scheduled'],
      ],
    );
    const jobs = (await trellis.client.listJobs('default', { limit: 1000 })).items.filter(
      (job) => job.tags['trellis.schedule'] === 'every_minute',
    );
    assert.deepEqual(jobs.map((job) => job.name).sort(), firings.map((firing) => firing.job).sort(), 'one job per firing');
    for (const firing of firings) {
      const job = await waitFor(() => trellis.client.getJob('default', firing.job), {
        until: (found) => ['Completed', 'Failed', 'Canceled'].includes(found.state),
        timeoutMs: 120_000,
        what: `job ${firing.job} to end`,
      });
      assert.equal(job.state, 'Completed', job.reason ?? '');
      const log = await (await fetch(`${trellis.url}/api/v1/workspaces/default/jobs/${firing.job}/logs`)).text();
      assert.match(log, new RegExp(`^tick ${new Date(firing.slotAt).toISOString()}$`, 'm'));
    }
  });
});
