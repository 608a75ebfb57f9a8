import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Job } from '../../core/jobs/job.js';
import { jobStates } from '../../core/jobs/job-lifecycle.js';
import { runningTimeOf } from '../../core/jobs/running-time.js';
import type { Context } from '../../services/context.js';
import {
  cancelJob,
  computeUsage,
  evictNodes,
  getJob,
  jobEvents,
  listJobs,
  readJobLog,
  workspaceQuotaUsage,
} from '../../services/jobs/job-service.js';
import { submitJob } from '../../services/jobs/submit-job.js';
import { callerOf } from '../caller.js';
import { problemSchema } from '../problem.js';
import type { RouteOptions } from '../route-options.js';
import { workspaceParams } from '../schemas.js';
import { applyRequest } from './apply.js';

const jobSchema = z
  .object({
    workspace: z.string(),
    name: z.string(),
    displayName: z.string(),
    experimentName: z.string(),
    description: z.string().nullable(),
    tags: z.record(z.string(), z.string()),
    compute: z.string(),
    spec: z.record(z.string(), z.unknown()),
    lineage: z.record(z.string(), z.unknown()),
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

/** A job as the API answers it (the lineage is typed in core; here it is plain JSON). */
function body(job: Job): z.infer<typeof jobSchema> {
  return { ...job, status: job.state, lineage: job.lineage as unknown as Record<string, unknown> };
}

/** One job with its running time over all attempts, read from its state history. */
async function bodyWithRunningTime(context: Context, job: Job): Promise<z.infer<typeof jobSchema>> {
  const events = await jobEvents(context, job.workspace, job.name);
  return body({ ...job, runningTime: runningTimeOf(events, context.clock().getTime()) });
}

const jobParams = workspaceParams.extend({ name: z.string() });
const submitRequest = applyRequest
  .omit({ kind: true, dryRun: true })
  .extend({
    defaultExperimentName: z
      .string()
      .optional()
      .describe("used when the file names no experiment_name (Azure ML uses the job file's folder name)"),
  })
  .meta({ id: 'JobSubmitRequest' });
const errors = { 400: problemSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema };
const node = z.object({
  workspace: z.string(),
  compute: z.string(),
  nodeId: z.string(),
  state: z.string(),
  job: z.string().nullable(),
  size: z.string(),
  tier: z.string(),
  createdAt: z.number(),
  idleSince: z.number().nullable(),
  removedAt: z.number().nullable(),
  removedReason: z.string().nullable(),
});

/** Command jobs: submit, read, list, cancel, follow the log; and the nodes and usage of computes. */
export const jobRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config, jobs }) => {
  const tags = ['jobs'];
  const wake = () => jobs?.wake();

  app.post(
    '/api/v1/workspaces/:workspace/jobs',
    {
      schema: {
        tags,
        summary: 'Submit a command job (Azure ML v2 YAML, type: command)',
        params: workspaceParams,
        body: submitRequest,
        response: { 201: jobSchema, ...errors },
      },
    },
    async (request, reply) => {
      const job = await submitJob(context, callerOf(request, config.localUser), { workspace: request.params.workspace, ...request.body });
      wake();
      return reply.status(201).send(await bodyWithRunningTime(context, job));
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/jobs',
    {
      schema: {
        tags,
        summary: 'List jobs, newest first',
        params: workspaceParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          pageToken: z.string().optional(),
          compute: z.string().optional(),
        }),
        response: { 200: z.object({ items: z.array(jobSchema), nextPageToken: z.string().nullable() }), ...errors },
      },
    },
    async (request) => {
      const page = await listJobs(context, request.params.workspace, request.query);
      return { items: page.items.map(body), nextPageToken: page.nextPageToken ?? null };
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/jobs/:name',
    { schema: { tags, summary: 'One job', params: jobParams, response: { 200: jobSchema, ...errors } } },
    async (request) => bodyWithRunningTime(context, await getJob(context, request.params.workspace, request.params.name)),
  );

  app.get(
    '/api/v1/workspaces/:workspace/jobs/:name/events',
    {
      schema: {
        tags,
        summary: "The job's states over time, with reasons",
        params: jobParams,
        response: {
          200: z.object({
            items: z.array(z.object({ seq: z.number(), at: z.number(), state: z.string(), reason: z.string().nullable() })),
          }),
          ...errors,
        },
      },
    },
    async (request) => ({ items: await jobEvents(context, request.params.workspace, request.params.name) }),
  );

  app.post(
    '/api/v1/workspaces/:workspace/jobs/:name/cancel',
    { schema: { tags, summary: 'Cancel a queued or running job', params: jobParams, response: { 200: jobSchema, ...errors } } },
    async (request) => {
      const job = await cancelJob(context, callerOf(request, config.localUser), request.params.workspace, request.params.name);
      wake();
      return bodyWithRunningTime(context, job);
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/jobs/:name/logs',
    {
      schema: {
        tags,
        summary: "The job's log (std_log.txt) from an offset; `follow=true` streams it as server-sent events until the job ends",
        params: jobParams,
        querystring: z.object({ offset: z.coerce.number().int().min(0).default(0), follow: z.enum(['true', 'false']).default('false') }),
      },
    },
    async (request, reply) => {
      const { workspace, name } = request.params;
      const jobsRoot = jobs?.jobsRoot ?? '';
      if (request.query.follow !== 'true') {
        const { text, nextOffset } = await readJobLog(context, jobsRoot, workspace, name, request.query.offset);
        return reply.header('x-next-offset', String(nextOffset)).type('text/plain; charset=utf-8').send(text);
      }
      await getJob(context, workspace, name);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-request-id': String(request.id),
      });
      let offset = request.query.offset;
      let attempt = -1;
      let lastState = '';
      let closed = false;
      request.raw.on('close', () => (closed = true));
      const send = (event: string, data: unknown) => raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      while (!closed) {
        let read = await readJobLog(context, jobsRoot, workspace, name, offset);
        if (read.job.attempt !== attempt) {
          // A new attempt writes a new log: read it from its start.
          if (attempt !== -1 && offset !== 0) {
            offset = 0;
            read = await readJobLog(context, jobsRoot, workspace, name, offset);
          }
          attempt = read.job.attempt;
        }
        const { text, nextOffset, job } = read;
        if (text) send('log', { attempt: job.attempt, text });
        offset = nextOffset;
        const state = `${job.state}|${job.reason ?? ''}`;
        if (state !== lastState) {
          send('state', { state: job.state, reason: job.reason, exitCode: job.exitCode, attempt: job.attempt });
          lastState = state;
        }
        if (['Completed', 'Failed', 'Canceled'].includes(job.state) && !text) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      raw.end();
    },
  );

  app.post(
    '/api/v1/workspaces/:workspace/computes/:name/evict',
    {
      schema: {
        tags,
        summary: 'Evict low-priority nodes (all busy ones, or ?node=<id>): their jobs checkpoint and are requeued',
        params: jobParams,
        querystring: z.object({ node: z.string().optional() }),
        response: { 200: z.object({ evicted: z.array(z.object({ node: z.string(), job: z.string().nullable() })) }), ...errors },
      },
    },
    async (request) => {
      const result = await evictNodes(
        context,
        callerOf(request, config.localUser),
        request.params.workspace,
        request.params.name,
        request.query.node,
      );
      wake();
      return result;
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/computes/:name/nodes',
    {
      schema: {
        tags,
        summary: "A cluster's nodes now, and its node-seconds so far; with `since`, its nodes over time (removed ones too)",
        params: jobParams,
        querystring: z.object({
          since: z.coerce
            .number()
            .int()
            .min(0)
            .optional()
            .describe('epoch ms: also list every node up at some time since then, in `history`'),
        }),
        response: {
          200: z.object({
            nodes: z.array(node),
            history: z.array(node).optional(),
            usage: z.array(
              z.object({ compute: z.string(), size: z.string(), tier: z.string(), nodeSeconds: z.number(), nodes: z.number() }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => computeUsage(context, request.params.workspace, request.params.name, request.query.since),
  );

  app.get(
    '/api/v1/workspaces/:workspace/usage',
    {
      schema: {
        tags,
        summary: "Node-seconds of the workspace's computes",
        params: workspaceParams,
        response: {
          200: z.object({
            nodes: z.array(node),
            usage: z.array(
              z.object({ compute: z.string(), size: z.string(), tier: z.string(), nodeSeconds: z.number(), nodes: z.number() }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => computeUsage(context, request.params.workspace),
  );

  app.get(
    '/api/v1/workspaces/:workspace/quotas',
    {
      schema: {
        tags,
        summary: "The workspace's use against its quotas (max nodes, vCPUs per VM family); a null limit means none is set",
        params: workspaceParams,
        response: {
          200: z.object({
            usages: z.array(
              z.object({
                name: z.enum(['nodes', 'vcpus']),
                family: z.string().nullable(),
                current: z.number(),
                limit: z.number().nullable(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => ({ usages: await workspaceQuotaUsage(context, config.jobs.quotas, request.params.workspace) }),
  );
};
