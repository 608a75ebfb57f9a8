import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { monitorRoutes as routes } from '../../contract/monitors.js';
import { getMonitor, getMonitorRun, listMonitors } from '../../services/monitoring/monitor-service.js';
import type { RouteOptions } from '../route-options.js';

/** Model monitors and their runs (read only: monitors are created, changed and fired as schedules). */
export const monitorRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context }) => {
  app.get(routes.list.path, { schema: routes.list.schema }, async (request) => ({
    items: await listMonitors(context, request.params.workspace),
  }));

  app.get(routes.get.path, { schema: routes.get.schema }, async (request) =>
    getMonitor(context, request.params.workspace, request.params.name, request.query.limit),
  );

  app.get(routes.run.path, { schema: routes.run.schema }, async (request) =>
    getMonitorRun(context, request.params.workspace, request.params.name, request.params.run),
  );
};
