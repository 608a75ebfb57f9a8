import { type CreateJobSource, createJobSource, type ScheduleFile, scheduleSchema } from '../../core/azureml/schedule-schema.js';
import { describeIssue, problemsFromIssues } from '../../core/azureml/zod-problems.js';
import { invalidInput, TrellisError } from '../../core/errors.js';
import { digestOf } from '../../core/resources/digest.js';
import { firingJobText } from '../../core/schedules/job-template.js';
import { nextFiring, nextFirings } from '../../core/schedules/next-firing.js';
import { describeTrigger } from '../../core/schedules/trigger.js';
import { firingJobName, type JobTemplate, type Schedule, type ScheduleFiring } from '../../core/schedules/schedule.js';
import { parseYaml } from '../../core/yaml/parse-yaml.js';
import { stringifyYaml } from '../../core/yaml/stringify-yaml.js';
import type { Repositories } from '../../store/store.js';
import type { Caller, Context } from '../context.js';
import { checkJob } from '../jobs/submit-job.js';
import { monitorTemplate } from '../monitoring/check-monitor.js';
import { checkPipeline } from '../pipelines/submit-pipeline.js';
import { requireWorkspace } from '../resource-service.js';
import { resolveJobTemplate, type SentJob, underCreateJob } from './job-template-source.js';

/** A schedule file with the job file its create_job names (or its inline job), as the CLI sends them. */
export interface ScheduleInput {
  workspace: string;
  fileName: string;
  text: string;
  job?: SentJob | undefined;
}

/** A firing with where its job stands. */
export interface FiringView extends ScheduleFiring {
  jobState: string | null;
}

/** A schedule as shown: its next firings and the jobs it made, newest first. */
export interface ScheduleView extends Omit<Schedule, 'template'> {
  template: Omit<JobTemplate, 'uploads' | 'inlined' | 'text'>;
  /** The trigger in words (describeTrigger), so the studio, which cannot import core/, shows what the CLI shows. */
  triggerDescription: string;
  nextFirings: number[];
  firings: FiringView[];
}

function notFound(workspace: string, name: string): TrellisError {
  return new TrellisError(
    'ScheduleNotFound',
    404,
    `no schedule named '${name}' in workspace '${workspace}'; list them with: trellis schedule list`,
  );
}

/** Parses and checks a schedule file and its job, writing nothing. */
async function buildSchedule(context: Context, caller: Caller, input: ScheduleInput, existing: Schedule | undefined): Promise<Schedule> {
  await requireWorkspace(context, input.workspace);
  const yaml = parseYaml(input.text, input.fileName);
  const parsed = scheduleSchema.safeParse(yaml.value, { error: describeIssue });
  if (!parsed.success)
    throw invalidInput(
      input.fileName,
      problemsFromIssues(parsed.error.issues, yaml.locate).sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    );
  const file: ScheduleFile = parsed.data;
  const now = context.clock().getTime();
  const createdAt = existing?.createdAt ?? now;
  const nextFireAt = nextFiring(file.trigger, now - 1, createdAt);
  let template: JobTemplate;
  if (file.create_monitor) template = await monitorTemplate(context, input.workspace, file, input.fileName, yaml.locate);
  else {
    const source = createJobSource(file.create_job!);
    template = await resolveJobTemplate(context, input.workspace, source, input.job ?? keptJob(existing, source), input.fileName);
    // The job is checked now, as its first firing will submit it: a broken template is refused at create, not when it fires.
    await checkTemplate(context, input.workspace, file.name, template, nextFireAt ?? now, input.fileName);
  }
  return {
    workspace: input.workspace,
    name: file.name,
    displayName: file.display_name ?? file.name,
    description: file.description ?? null,
    tags: file.tags ?? {},
    trigger: file.trigger,
    template,
    spec: { ...yaml.value },
    enabled: file.is_enabled ?? existing?.enabled ?? true,
    nextFireAt,
    createdBy: existing?.createdBy ?? caller.actor,
    createdAt,
    updatedAt: now,
  };
}

/**
 * An update sent without its job file (`trellis schedule update --name x --set ...`) keeps the job
 * the schedule has: the same job file's stored text and contents, or an inline job's contents.
 */
function keptJob(existing: Schedule | undefined, source: CreateJobSource): SentJob | undefined {
  if (!existing || existing.template.type === 'monitor') return undefined;
  const { fileName, uploads, inlined, defaultExperimentName } = existing.template;
  const kept = { fileName, uploads, inlined, ...(defaultExperimentName !== undefined ? { defaultExperimentName } : {}) };
  if (source.kind === 'inline') return { ...kept, text: stringifyYaml(source.job) };
  if (source.reference.startsWith('azureml:') || existing.template.source !== source.reference) return undefined;
  return { ...kept, text: existing.template.text };
}

/** Checks the job a firing at `slotAt` would submit, as submit would; problems are named under create_job. */
export async function checkTemplate(
  context: Context,
  workspace: string,
  schedule: string,
  template: JobTemplate,
  slotAt: number,
  scheduleFile: string,
): Promise<void> {
  const jobName = firingJobName(schedule, slotAt, 'scheduled');
  const text = firingJobText(template.text, { schedule, jobName, slotAt, kind: 'scheduled' }, template.fileName);
  const input = { ...template, workspace, text };
  try {
    if (template.type === 'pipeline') await checkPipeline(context, input);
    else await checkJob(context, input);
  } catch (error) {
    const problems = underCreateJob(error, template.fileName);
    // A job named as this slot's job exists already: the slot fired before (an update), not a problem of the template.
    const real = problems?.filter((problem) => !problem.path.endsWith(': name'));
    if (!real) throw error;
    if (real.length > 0) throw invalidInput(scheduleFile, real);
  }
}

/** Creates a schedule (409 if one of that name exists): checked whole, its first slot computed. */
export async function createSchedule(context: Context, caller: Caller, input: ScheduleInput): Promise<ScheduleView> {
  const schedule = await buildSchedule(context, caller, input, undefined);
  const repositories = context.store.repositories;
  if (await repositories.schedules.get(schedule.workspace, schedule.name))
    throw new TrellisError(
      'ScheduleExists',
      409,
      `a schedule named '${schedule.name}' exists in workspace '${schedule.workspace}'; change it with: trellis schedule update --file ${input.fileName}`,
    );
  await context.store.transaction(async (transaction) => {
    await transaction.schedules.insert(schedule);
    await auditSchedule(transaction, caller, schedule, 'create', `schedule created: ${describeNext(schedule)}`);
  });
  return getSchedule(context, schedule.workspace, schedule.name);
}

/**
 * Replaces a schedule's trigger, job and metadata (404 if there is none). Its next slot is
 * computed again from now: slots already fired stay fired, none is fired twice.
 */
export async function updateSchedule(context: Context, caller: Caller, name: string, input: ScheduleInput): Promise<ScheduleView> {
  const existing = await requireSchedule(context, input.workspace, name);
  const schedule = await buildSchedule(context, caller, input, existing);
  if (schedule.name !== name)
    throw invalidInput(input.fileName, [
      { path: 'name', message: `the file names schedule '${schedule.name}', not '${name}'; a schedule cannot be renamed` },
    ]);
  await context.store.transaction(async (transaction) => {
    await transaction.schedules.replace(schedule);
    await auditSchedule(transaction, caller, schedule, 'update', `schedule updated: ${describeNext(schedule)}`);
  });
  return getSchedule(context, schedule.workspace, schedule.name);
}

/**
 * Enables or disables a schedule. A disabled schedule fires nothing; enabled again, it fires from
 * its next slot after now (the slots it was disabled for are not made up).
 */
export async function setScheduleEnabled(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  enabled: boolean,
): Promise<ScheduleView> {
  const existing = await requireSchedule(context, workspace, name);
  if (existing.enabled !== enabled) {
    const now = context.clock().getTime();
    const schedule: Schedule = {
      ...existing,
      enabled,
      nextFireAt: enabled ? nextFiring(existing.trigger, now - 1, existing.createdAt) : existing.nextFireAt,
      updatedAt: now,
    };
    await context.store.transaction(async (transaction) => {
      await transaction.schedules.replace(schedule);
      await auditSchedule(
        transaction,
        caller,
        schedule,
        'update',
        enabled ? `schedule enabled: ${describeNext(schedule)}` : 'schedule disabled',
      );
    });
  }
  return getSchedule(context, workspace, name);
}

/** Deletes a schedule; the jobs it created stay. */
export async function deleteSchedule(context: Context, caller: Caller, workspace: string, name: string): Promise<void> {
  const existing = await requireSchedule(context, workspace, name);
  await context.store.transaction(async (transaction) => {
    await transaction.schedules.delete(workspace, name);
    await auditSchedule(transaction, caller, existing, 'delete', 'schedule deleted; the jobs it created stay');
  });
}

export async function getSchedule(context: Context, workspace: string, name: string, history = 50): Promise<ScheduleView> {
  return viewOf(context, await requireSchedule(context, workspace, name), history);
}

export async function requireSchedule(context: Context, workspace: string, name: string): Promise<Schedule> {
  const schedule = await context.store.repositories.schedules.get(workspace, name);
  if (!schedule) throw notFound(workspace, name);
  return schedule;
}

export async function listSchedules(context: Context, workspace: string): Promise<ScheduleView[]> {
  await requireWorkspace(context, workspace);
  const schedules = await context.store.repositories.schedules.list(workspace);
  return Promise.all(schedules.map((schedule) => viewOf(context, schedule, 5)));
}

/** The state of a job a schedule made (a pipeline or a command job); null if it is gone. */
export async function madeJobState(context: Context, workspace: string, name: string): Promise<string | null> {
  const repositories = context.store.repositories;
  const job =
    (await repositories.pipelines.get(workspace, name)) ??
    (await repositories.jobs.get(workspace, name)) ??
    (await repositories.monitors.getRun(workspace, name));
  return job?.state ?? null;
}

async function viewOf(context: Context, schedule: Schedule, history: number): Promise<ScheduleView> {
  const repositories = context.store.repositories;
  const firings = await repositories.schedules.firings(schedule.workspace, schedule.name, history);
  const views: FiringView[] = [];
  for (const firing of firings) views.push({ ...firing, jobState: await madeJobState(context, schedule.workspace, firing.job) });
  const { uploads: _uploads, inlined: _inlined, text: _text, ...template } = schedule.template;
  const upcoming =
    schedule.enabled && schedule.nextFireAt !== null
      ? [schedule.nextFireAt, ...nextFirings(schedule.trigger, schedule.nextFireAt, schedule.createdAt, 4)]
      : [];
  return { ...schedule, template, triggerDescription: describeTrigger(schedule.trigger), nextFirings: upcoming, firings: views };
}

function describeNext(schedule: Schedule): string {
  return schedule.nextFireAt === null ? 'no slot left (past its end_time)' : `next firing ${new Date(schedule.nextFireAt).toISOString()}`;
}

async function auditSchedule(
  repositories: Repositories,
  caller: Caller,
  schedule: Schedule,
  action: 'create' | 'update' | 'delete',
  summary: string,
): Promise<void> {
  await repositories.audit.append({
    workspace: schedule.workspace,
    at: new Date(schedule.updatedAt).toISOString(),
    actor: caller.actor,
    action,
    kind: 'schedule',
    name: schedule.name,
    version: null,
    beforeDigest: null,
    afterDigest: action === 'delete' ? null : digestOf({ trigger: schedule.trigger, template: schedule.template.text }),
    requestId: caller.requestId,
    summary,
  });
}
