import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { metricSeriesRoutes as routes } from '../../contract/metric-series.js';
import { metricSeries } from '../../services/tracking/metric-series.js';
import { stringifyMlflowJson } from '../mlflow/mlflow-json.js';
import type { RouteOptions } from '../route-options.js';

/** GET .../metrics/:key/series: a metric's history downsampled (LTTB) for charts. */
export const metricSeriesRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context }) => {
  app.get(routes.series.path, { schema: routes.series.schema }, async (request, reply) => {
    const { workspace, runId, key } = request.params;
    const series = await metricSeries(context, workspace, { runId, key, points: request.query.points, x: request.query.x });
    // MLflow's writer, not the schema's serializer, which would turn NaN and Infinity into null.
    return reply.type('application/json; charset=utf-8').serializer(stringifyMlflowJson).send(series);
  });
};
