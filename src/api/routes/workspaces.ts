import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TrellisError } from '../../core/errors.js';
import { resourceSchema } from '../../core/resources/resource.js';
import { applyResource } from '../../services/apply-resource.js';
import { deleteWorkspace, updateWorkspace } from '../../services/workspace-service.js';
import { callerOf } from '../caller.js';
import { ifMatchOf, requireIfMatch, setEtag } from '../http-etag.js';
import { problemSchema } from '../problem.js';
import type { RouteOptions } from '../route-options.js';
import { listQuery, metadataPatch, resourcePage, workspaceParams } from '../schemas.js';
import { applyResponse } from './apply.js';

const errors = { 400: problemSchema, 404: problemSchema, 409: problemSchema, 412: problemSchema, 422: problemSchema, 428: problemSchema };
const workspaceBody = z.record(z.string(), z.unknown()).describe('the Azure ML workspace YAML, as JSON (name required)');

/** Workspaces: the isolation unit. Created on demand; `default` exists from the first start. */
export const workspaceRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config, jobs }) => {
  const tags = ['workspace'];
  const workspaces = context.store.repositories.workspaces;

  app.get(
    '/api/v1/workspaces',
    { schema: { tags, summary: 'List workspaces', querystring: listQuery, response: { 200: resourcePage, 400: problemSchema } } },
    async (request) => workspaces.list(request.query.limit, request.query.pageToken),
  );

  app.post(
    '/api/v1/workspaces',
    {
      schema: { tags, summary: 'Create a workspace (409 if it exists)', body: workspaceBody, response: { 201: applyResponse, ...errors } },
    },
    async (request, reply) => {
      const name = request.body.name;
      if (typeof name === 'string' && (await workspaces.get(name))) {
        throw new TrellisError(
          'ResourceAlreadyExists',
          409,
          `workspace '${name}' already exists; update it with PUT /api/v1/workspaces/${name}, or pick another name`,
        );
      }
      const result = await applyResource(context, callerOf(request, config.localUser), {
        workspace: String(name ?? ''),
        fileName: 'request body',
        text: JSON.stringify(request.body, null, 2),
        expectedKind: 'workspace',
        uploads: {},
        inlined: {},
        dryRun: false,
      });
      if (result.resource) setEtag(reply, result.resource.etag);
      return reply.status(201).send(result);
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace',
    { schema: { tags, summary: 'Get a workspace', params: workspaceParams, response: { 200: resourceSchema, ...errors } } },
    async (request, reply) => {
      const found = await workspaces.get(request.params.workspace);
      if (!found)
        throw new TrellisError(
          'WorkspaceNotFound',
          404,
          `workspace '${request.params.workspace}' does not exist; create it with: trellis workspace create --name ${request.params.workspace}`,
        );
      setEtag(reply, found.etag);
      return found;
    },
  );

  app.put(
    '/api/v1/workspaces/:workspace',
    {
      schema: {
        tags,
        summary: 'Create or update a workspace from its Azure ML definition (idempotent)',
        params: workspaceParams,
        body: workspaceBody,
        response: { 200: applyResponse, 201: applyResponse, ...errors },
      },
    },
    async (request, reply) => {
      if (request.body.name !== undefined && request.body.name !== request.params.workspace) {
        throw new TrellisError(
          'NameMismatch',
          400,
          `the body says name '${String(request.body.name)}' but the URL says '${request.params.workspace}'; make them agree`,
        );
      }
      const body = { ...request.body, name: request.params.workspace };
      const result = await applyResource(context, callerOf(request, config.localUser), {
        workspace: request.params.workspace,
        fileName: 'request body',
        text: JSON.stringify(body, null, 2),
        expectedKind: 'workspace',
        uploads: {},
        inlined: {},
        dryRun: false,
      });
      if (result.resource) setEtag(reply, result.resource.etag);
      return reply.status(result.action === 'created' ? 201 : 200).send(result);
    },
  );

  app.patch(
    '/api/v1/workspaces/:workspace',
    {
      schema: {
        tags,
        summary: 'Change tags or description (If-Match required)',
        params: workspaceParams,
        body: metadataPatch,
        response: { 200: resourceSchema, ...errors },
      },
    },
    async (request, reply) => {
      if (request.body.spec !== undefined)
        throw new TrellisError(
          'InvalidRequest',
          400,
          'change a workspace definition with PUT (the whole Azure ML workspace document), not PATCH',
        );
      const updated = await updateWorkspace(
        context,
        callerOf(request, config.localUser),
        request.params.workspace,
        request.body,
        requireIfMatch(request),
      );
      setEtag(reply, updated.etag);
      return updated;
    },
  );

  app.delete(
    '/api/v1/workspaces/:workspace',
    {
      schema: {
        tags,
        summary: 'Delete a workspace: an empty one, or with force=true everything it holds, files included (409 lists what it holds)',
        params: workspaceParams,
        querystring: z.object({
          force: z
            .enum(['true', 'false'])
            .default('false')
            .describe('also delete everything in it: resources, MLflow data, finished jobs, endpoints and its artifacts'),
        }),
        response: { 200: resourceSchema, ...errors },
      },
    },
    async (request) =>
      deleteWorkspace(context, callerOf(request, config.localUser), request.params.workspace, ifMatchOf(request), {
        force: request.query.force === 'true',
        jobsRoot: jobs?.jobsRoot,
      }),
  );
};
