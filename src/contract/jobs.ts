import { z } from 'zod';
import { jobStates } from '../core/jobs/job-lifecycle.js';
import { applyRequest } from './apply.js';
import { namedParams, workspaceParams } from './common.js';
import { jobLineageSchema } from './job-lineage.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

/** A job as the API answers it: Trellis's Job, with `status` (Azure ML's name for state). */
export const jobSchema = z
  .object({
    workspace: z.string(),
    name: z.string(),
    displayName: z.string(),
    experimentName: z.string(),
    description: z.string().nullable(),
    tags: z.record(z.string(), z.string()),
    compute: z.string(),
    spec: z.record(z.string(), z.unknown()),
    lineage: jobLineageSchema,
    state: z.enum(jobStates),
    status: z.enum(jobStates).describe("the state again, under Azure ML's name for it (az ml job show --query status)"),
    reason: z.string().nullable(),
    exitCode: z.number().int().nullable(),
    retries: z.number().int(),
    attempt: z.number().int(),
    priority: z.number().int(),
    instanceCount: z.number().int(),
    submittedAt: z.number(),
    startedAt: z.number().nullable(),
    endedAt: z.number().nullable(),
    runId: z.string(),
    createdBy: z.string(),
    nodeSeconds: z.number(),
    nodes: z.array(z.string()),
    handle: z.string().nullable(),
    stopRequest: z.string().nullable(),
    runningTime: z
      .object({
        seconds: z.number().describe('running seconds over all attempts'),
        attempts: z.array(
          z.object({
            attempt: z.number().int(),
            startedAt: z.number(),
            endedAt: z.number().nullable(),
            seconds: z.number(),
            endedAs: z.enum(jobStates).nullable(),
          }),
        ),
      })
      .optional()
      .describe("from the job's state history: on the answers about one job, not in lists"),
  })
  .meta({ id: 'Job' });

export const submitRequest = applyRequest
  .omit({ kind: true, dryRun: true })
  .extend({
    defaultExperimentName: z
      .string()
      .optional()
      .describe("used when the file names no experiment_name (Azure ML uses the job file's folder name)"),
  })
  .meta({ id: 'JobSubmitRequest' });

/** The errors of job and compute routes. */
export const jobErrors = { 400: problemSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema };
const tags = ['jobs'];
const one = '/api/v1/workspaces/:workspace/jobs/:name';

/** Command jobs: submit, read, list, cancel, follow the log. */
export const jobRoutes = {
  submit: defineRoute('POST', '/api/v1/workspaces/:workspace/jobs', {
    tags,
    summary: 'Submit a command job (Azure ML v2 YAML, type: command)',
    params: workspaceParams,
    body: submitRequest,
    response: { 201: jobSchema, ...jobErrors },
  }),
  list: defineRoute('GET', '/api/v1/workspaces/:workspace/jobs', {
    tags,
    summary: 'List jobs, newest first',
    params: workspaceParams,
    querystring: z.object({
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      pageToken: z.string().optional(),
      compute: z.string().optional(),
    }),
    response: { 200: z.object({ items: z.array(jobSchema), nextPageToken: z.string().nullable() }), ...jobErrors },
  }),
  get: defineRoute('GET', one, { tags, summary: 'One job', params: namedParams, response: { 200: jobSchema, ...jobErrors } }),
  events: defineRoute('GET', `${one}/events`, {
    tags,
    summary: "The job's states over time, with reasons",
    params: namedParams,
    response: {
      200: z.object({
        items: z.array(z.object({ seq: z.number(), at: z.number(), state: z.string(), reason: z.string().nullable() })),
      }),
      ...jobErrors,
    },
  }),
  cancel: defineRoute('POST', `${one}/cancel`, {
    tags,
    summary: 'Cancel a queued or running job',
    params: namedParams,
    response: { 200: jobSchema, ...jobErrors },
  }),
  logs: defineRoute('GET', `${one}/logs`, {
    tags,
    summary: "The job's log (std_log.txt) from an offset; `follow=true` streams it as server-sent events until the job ends",
    params: namedParams,
    querystring: z.object({ offset: z.coerce.number().int().min(0).default(0), follow: z.enum(['true', 'false']).default('false') }),
    response: {
      200: {
        description: 'the text from `offset` (x-next-offset: where to read on); with follow=true, events `log` and `state` as JSON',
        content: { 'text/plain': { schema: z.string() }, 'text/event-stream': { schema: z.string() } },
      },
      400: problemSchema,
      404: problemSchema,
    },
  }),
};

/** One event of a followed job log: a chunk of text, or the job's state when it changes. */
export type JobLogEvent =
  | { event: 'log'; attempt: number; text: string }
  | { event: 'state'; state: z.infer<typeof jobSchema>['state']; reason: string | null; exitCode: number | null; attempt: number };
