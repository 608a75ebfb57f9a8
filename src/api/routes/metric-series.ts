import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { metricSeries, seriesAxes, seriesPointLimits } from '../../services/tracking/metric-series.js';
import { stringifyMlflowJson } from '../mlflow/mlflow-json.js';
import { problemSchema } from '../problem.js';
import type { RouteOptions } from '../route-options.js';
import { workspaceParams } from '../schemas.js';

const { min, max } = seriesPointLimits;
const pointsMessage = `points must be a whole number from ${min} to ${max}`;

const seriesParams = workspaceParams.extend({
  runId: z.string().describe('MLflow run id'),
  key: z.string().describe("metric key; URL-encode a '/' in it as %2F"),
});

const seriesQuery = z.object({
  points: z.coerce
    .number({ error: pointsMessage })
    .int({ error: pointsMessage })
    .min(min, { error: pointsMessage })
    .max(max, { error: pointsMessage })
    .default(seriesPointLimits.default)
    .describe(`at most this many points, ${min}-${max}; default ${seriesPointLimits.default}`),
  x: z
    .enum(seriesAxes, { error: `x must be one of: ${seriesAxes.join(', ')}` })
    .default('step')
    .describe('the axis points are ordered and downsampled along'),
});

const nonFinite = z.enum(['NaN', 'Infinity', '-Infinity']);

const metricSeriesSchema = z
  .object({
    runId: z.string(),
    key: z.string(),
    x: z.enum(seriesAxes),
    total: z.number().int().describe('how many points the whole history has'),
    points: z.array(
      z.object({
        step: z.number().int(),
        timestamp: z.number().int(),
        value: z
          .union([z.number(), nonFinite])
          .describe('non-finite values are written as MLflow writes them: "NaN", "Infinity", "-Infinity"'),
      }),
    ),
  })
  .meta({ id: 'MetricSeries' });

/** GET .../metrics/:key/series: a metric's history downsampled (LTTB) for charts. */
export const metricSeriesRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context }) => {
  app.get(
    '/api/v1/workspaces/:workspace/runs/:runId/metrics/:key/series',
    {
      schema: {
        tags: ['tracking'],
        summary: "A run's metric history cut down to at most `points` points that keep the curve's shape (LTTB)",
        params: seriesParams,
        querystring: seriesQuery,
        response: { 200: metricSeriesSchema, 400: problemSchema, 404: problemSchema },
      },
    },
    async (request, reply) => {
      const { workspace, runId, key } = request.params;
      const series = await metricSeries(context, workspace, { runId, key, points: request.query.points, x: request.query.x });
      // MLflow's writer, not the schema's serializer, which would turn NaN and Infinity into null.
      return reply.type('application/json; charset=utf-8').serializer(stringifyMlflowJson).send(series);
    },
  );
};
