import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { datastoreRoutes as routes } from '../../contract/datastores.js';
import { createDatastore, deleteDatastore, getDatastore, listDatastores } from '../../services/datastores/datastore-service.js';
import { callerOf } from '../caller.js';
import type { RouteOptions } from '../route-options.js';

/** Datastores: create (checked against the storage first), list, show (never the secret), delete. */
export const datastoreApiRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context }) => {
  app.post(routes.create.path, { schema: routes.create.schema }, async (request, reply) => {
    const { workspace } = request.params;
    const { yaml, fileName, name } = request.body;
    const datastore = await createDatastore(context, callerOf(request), { workspace, text: yaml, fileName, name });
    return reply.status(201).send(datastore);
  });

  app.get(routes.list.path, { schema: routes.list.schema }, async (request) => ({
    items: await listDatastores(context, request.params.workspace),
  }));

  app.get(routes.get.path, { schema: routes.get.schema }, async (request) =>
    getDatastore(context, request.params.workspace, request.params.name),
  );

  app.delete(routes.delete.path, { schema: routes.delete.schema }, async (request, reply) => {
    await deleteDatastore(context, callerOf(request), request.params.workspace, request.params.name);
    return reply.status(204).send(null);
  });
};
