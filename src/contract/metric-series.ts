import { z } from 'zod';
import { seriesAxes, seriesPointLimits } from '../core/tracking/series-limits.js';
import { workspaceParams } from './common.js';
import { problemSchema } from './problem.js';
import { defineRoute } from './route.js';

const { min, max } = seriesPointLimits;
const pointsMessage = `points must be a whole number from ${min} to ${max}`;
const nonFinite = z.enum(['NaN', 'Infinity', '-Infinity']);

/** A metric's history downsampled by the server (LTTB); non-finite values come as MLflow writes them. */
export const metricSeriesSchema = z
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
export const metricSeriesRoutes = {
  series: defineRoute('GET', '/api/v1/workspaces/:workspace/runs/:runId/metrics/:key/series', {
    tags: ['tracking'],
    summary: "A run's metric history cut down to at most `points` points that keep the curve's shape (LTTB)",
    params: workspaceParams.extend({
      runId: z.string().describe('MLflow run id'),
      key: z.string().describe("metric key; URL-encode a '/' in it as %2F"),
    }),
    querystring: z.object({
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
    }),
    response: { 200: metricSeriesSchema, 400: problemSchema, 404: problemSchema },
  }),
};
