import { z } from 'zod';
import { namedParams } from './common.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

/** One second of a deployment's traffic. */
export const secondPointSchema = z.object({
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
        series: z.array(secondPointSchema),
      }),
    ),
  })
  .meta({ id: 'OnlineEndpointStats' });

/** Live numbers of an online endpoint's deployments, second by second, for the studio's charts. */
export const endpointStatsRoutes = {
  stats: defineRoute('GET', '/api/v1/workspaces/:workspace/online-endpoints/:name/stats', {
    tags: ['online endpoints'],
    summary: 'Requests/s, errors, latency p50/p99 and in-flight per deployment, second by second, and instance counts',
    params: namedParams,
    querystring: z.object({ seconds: z.coerce.number().int().min(1).max(600).default(60).describe('how many seconds back, 1-600') }),
    response: { 200: statsSchema, 404: problemSchema },
  }),
};
