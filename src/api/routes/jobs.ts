import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { computeRoutes } from '../../contract/computes.js';
import { jobRoutes as routes, type jobSchema } from '../../contract/jobs.js';
import { priceUsage } from '../../core/compute/usage-pricing.js';
import type { Job } from '../../core/jobs/job.js';
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
import type { RouteOptions } from '../route-options.js';

/** A job as the API answers it: core's Job, with `status` beside `state`. */
function body(job: Job): z.input<typeof jobSchema> {
  return { ...job, status: job.state };
}

/** One job with its running time over all attempts, read from its state history. */
async function bodyWithRunningTime(context: Context, job: Job): Promise<z.input<typeof jobSchema>> {
  const events = await jobEvents(context, job.workspace, job.name);
  return body({ ...job, runningTime: runningTimeOf(events, context.clock().getTime()) });
}

/** Command jobs: submit, read, list, cancel, follow the log; and the nodes and usage of computes. */
export const jobRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config, jobs }) => {
  const wake = () => jobs?.wake();

  app.post(routes.submit.path, { schema: routes.submit.schema }, async (request, reply) => {
    const job = await submitJob(context, callerOf(request), { workspace: request.params.workspace, ...request.body });
    wake();
    return reply.status(201).send(await bodyWithRunningTime(context, job));
  });

  app.get(routes.list.path, { schema: routes.list.schema }, async (request) => {
    const page = await listJobs(context, request.params.workspace, request.query);
    return { items: page.items.map(body), nextPageToken: page.nextPageToken ?? null };
  });

  app.get(routes.get.path, { schema: routes.get.schema }, async (request) =>
    bodyWithRunningTime(context, await getJob(context, request.params.workspace, request.params.name)),
  );

  app.get(routes.events.path, { schema: routes.events.schema }, async (request) => ({
    items: await jobEvents(context, request.params.workspace, request.params.name),
  }));

  app.post(routes.cancel.path, { schema: routes.cancel.schema }, async (request) => {
    const job = await cancelJob(context, callerOf(request), request.params.workspace, request.params.name);
    wake();
    return bodyWithRunningTime(context, job);
  });

  app.get(routes.logs.path, { schema: routes.logs.schema }, async (request, reply) => {
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
  });

  app.post(computeRoutes.evict.path, { schema: computeRoutes.evict.schema }, async (request) => {
    const result = await evictNodes(context, callerOf(request), request.params.workspace, request.params.name, request.query.node);
    wake();
    return result;
  });

  app.get(computeRoutes.nodes.path, { schema: computeRoutes.nodes.schema }, async (request) =>
    priceUsage(await computeUsage(context, request.params.workspace, request.params.name, request.query.since)),
  );

  app.get(computeRoutes.usage.path, { schema: computeRoutes.usage.schema }, async (request) =>
    priceUsage(await computeUsage(context, request.params.workspace)),
  );

  app.get(computeRoutes.quotas.path, { schema: computeRoutes.quotas.schema }, async (request) => ({
    usages: await workspaceQuotaUsage(context, config.jobs.quotas, request.params.workspace),
  }));
};
