import { z } from 'zod';
import { resourceSchema } from '../core/resources/resource.js';
import { problemSchema } from './problem.js';

/** The path of every route inside a workspace. */
export const workspaceParams = z.object({ workspace: z.string().describe('workspace name') });

/** A named thing inside a workspace: `/workspaces/:workspace/<things>/:name`. */
export const namedParams = workspaceParams.extend({ name: z.string() });

/** Paging and tag filters of resource lists. */
export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('page size, 1-1000'),
  pageToken: z.string().optional().describe('nextPageToken of the previous page'),
  tag: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe('filter by tag: key=value, or key for any value; repeat for AND'),
});

/** One page of resources. */
export const resourcePage = z.object({ items: z.array(resourceSchema), nextPageToken: z.string().nullable() }).meta({ id: 'ResourcePage' });

/** What PATCH changes on a resource: tags, description, and (mutable kinds only) the spec. */
export const metadataPatch = z
  .object({
    tags: z.record(z.string(), z.string()).optional(),
    description: z.string().nullable().optional(),
    spec: z.record(z.string(), z.unknown()).optional().describe('mutable kinds only (compute, workspace); assets are immutable'),
  })
  .strict();

/** The errors of routes that read and write resources. */
export const resourceErrors = {
  400: problemSchema,
  404: problemSchema,
  409: problemSchema,
  412: problemSchema,
  422: problemSchema,
  428: problemSchema,
};

/** Bytes, as OpenAPI describes a file answer (string, format binary); the api sends them as a stream, never through a serializer. */
export const binaryBody = z.unknown().meta({ type: 'string', format: 'binary' });
