import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { auditRoutes as routes } from '../../contract/audit.js';
import { requireWorkspace } from '../../services/resource-service.js';
import type { RouteOptions } from '../route-options.js';

/** GET /audit: who changed what and when in a workspace, newest first. */
export const auditRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context }) => {
  app.get(routes.list.path, { schema: routes.list.schema }, async (request) => {
    const page = await context.store.repositories.audit.list({
      workspace: request.params.workspace,
      limit: request.query.limit,
      ...(request.query.kind ? { kind: request.query.kind } : {}),
      ...(request.query.name ? { name: request.query.name } : {}),
      ...(request.query.pageToken ? { pageToken: request.query.pageToken } : {}),
    });
    // A deleted workspace keeps its history (its delete event included); an unknown one is a 404.
    if (page.items.length === 0 && !request.query.pageToken) await requireWorkspace(context, request.params.workspace);
    return page;
  });
};
