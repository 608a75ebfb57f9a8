import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { experimentKeyLimit, experimentKeys } from '../../services/tracking/experiment-keys.js';
import { problemSchema } from '../problem.js';
import type { RouteOptions } from '../route-options.js';
import { workspaceParams } from '../schemas.js';

const keysSchema = z
  .object({
    experimentId: z.string(),
    metrics: z.array(z.string()),
    params: z.array(z.string()),
    tags: z.array(z.string()),
  })
  .meta({ id: 'ExperimentKeys' });

/** GET .../experiments/:experimentId/keys: the keys an experiment's runs use, for choosing run-table columns. */
export const experimentKeysRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context }) => {
  app.get(
    '/api/v1/workspaces/:workspace/experiments/:experimentId/keys',
    {
      schema: {
        tags: ['tracking'],
        summary: `The metric, param and tag keys of an experiment's active runs, sorted, at most ${experimentKeyLimit} of each`,
        params: workspaceParams.extend({ experimentId: z.string().describe('MLflow experiment id') }),
        response: { 200: keysSchema, 404: problemSchema },
      },
    },
    async (request) => experimentKeys(context, request.params.workspace, request.params.experimentId),
  );
};
