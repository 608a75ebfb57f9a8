import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ScheduleBody, TrellisClient } from '../../client/trellis-client.js';
import { applySetOverrides } from '../../core/azureml/parse-job-file.js';
import { isPlainObject } from '../../core/azureml/schema-helpers.js';
import { parseYaml } from '../../core/yaml/parse-yaml.js';
import { stringifyYaml } from '../../core/yaml/stringify-yaml.js';
import { skipOutsideLinksFlag, type UploadOptions, uploadOptionsFrom } from '../apply-files.js';
import { cliContext } from '../cli-context.js';
import { readUserFile } from '../local-files.js';
import { printData, renderTable } from '../output.js';
import { type PreparedJob, prepareJob } from '../prepare-job.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/** trellis schedule create/show/list/update/enable/disable/trigger/delete, as `az ml schedule` does them. */
export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('job schedules: Azure ML schedule YAML (cron or recurrence), fired exactly once per slot');

  schedule
    .command('create')
    .description('create a schedule from an Azure ML schedule YAML file; its job is checked now')
    .requiredOption('-f, --file <path>', 'the schedule YAML (schedule.schema.json)')
    .option('-n, --name <name>', "the schedule's name (default: the file's)")
    .option('--set <key=value...>', 'override fields, e.g. --set trigger.expression="15 * * * *"', collect, [])
    .option(...skipOutsideLinksFlag)
    .action(async (options: { file: string; name?: string; set: string[]; skipOutsideLinks?: boolean }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const body = await scheduleRequest(client, workspace, options, output === 'table');
      const created = await client.createSchedule(workspace, body);
      printData(output, created, () => scheduleDetail(created));
    });

  schedule
    .command('update')
    .description("replace a schedule from its file, or change the stored one's fields with --set")
    .option('-f, --file <path>', 'the schedule YAML')
    .option('-n, --name <name>', 'the schedule (default: the name in the file)')
    .option('--set <key=value...>', 'override fields, e.g. --set description="nightly" trigger.expression="0 2 * * *"', collect, [])
    .option(...skipOutsideLinksFlag)
    .action(async (options: { file?: string; name?: string; set: string[]; skipOutsideLinks?: boolean }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      let body: Awaited<ReturnType<typeof scheduleRequest>>;
      if (options.file) body = await scheduleRequest(client, workspace, { ...options, file: options.file }, output === 'table');
      else if (options.name) {
        // The stored schedule, changed by --set; its job stays the one it has.
        const current = await client.getSchedule(workspace, options.name);
        const fileName = `schedule ${options.name}`;
        body = { fileName, text: applySetOverrides(stringifyYaml(current.spec), options.set, fileName) };
      } else throw new Error('give the schedule file (--file) or the schedule to change (--name)');
      const name = options.name ?? String(parseYaml(body.text, body.fileName).value.name ?? '');
      const updated = await client.updateSchedule(workspace, name, body);
      printData(output, updated, () => scheduleDetail(updated));
    });

  schedule
    .command('show')
    .description('one schedule: its trigger, next firings and the jobs it created')
    .requiredOption('-n, --name <name>', 'the schedule')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const found = await client.getSchedule(workspace, options.name);
      printData(output, found, () => scheduleDetail(found));
    });

  schedule
    .command('list')
    .description('schedules, by name')
    .action(async (_options: unknown, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const { items } = await client.listSchedules(workspace);
      printData(output, items, () =>
        renderTable(
          ['NAME', 'ENABLED', 'TRIGGER', 'NEXT FIRING', 'JOB', 'LAST JOB'],
          items.map((item) => [
            item.name,
            item.enabled ? 'yes' : 'no',
            item.triggerDescription,
            item.nextFireAt === null || !item.enabled ? '-' : new Date(item.nextFireAt).toISOString(),
            `${item.template.source} (${item.template.type})`,
            item.firings[0] ? `${item.firings[0].job} ${item.firings[0].jobState ?? item.firings[0].state}` : '-',
          ]),
        ),
      );
    });

  for (const verb of ['enable', 'disable'] as const)
    schedule
      .command(verb)
      .description(
        verb === 'enable'
          ? 'enable a schedule: it fires from its next slot after now'
          : 'disable a schedule: it fires nothing until enabled',
      )
      .requiredOption('-n, --name <name>', 'the schedule')
      .action(async (options: { name: string }, command: Command) => {
        const { client, workspace, output } = cliContext(command);
        const changed =
          verb === 'enable' ? await client.enableSchedule(workspace, options.name) : await client.disableSchedule(workspace, options.name);
        printData(output, changed, () => scheduleDetail(changed));
      });

  schedule
    .command('trigger')
    .description('fire a schedule now, outside its slots: submits its job as you, or runs its monitor')
    .requiredOption('-n, --name <name>', 'the schedule')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      const firing = await client.triggerSchedule(workspace, options.name);
      const isMonitor = output === 'table' && (await client.getSchedule(workspace, options.name)).template.type === 'monitor';
      printData(output, firing, () =>
        isMonitor
          ? `monitor run ${firing.job}: ${firing.jobState ?? firing.state}${firing.state === 'failed' ? ` (${firing.reason ?? ''})` : ''}; see it with: trellis monitor run --name ${options.name} --run ${firing.job}`
          : firing.state === 'failed'
            ? `job ${firing.job} was refused: ${firing.reason ?? ''}`
            : `job ${firing.job} submitted (${firing.jobState ?? 'Queued'})`,
      );
      if (firing.state === 'failed') process.exitCode = 1;
    });

  schedule
    .command('delete')
    .description('delete a schedule; the jobs it created stay')
    .requiredOption('-n, --name <name>', 'the schedule')
    .action(async (options: { name: string }, command: Command) => {
      const { client, workspace, output } = cliContext(command);
      await client.deleteSchedule(workspace, options.name);
      printData(output, { deleted: options.name }, () => `schedule ${options.name} deleted; the jobs it created stay`);
    });
}

/**
 * The schedule file, and the job its create_job names, as the server takes them: a job file
 * (`./job.yml`, relative to the schedule file) or an inline job is read here and its local paths
 * uploaded, as `trellis job create` does; `azureml:<job>` is left for the server.
 */
async function scheduleRequest(
  client: TrellisClient,
  workspace: string,
  options: { file: string; name?: string; set: string[]; skipOutsideLinks?: boolean },
  showProgress: boolean,
): Promise<{ fileName: string; text: string; job?: PreparedJob['body'] }> {
  const file = options.file;
  const original = await readUserFile(file, 'pass the path of a schedule YAML file');
  const text = applySetOverrides(original, options.name ? [...options.set, `name=${options.name}`] : options.set, file);
  const createJob = parseYaml(text, file).value.create_job;
  const progress = (line: string) => showProgress && process.stderr.write(`${line}\n`);
  const uploads: UploadOptions = uploadOptionsFrom(options);
  const reference =
    typeof createJob === 'string' ? createJob : isPlainObject(createJob) && typeof createJob.job === 'string' ? createJob.job : undefined;
  if (reference !== undefined) {
    if (reference.startsWith('azureml:')) return { fileName: file, text };
    const jobFile = resolve(dirname(resolve(file)), reference);
    const written = await readUserFile(jobFile, `create_job names '${reference}'; give a job file next to the schedule file`);
    const prepared = await prepareJob(client, workspace, jobFile, written, progress, uploads);
    return { fileName: file, text, job: { ...prepared.body, fileName: reference } };
  }
  if (isPlainObject(createJob)) {
    // An inline job: its relative paths start from the schedule file's folder.
    const prepared = await prepareJob(client, workspace, file, stringifyYaml(createJob), progress, uploads);
    return { fileName: file, text, job: { ...prepared.body, fileName: `${file} (create_job)` } };
  }
  return { fileName: file, text };
}

/** A schedule in words, its next firings, and the jobs it created as a table. */
export function scheduleDetail(schedule: ScheduleBody): string {
  const lines = [
    `name:        ${schedule.name}`,
    `display:     ${schedule.displayName}`,
    `enabled:     ${schedule.enabled ? 'yes' : 'no'}`,
    `trigger:     ${schedule.triggerDescription}`,
    schedule.template.type === 'monitor'
      ? `does:        create_monitor (a model monitor run at each firing: trellis monitor show --name ${schedule.name})`
      : `job:         ${schedule.template.source} (${schedule.template.type} job)`,
    `created:     ${new Date(schedule.createdAt).toISOString()} by ${schedule.createdBy}`,
    `next:        ${schedule.nextFirings.length > 0 ? schedule.nextFirings.map((at) => new Date(at).toISOString()).join(', ') : '-'}`,
    schedule.template.type === 'monitor' ? 'runs:' : 'jobs:',
    renderTable(
      ['SLOT', 'KIND', schedule.template.type === 'monitor' ? 'RUN' : 'JOB', 'STATE', 'REASON'],
      schedule.firings.map((firing) => [
        new Date(firing.slotAt).toISOString(),
        firing.kind === 'catch-up' ? `catch-up (${firing.missed} slots)` : firing.kind,
        firing.job,
        firing.state === 'submitted' ? (firing.jobState ?? 'gone') : firing.state,
        firing.reason ?? '',
      ]),
    )
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
  ];
  return lines.join('\n');
}
