import { z } from 'zod';
import { workspaceParams } from './common.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

/** One change in a workspace: who did what to which resource, when. */
export const auditEvent = z
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
export const auditRoutes = {
  list: defineRoute('GET', '/api/v1/workspaces/:workspace/audit', {
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
  }),
};
