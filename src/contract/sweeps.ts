import { z } from 'zod';
import { jobStates } from '../core/jobs/job-lifecycle.js';
import { sweepStates } from '../core/sweeps/sweep-job.js';
import { namedParams, workspaceParams } from './common.js';
import { jobErrors, submitRequest } from './jobs.js';
import { defineRoute } from './route.js';

/** A trial of a sweep job as the API answers it. */
export const sweepTrialSchema = z
  .object({
    index: z.number().int().describe('0-based, in the order the trials were sampled'),
    job: z.string().describe('the command job that runs it: <sweep>_<index>'),
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).describe('its hyperparameters'),
    status: z.enum(jobStates).describe("its job's state"),
    reason: z.string().nullable().describe("its job's reason"),
    objective: z
      .number()
      .nullable()
      .describe('the last value it reported of the primary metric (so far, while it runs); null when it reported none'),
    reports: z.number().int().describe('how many times it reported the primary metric'),
    isFinal: z.boolean().describe('its job ended: the objective is final'),
    stopReason: z.string().nullable().describe("the early-termination policy's rule and figures, when it stopped the trial"),
    runId: z.string().nullable().describe("its MLflow run, a child of the sweep's"),
    startedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
  })
  .meta({ id: 'SweepTrial' });

/** A sweep job as the API answers it. */
export const sweepJobSchema = z
  .object({
    workspace: z.string(),
    name: z.string(),
    type: z.literal('sweep'),
    displayName: z.string(),
    experimentName: z.string(),
    description: z.string().nullable(),
    tags: z.record(z.string(), z.string()),
    spec: z.record(z.string(), z.unknown()),
    state: z.enum(sweepStates),
    status: z.enum(sweepStates).describe("the state again, under Azure ML's name for it"),
    reason: z.string().nullable(),
    runId: z.string(),
    createdBy: z.string(),
    submittedAt: z.number(),
    startedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
    stopRequest: z.string().nullable(),
    trials: z.array(sweepTrialSchema).optional().describe('on the answers about one sweep job, not in lists'),
    best: sweepTrialSchema.nullable().optional().describe('the completed trial with the best objective so far'),
    progress: z
      .object({
        trials: z.number().int(),
        maxTotalTrials: z.number().int(),
        running: z.number().int(),
        completed: z.number().int(),
        failed: z.number().int(),
        canceled: z.number().int(),
        stoppedEarly: z.number().int(),
        withoutObjective: z.number().int().describe('trials that ended without ever logging the primary metric'),
      })
      .optional(),
  })
  .meta({ id: 'SweepJob' });

const tags = ['jobs'];
const one = '/api/v1/workspaces/:workspace/sweep-jobs/:name';

/** Sweep jobs: submit, read, list, cancel. Their trials are command jobs, read through the job routes. */
export const sweepRoutes = {
  submit: defineRoute('POST', '/api/v1/workspaces/:workspace/sweep-jobs', {
    tags,
    summary: 'Submit a sweep job (Azure ML v2 YAML, type: sweep)',
    params: workspaceParams,
    body: submitRequest,
    response: { 201: sweepJobSchema, ...jobErrors },
  }),
  list: defineRoute('GET', '/api/v1/workspaces/:workspace/sweep-jobs', {
    tags,
    summary: 'List sweep jobs, newest first',
    params: workspaceParams,
    querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
    response: { 200: z.object({ items: z.array(sweepJobSchema) }), ...jobErrors },
  }),
  get: defineRoute('GET', one, {
    tags,
    summary: 'One sweep job, with its trials, its best trial and its progress',
    params: namedParams,
    response: { 200: sweepJobSchema, ...jobErrors },
  }),
  cancel: defineRoute('POST', `${one}/cancel`, {
    tags,
    summary: 'Cancel a sweep job: its running trials are canceled and no more are started',
    params: namedParams,
    response: { 200: sweepJobSchema, ...jobErrors },
  }),
};
