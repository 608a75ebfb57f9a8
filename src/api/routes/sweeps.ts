import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { type sweepJobSchema, sweepRoutes as routes } from '../../contract/sweeps.js';
import type { SweepJob } from '../../core/sweeps/sweep-job.js';
import { cancelSweep, getSweep, listSweeps, type SweepView } from '../../services/sweeps/sweep-service.js';
import { submitSweep } from '../../services/sweeps/submit-sweep.js';
import { callerOf } from '../caller.js';
import type { RouteOptions } from '../route-options.js';

/** A sweep job as the API answers it: without the uploads and inlined files it keeps for its trials, and its source file. */
function body(sweep: SweepJob | SweepView): z.input<typeof sweepJobSchema> {
  const { uploads: _uploads, inlined: _inlined, source: _source, ...rest } = sweep;
  return { ...rest, type: 'sweep', status: sweep.state };
}

/** Sweep jobs: submit, read, list, cancel. */
export const sweepRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, sweeps }) => {
  const wake = () => sweeps?.wake();

  app.post(routes.submit.path, { schema: routes.submit.schema }, async (request, reply) => {
    const sweep = await submitSweep(context, callerOf(request), { workspace: request.params.workspace, ...request.body });
    wake();
    return reply.status(201).send(body(await getSweep(context, sweep.workspace, sweep.name)));
  });

  app.get(routes.list.path, { schema: routes.list.schema }, async (request) => ({
    items: (await listSweeps(context, request.params.workspace, { limit: request.query.limit })).map(body),
  }));

  app.get(routes.get.path, { schema: routes.get.schema }, async (request) =>
    body(await getSweep(context, request.params.workspace, request.params.name)),
  );

  app.post(routes.cancel.path, { schema: routes.cancel.schema }, async (request) => {
    const sweep = await cancelSweep(context, callerOf(request), request.params.workspace, request.params.name);
    wake();
    return body(sweep);
  });
};
