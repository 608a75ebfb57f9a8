import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { projectRoutes as routes } from '../../contract/projects.js';
import { TrellisError } from '../../core/errors.js';
import { ml } from '../../core/identity/route-access.js';
import { createProject } from '../../services/projects/project-service.js';
import { listProjectViews, projectViewOf } from '../../services/projects/project-view.js';
import { requireAction } from '../auth/auth-hooks.js';
import { callerOf } from '../caller.js';
import type { RouteOptions } from '../route-options.js';

/**
 * What creating a project needs at the server scope: it makes workspaces, a service principal and
 * its token, and role assignments, so the caller must hold each of those rights itself (an Owner
 * does); a Contributor, who may make workspaces but not assign roles, is refused before anything is made.
 */
export const projectCreateActions = [
  'Microsoft.Authorization/roleAssignments/write',
  `${ml}/write`,
  'Microsoft.Authorization/principals/write',
] as const;

/** Projects: a dev and a prod workspace kept apart by their role assignments. */
export const projectRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, access }) => {
  app.post(routes.create.path, { schema: routes.create.schema }, async (request, reply) => {
    for (const action of projectCreateActions) await requireAction(request, access, action, '/');
    const created = await createProject(context, callerOf(request), request.body);
    // New assignments change what principals may do.
    access.invalidate();
    const madeWorkspace = created.changes.some((change) => change.startsWith('created workspace'));
    return reply.status(madeWorkspace ? 201 : 200).send(created);
  });

  app.get(routes.list.path, { schema: routes.list.schema }, async () => ({
    items: await listProjectViews(context.store.repositories),
  }));

  app.get(routes.get.path, { schema: routes.get.schema }, async (request) => {
    const found = await projectViewOf(context.store.repositories, request.params.name);
    if (!found)
      throw new TrellisError(
        'ProjectNotFound',
        404,
        `no workspace is tagged project '${request.params.name}'; create the project with: trellis project create --name ${request.params.name}`,
      );
    return found;
  });
};
