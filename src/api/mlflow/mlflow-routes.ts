import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { RouteOptions } from '../route-options.js';
import { artifactRoutes } from './artifact-routes.js';
import { experimentRoutes } from './experiment-routes.js';
import { loggedModelRoutes } from './logged-model-routes.js';
import { parseLenientJson, stringifyMlflowJson } from './mlflow-json.js';
import { registryRoutes } from './registry-routes.js';
import { runRoutes } from './run-routes.js';
import { callerOf } from '../caller.js';

/** URL prefixes MLflow clients use: the REST API and the one its web UI calls. */
const apiBases = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'];

/**
 * The MLflow REST API, so MLflow clients work with only MLFLOW_TRACKING_URI changed: the default
 * workspace at the server root, any other at /workspaces/{ws}/mlflow.
 */
export const mlflowRoutes: FastifyPluginAsync<RouteOptions> = async (app, { context, config }) => {
  // Artifacts have a scope of their own: any content type is a file to store, never parsed.
  await app.register(async (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.setReplySerializer((payload) => stringifyMlflowJson(payload));
    for (const prefix of ['', '/workspaces/:workspace/mlflow']) artifactRoutes(scope, context, prefix, config);
  });

  await app.register(async (scope: FastifyInstance) => {
    // Python's json module writes NaN and Infinity as bare tokens; accept them here only.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      if (body === '') return done(null, undefined);
      try {
        done(null, parseLenientJson(body as string));
      } catch (error) {
        const refused = error as Error & { statusCode?: number };
        refused.statusCode = 400;
        done(refused, undefined);
      }
    });
    scope.setReplySerializer((payload) => stringifyMlflowJson(payload));
    for (const prefix of ['', '/workspaces/:workspace/mlflow']) {
      for (const base of apiBases) {
        experimentRoutes(scope, context, `${prefix}${base}`);
        runRoutes(scope, context, `${prefix}${base}`);
        loggedModelRoutes(scope, context, `${prefix}${base}`);
        registryRoutes(scope, context, `${prefix}${base}`, (request) => callerOf(request, config.localUser));
      }
    }
  });
};
