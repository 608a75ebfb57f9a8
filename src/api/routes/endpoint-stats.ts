import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { secondsSeries } from '../../core/endpoints/stats-series.js';
import { listDeployments } from '../../services/endpoints/deployment-service.js';
import { problemSchema } from '../problem.js';
import type { RouteOptions } from '../route-options.js';
import { workspaceParams } from '../schemas.js';

const pointSchema = z.object({
  at: z.number().describe('start of the second, epoch ms'),
  requests: z.number(),
  errors: z.object({ '4xx': z.number(), '5xx': z.number(), failed: z.number() }),
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  inFlight: z.number().describe('average requests in flight during the second'),
});

const statsSchema = z
  .object({
    workspace: z.string(),
    endpoint: z.string(),
    at: z.number().describe('when the numbers were read, epoch ms'),
    seconds: z.number(),
    deployments: z.array(
      z.object({
        name: z.string(),
        desiredInstances: z.number(),
        readyInstances: z.number(),
        inFlight: z.number().describe('requests in flight now'),
        series: z.array(pointSchema),
      }),
    ),
  })
  .meta({ id: 'OnlineEndpointStats' });

/**
 * Live numbers of an online endpoint's deployments, for the studio's charts: the last `seconds`
 * seconds of requests, errors, latency and concurrency per deployment (from the router's request
 * statistics, which live in this process and start empty at every restart), and instance counts.
 */
export const endpointStatsRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, serving }) => {
  app.get(
    '/api/v1/workspaces/:workspace/online-endpoints/:name/stats',
    {
      schema: {
        tags: ['online endpoints'],
        summary: 'Requests/s, errors, latency p50/p99 and in-flight per deployment, second by second, and instance counts',
        params: workspaceParams.extend({ name: z.string() }),
        querystring: z.object({ seconds: z.coerce.number().int().min(1).max(600).default(60).describe('how many seconds back, 1-600') }),
        response: { 200: statsSchema, 404: problemSchema },
      },
    },
    async (request) => {
      const { workspace, name } = request.params;
      // Answers 404 for an endpoint that is not an online one of this workspace.
      const deployments = await listDeployments(context, workspace, name);
      const now = context.clock().getTime();
      return {
        workspace,
        endpoint: name,
        at: now,
        seconds: request.query.seconds,
        deployments: deployments.map((deployment) => {
          const status = serving?.statusOf(workspace, name, deployment.name);
          return {
            name: deployment.name,
            desiredInstances: status?.desiredInstances ?? deployment.instanceCount,
            readyInstances: status?.readyInstances ?? 0,
            inFlight: serving?.router.inFlightOf(workspace, name, deployment.name) ?? 0,
            series: serving
              ? secondsSeries(serving.router.stats, `${workspace}/${name}/${deployment.name}`, request.query.seconds, now)
              : [],
          };
        }),
      };
    },
  );
};
