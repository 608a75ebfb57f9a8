import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { endpointStatsRoutes as routes } from '../../contract/endpoint-stats.js';
import { secondsSeries } from '../../core/endpoints/stats-series.js';
import { listDeployments } from '../../services/endpoints/deployment-service.js';
import type { RouteOptions } from '../route-options.js';

/**
 * Live numbers of an online endpoint's deployments, for the studio's charts: the last `seconds`
 * seconds of requests, errors, latency and concurrency per deployment (from the router's request
 * statistics, which live in this process and start empty at every restart), and instance counts.
 */
export const endpointStatsRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, serving }) => {
  app.get(routes.stats.path, { schema: routes.stats.schema }, async (request) => {
    const { workspace, name } = request.params;
    // Answers 404 for an endpoint that is not an online one of this workspace.
    const deployments = await listDeployments(context, workspace, name);
    const now = context.clock().getTime();
    const local = serving?.local();
    return {
      workspace,
      endpoint: name,
      at: now,
      seconds: request.query.seconds,
      deployments: deployments.map((deployment) => {
        const status = local?.statusOf(workspace, name, deployment.name);
        return {
          name: deployment.name,
          desiredInstances: status?.desiredInstances ?? deployment.instanceCount,
          readyInstances: status?.readyInstances ?? 0,
          inFlight: local?.router.inFlightOf(workspace, name, deployment.name) ?? 0,
          series: local ? secondsSeries(local.router.stats, `${workspace}/${name}/${deployment.name}`, request.query.seconds, now) : [],
        };
      }),
    };
  });
};
