import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { deploymentProfileRoutes as routes } from '../../contract/deployment-profiles.js';
import { TrellisError } from '../../core/errors.js';
import { callerOf } from '../caller.js';
import { publicUrlOf } from '../public-url.js';
import type { RouteOptions } from '../route-options.js';

/**
 * Profiles of online deployments: start a load test (202, then follow it with GET), read one, list
 * a deployment's. The load test runs in this server (controllers/serving/deployment-profiler.ts),
 * where the instances' processes can be measured.
 */
export const deploymentProfileRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, serving }) => {
  const profiler = () => {
    const local = serving?.local();
    if (!local)
      throw new TrellisError(
        'ServingNotRunning',
        409,
        'this server does not serve online endpoints (the server that runs the controllers does: GET /api/v1/leader names it), so it cannot profile them; send the request there',
      );
    return local.profiler;
  };

  app.post(routes.start.path, { schema: routes.start.schema }, async (request, reply) => {
    const { workspace, name, deployment } = request.params;
    const body = request.body;
    // The load goes to the address this server listens on, not its public URL: a proxy in front
    // would be measured too, and may not be reachable from here.
    const serverUrl = publicUrlOf({ publicUrl: undefined }, app);
    const profile = await profiler().start(callerOf(request), {
      workspace,
      endpoint: name,
      deployment,
      request: body.request,
      contentType: body.contentType,
      concurrency: body.concurrency,
      durationSeconds: body.durationSeconds,
      targetLatencyMs: body.targetLatencyMs,
      targetRps: body.targetRps,
      serverUrl,
    });
    context.logger.info({ profile: profile.id, workspace, endpoint: name, deployment }, 'profile: load test started');
    return reply.status(202).send(profile);
  });

  app.get(routes.list.path, { schema: routes.list.schema }, async (request) => {
    const { workspace, name, deployment } = request.params;
    return { items: await profiler().list(workspace, name, deployment) };
  });

  app.get(routes.get.path, { schema: routes.get.schema }, async (request) => {
    const { workspace, name, deployment, profile } = request.params;
    return profiler().get(workspace, name, deployment, profile);
  });
};
