import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { experimentKeysRoutes as routes } from '../../contract/experiment-keys.js';
import { experimentKeys } from '../../services/tracking/experiment-keys.js';
import type { RouteOptions } from '../route-options.js';

/** GET .../experiments/:experimentId/keys: the keys an experiment's runs use, for choosing run-table columns. */
export const experimentKeysRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context }) => {
  app.get(routes.keys.path, { schema: routes.keys.schema }, async (request) =>
    experimentKeys(context, request.params.workspace, request.params.experimentId),
  );
};
