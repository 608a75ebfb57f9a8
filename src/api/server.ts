import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import type * as https from 'node:https';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions as RouteOptionsOfFastify } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { FailureThrottle } from '../core/identity/failure-throttle.js';
import { OidcVerifier } from '../auth/oidc/oidc-verifier.js';
import type { TrellisConfig } from '../config/config.js';
import { AccessControl } from '../services/identity/access-control.js';
import { registerAuthHooks, registerRegistryReadCheck } from './auth/auth-hooks.js';
import type { Context } from '../services/context.js';
import { httpGuards } from './http-guards.js';
import { handleError, isMlflowRequest, sendProblem } from './problem.js';
import type { RouteOptions } from './route-options.js';
import { advisorRoutes } from './routes/advisor.js';
import { applyRoutes } from './routes/apply.js';
import { attemptTransferRoutes } from './routes/attempt-transfer.js';
import { deploymentBundleRoutes } from './routes/deployment-bundle.js';
import { auditRoutes } from './routes/audit.js';
import { authSessionRoutes } from './routes/auth-session.js';
import { healthRoutes } from './routes/health.js';
import { identityRoutes } from './routes/identity.js';
import { projectRoutes } from './routes/projects.js';
import { batchEndpointRoutes } from './routes/batch-endpoints.js';
import { jobRoutes } from './routes/jobs.js';
import { pipelineRoutes } from './routes/pipelines.js';
import { sweepRoutes } from './routes/sweeps.js';
import { scheduleRoutes } from './routes/schedules.js';
import { monitorRoutes } from './routes/monitors.js';
import { policyRoutes } from './routes/policy.js';
import { costRoutes } from './routes/cost.js';
import { registryRoutesPlugin } from './routes/registries.js';
import { experimentKeysRoutes } from './routes/experiment-keys.js';
import { metricSeriesRoutes } from './routes/metric-series.js';
import { deploymentProfileRoutes } from './routes/deployment-profiles.js';
import { datastoreApiRoutes } from './routes/datastores.js';
import { endpointStatsRoutes } from './routes/endpoint-stats.js';
import { onlineEndpointRoutes } from './routes/online-endpoints.js';
import { scoringRoutes } from './routes/scoring.js';
import { studioRoutes } from './routes/studio.js';
import { computeInstanceLabRoutes } from './routes/compute-instance-lab.js';
import { computeInstanceRoutesPlugin } from './routes/compute-instances.js';
import { resourceRoutes } from './routes/resources.js';
import { uploadRoutes } from './routes/uploads.js';
import { mlflowRoutes } from './mlflow/mlflow-routes.js';
import { mlflowGraphqlRoutes } from './mlflow/graphql/graphql-route.js';
import { workspaceRoutes } from './routes/workspaces.js';

export const apiVersion = '0.1.0';

/** The server Trellis listens with: plain HTTP, or HTTPS when it has a certificate (both hand fastify Node's http requests). */
export type TrellisServer = FastifyInstance<http.Server | https.Server>;

/** Assembles the HTTP server from one plugin per resource group; nothing global. */
export async function buildServer(
  context: Context,
  config: TrellisConfig,
  options: {
    jobs?: RouteOptions['jobs'];
    pipelines?: RouteOptions['pipelines'];
    sweeps?: RouteOptions['sweeps'];
    schedules?: RouteOptions['schedules'];
    serving?: RouteOptions['serving'];
    computeInstances?: RouteOptions['computeInstances'];
    leadership?: RouteOptions['leadership'];
    /** Hears every route as it is added (the route-list test compares them with the OpenAPI document). */
    onRoute?: (route: RouteOptionsOfFastify) => void;
    /** The PEM certificate chain and private key to serve HTTPS with (config.tls, read and checked by the caller); none: plain HTTP. */
    https?: { cert: Buffer; key: Buffer };
  } = {},
): Promise<TrellisServer> {
  const serverOptions = {
    // One logger for requests and for the background work the context does.
    loggerInstance: context.logger,
    bodyLimit: config.maxBodyBytes,
    genReqId: () => randomUUID(),
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
    // '//model-versions/get-artifact' reaches its route, as in MLflow's server (Flask merges slashes);
    // access is decided by the route matched, so a doubled slash gains nothing.
    routerOptions: { ignoreDuplicateSlashes: true },
  };
  // fastify types an HTTPS instance by its own overload; both kinds are the one TrellisServer.
  const app: TrellisServer = options.https
    ? Fastify<https.Server, http.IncomingMessage, http.ServerResponse, FastifyBaseLogger>({ ...serverOptions, https: options.https })
    : Fastify<http.Server, http.IncomingMessage, http.ServerResponse, FastifyBaseLogger>(serverOptions);
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  // Host, Origin and content-type guards and security headers first: every answer, refusals included, carries the headers.
  await app.register(httpGuards, { config, listenHost: config.host });
  const access = new AccessControl(() => context.store.repositories.identity);
  // One verifier (and one cached JWKS) for bearer JWTs and the studio's OpenID sign-in.
  const oidc = config.auth.oidc ? new OidcVerifier(config.auth.oidc) : undefined;
  const authenticator = { context, oidc, localOwner: config.auth.local ? config.localUser : undefined };
  registerAuthHooks(app, { access, throttle: new FailureThrottle(), authenticator });
  registerRegistryReadCheck(app, access);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    if (isMlflowRequest(request))
      return reply.status(404).send({
        error_code: 'ENDPOINT_NOT_FOUND',
        message: `No API endpoint ${request.method} ${path}; this server implements MLflow's tracking REST API (docs/mlflow-compatibility.md)`,
      });
    return sendProblem(
      request,
      reply,
      404,
      'RouteNotFound',
      `no route ${request.method} ${path}; the API is described at /api/v1/openapi.json`,
    );
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', String(request.id));
  });

  // YAML arrives as text; uploads arrive as a stream that the artifact store consumes without buffering.
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Trellis API',
        version: apiVersion,
        description:
          'Self-hosted machine-learning platform: workspaces, environments, data, code, models and compute, in Azure ML v2 YAML.',
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });

  const routeOptions: RouteOptions = {
    context,
    config,
    access,
    oidc,
    ...(options.jobs ? { jobs: options.jobs } : {}),
    ...(options.pipelines ? { pipelines: options.pipelines } : {}),
    ...(options.sweeps ? { sweeps: options.sweeps } : {}),
    ...(options.schedules ? { schedules: options.schedules } : {}),
    ...(options.serving ? { serving: options.serving } : {}),
    ...(options.computeInstances ? { computeInstances: options.computeInstances } : {}),
    ...(options.leadership ? { leadership: options.leadership } : {}),
  };
  await app.register(healthRoutes, routeOptions);
  await app.register(identityRoutes, routeOptions);
  await app.register(projectRoutes, routeOptions);
  await app.register(authSessionRoutes, routeOptions);
  await app.register(workspaceRoutes, routeOptions);
  await app.register(resourceRoutes, routeOptions);
  await app.register(applyRoutes, routeOptions);
  await app.register(uploadRoutes, routeOptions);
  await app.register(auditRoutes, routeOptions);
  await app.register(jobRoutes, routeOptions);
  await app.register(pipelineRoutes, routeOptions);
  await app.register(sweepRoutes, routeOptions);
  await app.register(scheduleRoutes, routeOptions);
  await app.register(monitorRoutes, routeOptions);
  await app.register(policyRoutes, routeOptions);
  await app.register(costRoutes, routeOptions);
  await app.register(registryRoutesPlugin, routeOptions);
  await app.register(attemptTransferRoutes, routeOptions);
  await app.register(deploymentBundleRoutes, routeOptions);
  await app.register(mlflowRoutes, routeOptions);
  await app.register(mlflowGraphqlRoutes, routeOptions);
  await app.register(metricSeriesRoutes, routeOptions);
  await app.register(experimentKeysRoutes, routeOptions);
  await app.register(onlineEndpointRoutes, routeOptions);
  await app.register(endpointStatsRoutes, routeOptions);
  await app.register(deploymentProfileRoutes, routeOptions);
  await app.register(datastoreApiRoutes, routeOptions);
  await app.register(batchEndpointRoutes, routeOptions);
  await app.register(scoringRoutes, routeOptions);
  await app.register(computeInstanceRoutesPlugin, routeOptions);
  await app.register(computeInstanceLabRoutes, { ...routeOptions, authenticator });
  await app.register(studioRoutes, routeOptions);
  await app.register(advisorRoutes, routeOptions);

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
