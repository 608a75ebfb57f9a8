import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { computeInstanceRoutes as routes } from '../../contract/compute-instances.js';
import { getInstance, requestInstanceOperation, viewOf } from '../../services/compute-instances/instance-operations.js';
import { callerOf } from '../caller.js';
import type { RouteOptions } from '../route-options.js';

/** Compute instances: their state, and start, stop, restart (the controller acts, woken here). */
export const computeInstanceRoutesPlugin: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, computeInstances }) => {
  app.get(routes.status.path, { schema: routes.status.schema }, async (request) =>
    viewOf(await getInstance(context, request.params.workspace, request.params.name)),
  );
  for (const operation of ['start', 'stop', 'restart'] as const) {
    app.post(routes[operation].path, { schema: routes[operation].schema }, async (request) => {
      const view = await requestInstanceOperation(context, callerOf(request), request.params.workspace, request.params.name, operation);
      computeInstances?.wake();
      return view;
    });
  }
};
