import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { workspaceRoutes as routes } from '../../contract/workspaces.js';
import { TrellisError } from '../../core/errors.js';
import { applyResource } from '../../services/apply-resource.js';
import { deleteWorkspace, rotateWorkspaceKey, updateWorkspace } from '../../services/workspace-service.js';
import { principalOf } from '../auth/auth-hooks.js';
import { callerOf } from '../caller.js';
import { ifMatchOf, requireIfMatch, setEtag } from '../http-etag.js';
import type { RouteOptions } from '../route-options.js';

/** Workspaces: the isolation unit. Created on demand; `default` exists from the first start. */
export const workspaceRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, jobs, access }) => {
  const workspaces = context.store.repositories.workspaces;

  // Only the workspaces the caller holds a role in: one it has none in is not revealed, as if it did not exist.
  app.get(routes.list.path, { schema: routes.list.schema }, async (request) => {
    const principal = principalOf(request);
    if (await access.canSee(principal, '/')) return workspaces.list(request.query.limit, request.query.pageToken);
    const visible = await access.visibleWorkspaces(principal);
    const after = request.query.pageToken;
    const names = visible.filter((name) => after === undefined || name > after).sort();
    const page = names.slice(0, request.query.limit);
    const items = (await Promise.all(page.map((name) => workspaces.get(name)))).filter((found) => found !== undefined);
    return { items, nextPageToken: names.length > page.length ? (page.at(-1) ?? null) : null };
  });

  app.post(routes.create.path, { schema: routes.create.schema }, async (request, reply) => {
    const name = request.body.name;
    if (typeof name === 'string' && (await workspaces.get(name))) {
      throw new TrellisError(
        'ResourceAlreadyExists',
        409,
        `workspace '${name}' already exists; update it with PUT /api/v1/workspaces/${name}, or pick another name`,
      );
    }
    const result = await applyResource(context, callerOf(request), {
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
  });

  app.get(routes.get.path, { schema: routes.get.schema }, async (request, reply) => {
    const found = await workspaces.get(request.params.workspace);
    if (!found)
      throw new TrellisError(
        'WorkspaceNotFound',
        404,
        `workspace '${request.params.workspace}' does not exist; create it with: trellis workspace create --name ${request.params.workspace}`,
      );
    setEtag(reply, found.etag);
    return found;
  });

  app.put(routes.put.path, { schema: routes.put.schema }, async (request, reply) => {
    if (request.body.name !== undefined && request.body.name !== request.params.workspace) {
      throw new TrellisError(
        'NameMismatch',
        400,
        `the body says name '${String(request.body.name)}' but the URL says '${request.params.workspace}'; make them agree`,
      );
    }
    const body = { ...request.body, name: request.params.workspace };
    const result = await applyResource(context, callerOf(request), {
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
  });

  app.patch(routes.patch.path, { schema: routes.patch.schema }, async (request, reply) => {
    if (request.body.spec !== undefined)
      throw new TrellisError(
        'InvalidRequest',
        400,
        'change a workspace definition with PUT (the whole Azure ML workspace document), not PATCH',
      );
    const updated = await updateWorkspace(context, callerOf(request), request.params.workspace, request.body, requireIfMatch(request));
    setEtag(reply, updated.etag);
    return updated;
  });

  app.delete(routes.delete.path, { schema: routes.delete.schema }, async (request) => {
    const deleted = await deleteWorkspace(context, callerOf(request), request.params.workspace, ifMatchOf(request), {
      force: request.query.force === 'true',
      jobsRoot: jobs?.jobsRoot,
    });
    // Its role assignments went with it.
    access.invalidate();
    return deleted;
  });

  app.post(routes.rotateKey.path, { schema: routes.rotateKey.schema }, async (request) => ({
    rewrapped: await rotateWorkspaceKey(context, callerOf(request), request.params.workspace, request.body.label),
  }));
};
