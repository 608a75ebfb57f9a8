import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { registryRoutes, shareRoute } from '../../contract/registries.js';
import { registries, registryScopeOf } from '../../core/identity/registry-access.js';
import { type RegistryKind, registryKindSegments, registryStorageOf } from '../../core/registries/registry-asset-id.js';
import type { Registry } from '../../core/registries/registry-schema.js';
import { createRegistry, deleteRegistry, getRegistry } from '../../services/registries/registry-service.js';
import { shareAsset } from '../../services/registries/share-asset.js';
import { principalOf, requireAction } from '../auth/auth-hooks.js';
import { callerOf } from '../caller.js';
import type { RouteOptions } from '../route-options.js';

/** Registries, and sharing a workspace's asset into one. Their assets are served by the asset routes under '@<registry>'. */
export const registryRoutesPlugin: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, access }) => {
  app.get(registryRoutes.list.path, { schema: registryRoutes.list.schema }, async (request) => {
    const principal = principalOf(request);
    const all = await context.store.repositories.registries.list();
    const visible = [];
    for (const registry of all) if (await access.canSee(principal, registryScopeOf(registry.name))) visible.push(registry);
    return { items: visible.map(viewOf) };
  });

  app.post(registryRoutes.create.path, { schema: registryRoutes.create.schema }, async (request, reply) =>
    reply.status(201).send(viewOf(await createRegistry(context, callerOf(request), request.body))),
  );

  app.get(registryRoutes.get.path, { schema: registryRoutes.get.schema }, async (request) =>
    viewOf(await getRegistry(context, request.params.registry)),
  );

  app.delete(registryRoutes.delete.path, { schema: registryRoutes.delete.schema }, async (request) =>
    viewOf(await deleteRegistry(context, callerOf(request), request.params.registry, request.query.force === 'true')),
  );

  for (const kind of Object.keys(registryKindSegments) as RegistryKind[]) {
    const route = shareRoute(kind);
    app.post(route.path, { schema: route.schema }, async (request, reply) => {
      // Reading the asset is the route's own check; writing into the registry is checked here, at the registry.
      await requireAction(request, access, `${registries}/assets/write`, registryScopeOf(request.body.registryName));
      const shared = await shareAsset(context, callerOf(request), {
        workspace: request.params.workspace,
        kind,
        name: request.params.name,
        version: request.params.version,
        registry: request.body.registryName,
        shareWithName: request.body.shareWithName,
        shareWithVersion: request.body.shareWithVersion,
      });
      return reply.status(201).send(shared);
    });
  }
};

function viewOf(registry: Registry) {
  return {
    name: registry.name,
    ...registry.spec,
    tags: registry.tags,
    description: registry.description,
    storage: registryStorageOf(registry.name),
    createdBy: registry.createdBy,
    createdAt: registry.createdAt,
    updatedAt: registry.updatedAt,
    etag: registry.etag,
  };
}
