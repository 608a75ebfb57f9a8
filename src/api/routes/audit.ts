import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireWorkspace } from '../../services/resource-service.js';
import { problemSchema } from '../problem.js';
import type { RouteOptions } from '../route-options.js';
import { workspaceParams } from '../schemas.js';

const auditEvent = z
  .object({
    id: z.number().int(),
    workspace: z.string(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    kind: z.string(),
    name: z.string(),
    version: z.string().nullable(),
    beforeDigest: z.string().nullable(),
    afterDigest: z.string().nullable(),
    requestId: z.string().nullable(),
    summary: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });

/** GET /audit: who changed what and when in a workspace, newest first. */
export const auditRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context }) => {
  app.get(
    '/api/v1/workspaces/:workspace/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Read the audit log of a workspace, newest first',
        params: workspaceParams,
        querystring: z.object({
          kind: z.string().optional(),
          name: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          pageToken: z.string().optional(),
        }),
        response: {
          200: z.object({ items: z.array(auditEvent), nextPageToken: z.string().nullable() }),
          400: problemSchema,
          404: problemSchema,
        },
      },
    },
    async (request) => {
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
    },
  );
};
