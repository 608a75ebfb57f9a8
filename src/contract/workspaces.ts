import { z } from 'zod';
import { resourceSchema } from '../core/resources/resource.js';
import { applyResponse } from './apply.js';
import { listQuery, metadataPatch, resourceErrors, resourcePage, workspaceParams } from './common.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

const tags = ['workspace'];
const workspaceBody = z.record(z.string(), z.unknown()).describe('the Azure ML workspace YAML, as JSON (name required)');
const one = '/api/v1/workspaces/:workspace';

/** Workspaces: the isolation unit. Created on demand; `default` exists from the first start. */
export const workspaceRoutes = {
  list: defineRoute('GET', '/api/v1/workspaces', {
    tags,
    summary: 'List workspaces',
    querystring: listQuery,
    response: { 200: resourcePage, 400: problemSchema },
  }),
  create: defineRoute('POST', '/api/v1/workspaces', {
    tags,
    summary: 'Create a workspace (409 if it exists)',
    body: workspaceBody,
    response: { 201: applyResponse, ...resourceErrors },
  }),
  get: defineRoute('GET', one, {
    tags,
    summary: 'Get a workspace',
    params: workspaceParams,
    response: { 200: resourceSchema, ...resourceErrors },
  }),
  put: defineRoute('PUT', one, {
    tags,
    summary: 'Create or update a workspace from its Azure ML definition (idempotent)',
    params: workspaceParams,
    body: workspaceBody,
    response: { 200: applyResponse, 201: applyResponse, ...resourceErrors },
  }),
  patch: defineRoute('PATCH', one, {
    tags,
    summary: 'Change tags or description (If-Match required)',
    params: workspaceParams,
    body: metadataPatch,
    response: { 200: resourceSchema, ...resourceErrors },
  }),
  delete: defineRoute('DELETE', one, {
    tags,
    summary: 'Delete a workspace: an empty one, or with force=true everything it holds, files included (409 lists what it holds)',
    params: workspaceParams,
    querystring: z.object({
      force: z
        .enum(['true', 'false'])
        .default('false')
        .describe('also delete everything in it: resources, MLflow data, finished jobs, endpoints and its artifacts'),
    }),
    response: { 200: resourceSchema, ...resourceErrors },
  }),
  rotateKey: defineRoute('POST', '/api/v1/workspaces/:workspace/rotate-key', {
    tags,
    summary: "Re-wrap the workspace's data key under a new version of its key-encryption key (nothing is re-encrypted)",
    params: workspaceParams,
    body: z
      .object({ label: z.string().optional().describe('PKCS#11 only: the label of an existing key in the token to wrap with') })
      .strict()
      .default({}),
    response: {
      200: z.object({
        rewrapped: z.array(z.object({ workspace: z.string(), dataKeyId: z.string(), fromKekId: z.string(), toKekId: z.string() })),
      }),
      ...resourceErrors,
    },
  }),
};
