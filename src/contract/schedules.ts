import { z } from 'zod';
import { firingKinds, firingStates, scheduleActionTypes } from '../core/schedules/schedule.js';
import { namedParams, workspaceParams } from './common.js';
import { jobErrors, submitRequest } from './jobs.js';
import { defineRoute } from './route.js';

/** A schedule file and the job file its create_job names (or its inline job), as `trellis schedule create` sends them. */
export const scheduleRequest = z
  .object({
    fileName: z.string().default('request').describe('shown in error messages'),
    text: z.string().describe('the Azure ML schedule YAML (schedule.schema.json), as written'),
    job: submitRequest
      .optional()
      .describe(
        'the job file create_job names, or its inline job, with the uploads of its local paths; not needed for azureml:<job> or an inline job without local paths',
      ),
  })
  .strict()
  .meta({ id: 'ScheduleRequest' });

/** One firing of a schedule and its job. */
export const scheduleFiringSchema = z
  .object({
    workspace: z.string(),
    schedule: z.string(),
    slotAt: z.number().describe('the slot it fired for (epoch ms); when it was asked for, for a manual firing'),
    kind: z
      .enum(firingKinds)
      .describe('scheduled, catch-up (slots missed while no server ran, fired once) or manual (trellis schedule trigger)'),
    missed: z.number().int().describe('for a catch-up firing, how many slots it stands for'),
    job: z.string().describe('the job it created (a command or pipeline job)'),
    state: z.enum(firingStates).describe('pending (claimed, being submitted), submitted, or failed (refused at submit: see reason)'),
    reason: z.string().nullable(),
    firedAt: z.number(),
    jobState: z.string().nullable().describe("the job's state now; null if it is gone"),
  })
  .meta({ id: 'ScheduleFiring' });

/** A schedule as the API answers it. */
export const scheduleSchema = z
  .object({
    workspace: z.string(),
    name: z.string(),
    displayName: z.string(),
    description: z.string().nullable(),
    tags: z.record(z.string(), z.string()),
    trigger: z.record(z.string(), z.unknown()).describe('the trigger as written (cron or recurrence)'),
    triggerDescription: z
      .string()
      .describe("the trigger in words, as the CLI shows it: 'cron 0 * * * * (America/Los_Angeles)', 'every day at 04:00 (UTC)'"),
    template: z.object({
      type: z.enum(scheduleActionTypes),
      fileName: z.string(),
      source: z.string().describe("'inline', the job file's name, or azureml:<job>"),
      defaultExperimentName: z.string().optional(),
    }),
    spec: z.record(z.string(), z.unknown()).describe('the schedule file as written'),
    enabled: z.boolean(),
    nextFireAt: z.number().nullable().describe('the next slot (epoch ms); null when disabled past its end_time'),
    nextFirings: z.array(z.number()).describe('the next five slots, when enabled'),
    createdBy: z.string(),
    createdAt: z.number(),
    updatedAt: z.number(),
    firings: z.array(scheduleFiringSchema).describe('the jobs it created, newest first (the last 50 on one schedule, 5 in lists)'),
  })
  .meta({ id: 'Schedule' });

const tags = ['schedules'];
const one = '/api/v1/workspaces/:workspace/schedules/:name';

/** Job schedules: create, read, list, replace, enable, disable, delete, fire now. */
export const scheduleRoutes = {
  create: defineRoute('POST', '/api/v1/workspaces/:workspace/schedules', {
    tags,
    summary: 'Create a schedule (Azure ML schedule YAML); its job is checked now, not when it fires',
    params: workspaceParams,
    body: scheduleRequest,
    response: { 201: scheduleSchema, ...jobErrors },
  }),
  list: defineRoute('GET', '/api/v1/workspaces/:workspace/schedules', {
    tags,
    summary: 'List schedules, by name',
    params: workspaceParams,
    response: { 200: z.object({ items: z.array(scheduleSchema) }), ...jobErrors },
  }),
  get: defineRoute('GET', one, {
    tags,
    summary: 'One schedule, with its next firings and the jobs it created',
    params: namedParams,
    response: { 200: scheduleSchema, ...jobErrors },
  }),
  update: defineRoute('PUT', one, {
    tags,
    summary: 'Replace a schedule from its file: trigger, job and metadata; the next slot is computed from now',
    params: namedParams,
    body: scheduleRequest,
    response: { 200: scheduleSchema, ...jobErrors },
  }),
  enable: defineRoute('POST', `${one}/enable`, {
    tags,
    summary: 'Enable a schedule: it fires from its next slot after now',
    params: namedParams,
    response: { 200: scheduleSchema, ...jobErrors },
  }),
  disable: defineRoute('POST', `${one}/disable`, {
    tags,
    summary: 'Disable a schedule: it fires nothing until enabled',
    params: namedParams,
    response: { 200: scheduleSchema, ...jobErrors },
  }),
  trigger: defineRoute('POST', `${one}/trigger`, {
    tags,
    summary: 'Fire a schedule now, outside its slots: submits its job as the caller',
    params: namedParams,
    response: { 201: scheduleFiringSchema, ...jobErrors },
  }),
  delete: defineRoute('DELETE', one, {
    tags,
    summary: 'Delete a schedule; the jobs it created stay',
    params: namedParams,
    response: { 204: z.null(), ...jobErrors },
  }),
};
