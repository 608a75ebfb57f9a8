import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { assetRoutes, type ContainedKind, kindRoutes, namedRoutes, resolveRoute } from '../../contract/resources.js';
import { TrellisError } from '../../core/errors.js';
import { isAssetKind, kindSegments } from '../../core/resources/kinds.js';
import type { Resource } from '../../core/resources/resource.js';
import { applyResource } from '../../services/apply-resource.js';
import type { Caller, Context } from '../../services/context.js';
import {
  deleteResource,
  getResource,
  listResources,
  resolveReference,
  setArchived,
  updateResourceMetadata,
} from '../../services/resource-service.js';
import { callerOf } from '../caller.js';
import { ifMatchOf, requireIfMatch, setEtag } from '../http-etag.js';
import type { RouteOptions } from '../route-options.js';
import { parseTagFilters } from '../schemas.js';

/**
 * The same routes for every kind in a workspace. Assets (environment, data, code, model) are
 * addressed by name and version (`latest` resolves); compute by name.
 */
export const resourceRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context }) => {
  for (const kind of Object.keys(kindSegments) as ContainedKind[]) {
    const kindRoute = kindRoutes(kind);
    const caller = callerOf;

    app.get(kindRoute.list.path, { schema: kindRoute.list.schema }, async (request) =>
      listResources(context, {
        workspace: request.params.workspace,
        kind,
        tags: parseTagFilters(request.query.tag),
        limit: request.query.limit,
        ...(request.query.pageToken ? { pageToken: request.query.pageToken } : {}),
      }),
    );

    app.post(kindRoute.create.path, { schema: kindRoute.create.schema }, async (request, reply) =>
      sendApplied(reply, await applyJson(context, caller(request), request.params.workspace, kind, request.body)),
    );

    if (isAssetKind(kind)) {
      const asset = assetRoutes(kind);

      app.get(asset.versions.path, { schema: asset.versions.schema }, async (request) =>
        listResources(context, {
          workspace: request.params.workspace,
          kind,
          name: request.params.name,
          tags: parseTagFilters(request.query.tag),
          limit: request.query.limit,
          ...(request.query.pageToken ? { pageToken: request.query.pageToken } : {}),
        }),
      );

      app.get(asset.get.path, { schema: asset.get.schema }, async (request, reply) =>
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

      app.put(asset.put.path, { schema: asset.put.schema }, async (request, reply) => {
        const body = withIdentity(request.body, request.params.name, request.params.version);
        return sendApplied(reply, await applyJson(context, caller(request), request.params.workspace, kind, body));
      });

      app.patch(asset.patch.path, { schema: asset.patch.schema }, async (request, reply) =>
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

      for (const [route, archived] of [
        [asset.archive, true],
        [asset.restore, false],
      ] as const)
        app.post(route.path, { schema: route.schema }, async (request) => ({
          items: await setArchived(
            context,
            caller(request),
            { workspace: request.params.workspace, kind, name: request.params.name, version: request.query.version },
            archived,
          ),
          nextPageToken: null,
        }));

      app.delete(asset.delete.path, { schema: asset.delete.schema }, async (request) =>
        deleteResource(
          context,
          caller(request),
          { workspace: request.params.workspace, kind, name: request.params.name, version: request.params.version },
          ifMatchOf(request),
        ),
      );
    } else {
      const named = namedRoutes(kind);

      app.get(named.get.path, { schema: named.get.schema }, async (request, reply) =>
        sendResource(
          reply,
          await getResource(context, { workspace: request.params.workspace, kind, name: request.params.name, version: null }),
        ),
      );

      app.put(named.put.path, { schema: named.put.schema }, async (request, reply) =>
        sendApplied(
          reply,
          await applyJson(context, caller(request), request.params.workspace, kind, withIdentity(request.body, request.params.name, null)),
        ),
      );

      app.patch(named.patch.path, { schema: named.patch.schema }, async (request, reply) => {
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
      });

      app.delete(named.delete.path, { schema: named.delete.schema }, async (request) =>
        deleteResource(
          context,
          caller(request),
          { workspace: request.params.workspace, kind, name: request.params.name, version: null },
          ifMatchOf(request),
        ),
      );
    }
  }

  app.get(resolveRoute.path, { schema: resolveRoute.schema }, async (request, reply) =>
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
