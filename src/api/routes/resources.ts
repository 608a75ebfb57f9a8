import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TrellisError } from '../../core/errors.js';
import { isAssetKind, kindSegments, type ResourceKind } from '../../core/resources/kinds.js';
import { resourceSchema, type Resource } from '../../core/resources/resource.js';
import { applyResource } from '../../services/apply-resource.js';
import type { Caller, Context } from '../../services/context.js';
import { deleteResource, getResource, listResources, resolveReference, updateResourceMetadata } from '../../services/resource-service.js';
import { callerOf } from '../caller.js';
import { ifMatchOf, requireIfMatch, setEtag } from '../http-etag.js';
import { problemSchema } from '../problem.js';
import type { RouteOptions } from '../route-options.js';
import { listQuery, metadataPatch, parseTagFilters, resourcePage, workspaceParams } from '../schemas.js';
import { applyResponse } from './apply.js';

type ContainedKind = Exclude<ResourceKind, 'workspace'>;

const errors = { 400: problemSchema, 404: problemSchema, 409: problemSchema, 412: problemSchema, 422: problemSchema, 428: problemSchema };
const resourceBody = z.record(z.string(), z.unknown()).describe('the Azure ML v2 YAML of this kind, as JSON');

/**
 * The same routes for every kind in a workspace. Assets (environment, data, code, model) are
 * addressed by name and version (`latest` resolves); compute by name.
 */
export const resourceRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config }) => {
  for (const [kind, segment] of Object.entries(kindSegments) as Array<[ContainedKind, string]>) {
    const base = `/api/v1/workspaces/:workspace/${segment}`;
    const tags = [kind];
    const caller = (request: Parameters<typeof callerOf>[0]) => callerOf(request, config.localUser);

    app.get(
      base,
      {
        schema: {
          tags,
          summary: `List ${kind}${isAssetKind(kind) ? ' (newest version of each name)' : ''}`,
          params: workspaceParams,
          querystring: listQuery,
          response: { 200: resourcePage, ...errors },
        },
      },
      async (request) =>
        listResources(context, {
          workspace: request.params.workspace,
          kind,
          tags: parseTagFilters(request.query.tag),
          limit: request.query.limit,
          ...(request.query.pageToken ? { pageToken: request.query.pageToken } : {}),
        }),
    );

    app.post(
      base,
      {
        schema: {
          tags,
          summary: `Create or update a ${kind} from its Azure ML definition (idempotent)`,
          params: workspaceParams,
          body: resourceBody,
          response: { 200: applyResponse, 201: applyResponse, ...errors },
        },
      },
      async (request, reply) => sendApplied(reply, await applyJson(context, caller(request), request.params.workspace, kind, request.body)),
    );

    if (isAssetKind(kind)) {
      const nameParams = workspaceParams.extend({ name: z.string() });
      const versionParams = nameParams.extend({ version: z.string().describe("a version, or 'latest'") });
      const one = `${base}/:name/versions/:version`;

      app.get(
        `${base}/:name/versions`,
        {
          schema: {
            tags,
            summary: `List the versions of a ${kind}, newest first`,
            params: nameParams,
            querystring: listQuery,
            response: { 200: resourcePage, ...errors },
          },
        },
        async (request) =>
          listResources(context, {
            workspace: request.params.workspace,
            kind,
            name: request.params.name,
            tags: parseTagFilters(request.query.tag),
            limit: request.query.limit,
            ...(request.query.pageToken ? { pageToken: request.query.pageToken } : {}),
          }),
      );

      app.get(
        one,
        { schema: { tags, summary: `Get one ${kind} version`, params: versionParams, response: { 200: resourceSchema, ...errors } } },
        async (request, reply) =>
          sendResource(
            reply,
            await getResource(context, {
              workspace: request.params.workspace,
              kind,
              name: request.params.name,
              version: request.params.version,
            }),
          ),
      );

      app.put(
        one,
        {
          schema: {
            tags,
            summary: `Create a ${kind} version (unchanged if identical; 409 if it differs)`,
            params: versionParams,
            body: resourceBody,
            response: { 200: applyResponse, 201: applyResponse, ...errors },
          },
        },
        async (request, reply) => {
          const body = withIdentity(request.body, request.params.name, request.params.version);
          return sendApplied(reply, await applyJson(context, caller(request), request.params.workspace, kind, body));
        },
      );

      app.patch(
        one,
        {
          schema: {
            tags,
            summary: `Change tags or description of a ${kind} version (If-Match required)`,
            params: versionParams,
            body: metadataPatch,
            response: { 200: resourceSchema, ...errors },
          },
        },
        async (request, reply) =>
          sendResource(
            reply,
            await updateResourceMetadata(
              context,
              caller(request),
              { workspace: request.params.workspace, kind, name: request.params.name, version: request.params.version },
              request.body,
              requireIfMatch(request),
            ),
          ),
      );

      app.delete(
        one,
        { schema: { tags, summary: `Delete a ${kind} version`, params: versionParams, response: { 200: resourceSchema, ...errors } } },
        async (request) =>
          deleteResource(
            context,
            caller(request),
            { workspace: request.params.workspace, kind, name: request.params.name, version: request.params.version },
            ifMatchOf(request),
          ),
      );
    } else {
      const nameParams = workspaceParams.extend({ name: z.string() });
      const one = `${base}/:name`;

      app.get(
        one,
        { schema: { tags, summary: `Get a ${kind}`, params: nameParams, response: { 200: resourceSchema, ...errors } } },
        async (request, reply) =>
          sendResource(
            reply,
            await getResource(context, { workspace: request.params.workspace, kind, name: request.params.name, version: null }),
          ),
      );

      app.put(
        one,
        {
          schema: {
            tags,
            summary: `Create or update a ${kind} from its Azure ML definition (idempotent)`,
            params: nameParams,
            body: resourceBody,
            response: { 200: applyResponse, 201: applyResponse, ...errors },
          },
        },
        async (request, reply) =>
          sendApplied(
            reply,
            await applyJson(
              context,
              caller(request),
              request.params.workspace,
              kind,
              withIdentity(request.body, request.params.name, null),
            ),
          ),
      );

      app.patch(
        one,
        {
          schema: {
            tags,
            summary: `Change a ${kind} (If-Match required)`,
            params: nameParams,
            body: metadataPatch,
            response: { 200: resourceSchema, ...errors },
          },
        },
        async (request, reply) => {
          const key = { workspace: request.params.workspace, kind, name: request.params.name, version: null };
          const etag = requireIfMatch(request);
          if (request.body.spec !== undefined) {
            // A new spec goes through the same validation as a file: apply it with the etag the caller read.
            const current = await getResource(context, key);
            if (current.etag !== etag)
              throw new TrellisError(
                'EtagMismatch',
                412,
                `${kind} '${key.name}' was changed since you read it (you sent If-Match ${etag}, it is now ${current.etag}); read it again and retry`,
              );
            const merged = {
              ...current.spec,
              ...request.body.spec,
              name: key.name,
              tags: request.body.tags ?? current.tags,
              ...(request.body.description !== undefined
                ? { description: request.body.description }
                : current.description !== null
                  ? { description: current.description }
                  : {}),
            };
            const applied = await applyJson(context, caller(request), key.workspace, kind, merged);
            return sendResource(reply, applied.resource ?? current);
          }
          return sendResource(reply, await updateResourceMetadata(context, caller(request), key, request.body, etag));
        },
      );

      app.delete(
        one,
        { schema: { tags, summary: `Delete a ${kind}`, params: nameParams, response: { 200: resourceSchema, ...errors } } },
        async (request) =>
          deleteResource(
            context,
            caller(request),
            { workspace: request.params.workspace, kind, name: request.params.name, version: null },
            ifMatchOf(request),
          ),
      );
    }
  }

  app.get(
    '/api/v1/workspaces/:workspace/resolve',
    {
      schema: {
        tags: ['resolve'],
        summary: 'Resolve a reference: name:version, name@latest, azureml:name:version, azureml:name@latest',
        params: workspaceParams,
        querystring: z.object({ kind: z.enum(Object.keys(kindSegments) as [ContainedKind, ...ContainedKind[]]), reference: z.string() }),
        response: { 200: resourceSchema, ...errors },
      },
    },
    async (request, reply) =>
      sendResource(reply, await resolveReference(context, request.params.workspace, request.query.kind, request.query.reference)),
  );
};

function sendResource(reply: FastifyReply, resource: Resource): Resource {
  setEtag(reply, resource.etag);
  return resource;
}

function sendApplied(reply: FastifyReply, result: Awaited<ReturnType<typeof applyResource>>) {
  if (result.resource) setEtag(reply, result.resource.etag);
  return reply.status(result.action === 'created' ? 201 : 200).send(result);
}

/** The JSON API takes the same document as the YAML file: JSON is YAML, so one parser serves both. */
function applyJson(context: Context, caller: Caller, workspace: string, kind: ContainedKind, body: Record<string, unknown>) {
  return applyResource(context, caller, {
    workspace,
    fileName: 'request body',
    text: JSON.stringify(body, null, 2),
    expectedKind: kind,
    uploads: {},
    inlined: {},
    dryRun: false,
  });
}

/** Puts the URL's name (and version) into the body; a body that names another is refused. */
function withIdentity(body: Record<string, unknown>, name: string, version: string | null): Record<string, unknown> {
  if (body.name !== undefined && body.name !== name) {
    throw new TrellisError(
      'NameMismatch',
      400,
      `the body says name '${String(body.name)}' but the URL says '${name}'; make them agree or leave name out of the body`,
    );
  }
  if (version !== null && body.version !== undefined && String(body.version) !== version) {
    throw new TrellisError(
      'VersionMismatch',
      400,
      `the body says version '${String(body.version)}' but the URL says '${version}'; make them agree or leave version out of the body`,
    );
  }
  return { ...body, name, ...(version !== null ? { version } : {}) };
}
