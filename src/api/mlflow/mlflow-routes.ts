import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { mlflowApiBase } from '../../contract/mlflow/route.js';
import { mlflowApiV3Base } from '../../contract/mlflow/traces.js';
import { callerOf } from '../caller.js';
import type { RouteOptions } from '../route-options.js';
import { artifactRoutes } from './artifact-routes.js';
import { experimentRoutes } from './experiment-routes.js';
import { loggedModelRoutes } from './logged-model-routes.js';
import { maxOtlpBytes, otlpRoutes } from './otlp-routes.js';
import { traceRoutesV2, traceRoutesV3, traceWebUiRoutes } from './trace-routes.js';
import { parseRequestJson, stringifyMlflowJson } from './mlflow-json.js';
import { type MlflowRoute, registerMlflowTable } from './mlflow-route.js';
import { registryRoutes } from './registry-routes.js';
import { runRoutes } from './run-routes.js';
import { rootDownloadRoutes, webUiArtifactRoutes } from './web-ui-artifact-routes.js';
import { webUiTrackingRoutes } from './web-ui-tracking-routes.js';

/** Where MLflow clients find a workspace: the default one at the server root, any other under /workspaces/{ws}/mlflow. */
const prefixes = ['', '/workspaces/:workspace/mlflow'];

/**
 * The REST API's base, and the one MLflow's web UI calls. They serve the same routes; the OpenAPI
 * document shows each route once, under /api/2.0 (the route-list test lists /ajax-api/ as an alias).
 */
const apiBases = [
  { base: mlflowApiBase, isAlias: false },
  { base: '/ajax-api/2.0', isAlias: true },
];

/**
 * The scope's schemas document the routes and change nothing: the handlers validate their fields
 * with request-fields.ts (MLflow's error bodies), and replies keep MLflow's JSON (NaN as "NaN").
 * setReplySerializer already outranks a response schema's serializer; the compiler says so too.
 */
function documentOnly(scope: FastifyInstance): void {
  scope.setValidatorCompiler(() => (data) => ({ value: data }));
  scope.setSerializerCompiler(() => (data) => stringifyMlflowJson(data));
  scope.setReplySerializer((payload) => stringifyMlflowJson(payload));
}

/** The V3 base (tracing) and its web UI alias. */
const apiV3Bases = [
  { base: mlflowApiV3Base, isAlias: false },
  { base: '/ajax-api/3.0', isAlias: true },
];

/** Adds a table under every workspace prefix and both bases; its paths are under the base (`/mlflow/...`, `/mlflow-artifacts/...`). */
function registerEverywhere(scope: FastifyInstance, table: MlflowRoute[], tags: string[], bases = apiBases): void {
  for (const prefix of prefixes) {
    for (const { base, isAlias } of bases) {
      registerMlflowTable(scope, table, { base: `${prefix}${base}`, isWorkspaced: prefix !== '', isAlias, tags });
    }
  }
}

/**
 * Adds a table of the web UI's own routes under every workspace prefix at one base only: the
 * workspace's root (downloads) or /ajax-api/2.0 (calls MLflow's server has nowhere else).
 */
function registerWebUi(scope: FastifyInstance, table: MlflowRoute[], base: '' | '/ajax-api/2.0', tags: string[]): void {
  for (const prefix of prefixes) {
    registerMlflowTable(scope, table, { base: `${prefix}${base}`, isWorkspaced: prefix !== '', isAlias: false, tags });
  }
}

/**
 * The MLflow REST API, so MLflow clients work with only MLFLOW_TRACKING_URI changed: the default
 * workspace at the server root, any other at /workspaces/{ws}/mlflow.
 */
export const mlflowRoutes: FastifyPluginAsync<RouteOptions> = async (app, { context, config }) => {
  // Artifacts have a scope of their own: any content type is a file to store, never parsed.
  await app.register(async (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    documentOnly(scope);
    registerEverywhere(scope, artifactRoutes(context, config), ['MLflow artifacts']);
    registerWebUi(scope, rootDownloadRoutes(context), '', ['MLflow artifacts']);
    registerWebUi(scope, webUiArtifactRoutes(context), '/ajax-api/2.0', ['MLflow artifacts']);
  });

  await app.register(async (scope: FastifyInstance) => {
    // Python's json module writes NaN and Infinity as bare tokens; accept them here only.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      if (body === '') return done(null, undefined);
      try {
        done(null, parseRequestJson(body as string));
      } catch (error) {
        const refused = error as Error & { statusCode?: number };
        refused.statusCode = 400;
        done(refused, undefined);
      }
    });
    documentOnly(scope);
    const table = [
      ...experimentRoutes(context),
      ...runRoutes(context),
      ...loggedModelRoutes(context),
      ...registryRoutes(context, callerOf),
    ];
    registerEverywhere(scope, table, ['MLflow']);
    registerWebUi(scope, webUiTrackingRoutes(context), '/ajax-api/2.0', ['MLflow']);
    registerEverywhere(scope, traceRoutesV2(context), ['MLflow tracing']);
    registerEverywhere(scope, traceRoutesV3(context), ['MLflow tracing'], apiV3Bases);
    registerWebUi(scope, traceWebUiRoutes(context), '/ajax-api/2.0', ['MLflow tracing']);
  });

  // OTLP/HTTP: protobuf or JSON bytes, decoded by the handler; and the version MLflow's client asks for.
  await app.register(async (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxOtlpBytes }, (_request, body, done) => done(null, body));
    documentOnly(scope);
    registerWebUi(scope, otlpRoutes(context), '', ['MLflow tracing']);
  });
};
