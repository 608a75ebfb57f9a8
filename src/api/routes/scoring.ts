import type { FastifyPluginAsync, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { z } from 'zod';
import { isTrellisError } from '../../core/errors.js';
import {
  errorBody,
  modelReadyResponse,
  serverLiveResponse,
  serverMetadataResponse,
  serverReadyResponse,
} from '../../core/endpoints/oip-v2.js';
import { ROUTED_FROM_HEADER } from '../../core/endpoints/serving-placement.js';
import { DEPLOYMENT_HEADER } from '../../core/endpoints/traffic.js';
import type { RouterAnswer } from '../../serving/endpoint-router.js';
import { requestHeadersForScript } from '../../serving/forwarded-headers.js';
import type { ScoringCall } from '../../serving/scoring-instance.js';
import { relayScoringCall } from '../../serving/scoring-relay.js';
import type { Context } from '../../services/context.js';
import { getEndpoint } from '../../services/endpoints/endpoint-service.js';
import type { RouteOptions } from '../route-options.js';

const tags = ['Scoring'];
const oipError = z.object({ error: z.string() }).meta({ id: 'OipError' });
/** What the model answers, in the content type it chooses: the server passes it through. */
const modelAnswer = {
  description: "the model's answer, as its scoring script or runtime wrote it",
  content: { 'application/json': { schema: z.unknown() }, '*/*': { schema: z.unknown() } },
};
/** Bodies are bytes the model reads: JSON for most, whatever a @rawhttp script accepts. */
const modelInput = z.unknown().describe('the request the model takes, passed to it as it is');
const readiness = z.object({ name: z.string(), ready: z.boolean() });
const consumes = ['application/json', 'application/octet-stream', '*/*'];
const name = z.string().describe('the online endpoint');
const version = z.string().describe('ignored: the endpoint routes to its deployments');

/**
 * The route's schema under `prefix` ('' or '/workspaces/:workspace'): path parameters, and each
 * response any status can take (the router answers the model's status, or its own error).
 */
function scoringSchema(prefix: string, path: string, summary: string, extra: FastifySchema = {}): FastifySchema {
  const params = z.object({
    ...(prefix ? { workspace: z.string() } : {}),
    ...(path.includes(':name') ? { name } : {}),
    ...(path.includes(':version') ? { version } : {}),
  });
  return { tags, summary, ...(Object.keys(params.shape).length > 0 ? { params } : {}), response: { default: modelAnswer }, ...extra };
}

/**
 * Scoring: `POST /endpoints/{name}/score` (Azure ML's scoring URI; GET too, with the input in the
 * query string, where azmlinfsrv serves the script), `GET /endpoints/{name}/swagger.json` (what
 * Azure ML serves at the scoring host's /swagger.json: the endpoint's openapi_uri) and the Open
 * Inference Protocol v2 (`/v2/models/{name}/infer`, metadata, ready; `/v2/health/*`), so KServe
 * and Triton clients work. `{name}` is the endpoint; the default workspace answers at the root and
 * any other under `/workspaces/{ws}`. Bodies are passed to the model as bytes, whatever their
 * content type, with the query string and the request's headers (less the credential) for a
 * @rawhttp script.
 */
export const scoringRoutes: FastifyPluginAsync<RouteOptions> = async (app, { context, serving, config }) => {
  // This scope reads every body as bytes: the model, not the server, decides what it accepts.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.maxBodyBytes }, (_request, body, done) => done(null, body));
  // The schemas document; they neither check what the model is sent nor reshape what it answers.
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  const send = (reply: FastifyReply, answer: RouterAnswer) => {
    void reply.status(answer.status).headers(answer.headers).type(answer.contentType);
    return reply.send(answer.body);
  };
  /** A call this server runs no instance for: sent on to a server that has a ready one (several servers), else 404 or 503 with why. */
  const relay = async (request: FastifyRequest, reply: FastifyReply, workspace: string, endpoint: string) => {
    const elsewhere = serving?.elsewhere;
    const routedFrom = request.headers[ROUTED_FROM_HEADER];
    if (!elsewhere || routedFrom !== undefined) {
      const why = routedFrom
        ? `server ${String(routedFrom)} sent this call here, but this server no longer runs an instance of online endpoint '${endpoint}'; send it again`
        : `this server runs no instance of online endpoint '${endpoint}' (online endpoints are served where the controllers run: GET /api/v1/leader names it)`;
      return reply.status(503).send(errorBody(why));
    }
    const servers = await elsewhere.serversFor(workspace, endpoint);
    if (servers.length === 0) {
      if (!(await isOnlineEndpoint(context, workspace, endpoint)))
        return reply.status(404).send(errorBody(`online endpoint '${endpoint}' does not exist in workspace '${workspace}'`));
      return reply
        .status(503)
        .send(
          errorBody(
            `no server has a ready instance of online endpoint '${endpoint}' in workspace '${workspace}' yet: its deployments are starting, failed or have no instances (trellis online-deployment show says which)`,
          ),
        );
    }
    const aborted = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) aborted.abort();
    });
    let answer: Awaited<ReturnType<typeof relayScoringCall>>;
    try {
      answer = await relayScoringCall(
        {
          method: request.method,
          url: request.url,
          headers: { ...request.headers, 'x-request-id': String(request.id) },
          body: bodyOf(request),
          remoteAddress: request.ip,
        },
        servers,
        elsewhere.self,
        aborted.signal,
      );
    } catch (error) {
      request.log.warn({ err: error, servers }, 'scoring: the call could not be sent on to a server with a ready instance');
      return reply
        .status(502)
        .send(errorBody(`the servers running online endpoint '${endpoint}' could not be reached (${errorMessageOf(error)}); try again`));
    }
    void reply.status(answer.status).headers(answer.headers);
    return reply.send(answer.body);
  };
  const forward = async (request: FastifyRequest, reply: FastifyReply, workspace: string, endpoint: string, call: ScoringCall) => {
    const local = serving?.local();
    if (!local) return relay(request, reply, workspace, endpoint);
    const deployment = request.headers[DEPLOYMENT_HEADER];
    const answer = await local.router.handle(workspace, endpoint, call, {
      authorization: request.headers.authorization,
      deployment: typeof deployment === 'string' ? deployment : undefined,
    });
    return send(reply, answer);
  };
  const bodyOf = (request: FastifyRequest) => (Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
  const contentTypeOf = (request: FastifyRequest) => request.headers['content-type'] ?? 'application/json';
  const queryOf = (request: FastifyRequest) => {
    const start = request.url.indexOf('?');
    return start < 0 ? '' : request.url.slice(start + 1);
  };
  const scoreCall = (request: FastifyRequest, method: 'GET' | 'POST'): ScoringCall => ({
    protocol: 'score',
    body: bodyOf(request),
    contentType: contentTypeOf(request),
    method,
    query: queryOf(request),
    // azmlinfsrv logs and answers with the request's id: the one Trellis answers and logs with.
    headers: { ...requestHeadersForScript(request.headers), 'x-request-id': String(request.id) },
  });

  for (const prefix of ['', '/workspaces/:workspace']) {
    type Params = { workspace?: string; name: string };
    const workspaceOf = (request: FastifyRequest<{ Params: Params }>) => request.params.workspace ?? 'default';

    app.post<{ Params: Params }>(
      `${prefix}/endpoints/:name/score`,
      {
        schema: scoringSchema(prefix, '/endpoints/:name/score', 'Score: send the model a request (Azure ML scoring URI)', {
          body: modelInput,
          consumes,
        }),
      },
      async (request, reply) => forward(request, reply, workspaceOf(request), request.params.name, scoreCall(request, 'POST')),
    );
    // Trellis's own workers answer GET with 405 (own-worker-refusals.ts); azmlinfsrv reads the query string.
    app.get<{ Params: Params }>(
      `${prefix}/endpoints/:name/score`,
      { schema: scoringSchema(prefix, '/endpoints/:name/score', 'Score with the input in the query string (azmlinfsrv scripts)') },
      async (request, reply) => forward(request, reply, workspaceOf(request), request.params.name, scoreCall(request, 'GET')),
    );
    // `?version=2|3|3.1` goes to azmlinfsrv as it is; Trellis's own workers answer 404 with why.
    app.get<{ Params: Params }>(
      `${prefix}/endpoints/:name/swagger.json`,
      {
        schema: scoringSchema(prefix, '/endpoints/:name/swagger.json', "The scoring script's OpenAPI document (Azure ML's openapi_uri)", {
          querystring: z.object({ version: z.string().optional() }),
        }),
      },
      async (request, reply) =>
        forward(request, reply, workspaceOf(request), request.params.name, { protocol: 'swagger', query: queryOf(request) }),
    );

    for (const path of [`${prefix}/v2/models/:name/infer`, `${prefix}/v2/models/:name/versions/:version/infer`]) {
      app.post<{ Params: Params }>(
        path,
        { schema: scoringSchema(prefix, path, 'Open Inference Protocol v2: infer', { body: modelInput, consumes }) },
        async (request, reply) =>
          forward(request, reply, workspaceOf(request), request.params.name, {
            protocol: 'v2-infer',
            body: bodyOf(request),
            contentType: contentTypeOf(request),
          }),
      );
    }
    for (const path of [`${prefix}/v2/models/:name`, `${prefix}/v2/models/:name/versions/:version`]) {
      app.get<{ Params: Params }>(
        path,
        { schema: scoringSchema(prefix, path, "Open Inference Protocol v2: the model's metadata") },
        async (request, reply) => forward(request, reply, workspaceOf(request), request.params.name, { protocol: 'v2-metadata' }),
      );
    }
    for (const path of [`${prefix}/v2/models/:name/ready`, `${prefix}/v2/models/:name/versions/:version/ready`]) {
      app.get<{ Params: Params }>(
        path,
        {
          schema: scoringSchema(prefix, path, 'Open Inference Protocol v2: whether the model is ready (503 until a deployment is)', {
            response: { 200: readiness, 503: readiness, 404: oipError },
          }),
        },
        async (request, reply) => {
          const workspace = workspaceOf(request);
          const local = serving?.local();
          const elsewhere = serving?.elsewhere;
          // Served by another server (several servers on one database): ready when one of them has a ready instance.
          const ready = local
            ? local.router.targetsOf(workspace, request.params.name).some((target) => target.isReady())
            : elsewhere
              ? (await elsewhere.serversFor(workspace, request.params.name)).length > 0
              : false;
          // The Open Inference Protocol answers 404 for a model that does not exist; one that exists
          // but has no ready deployment yet (or no deployment at all) is 503.
          if (!ready && !(await isOnlineEndpoint(context, workspace, request.params.name))) {
            return reply
              .status(404)
              .send(
                errorBody(
                  `model '${request.params.name}' does not exist: there is no online endpoint '${request.params.name}' in workspace '${workspace}'`,
                ),
              );
          }
          return reply.status(ready ? 200 : 503).send(modelReadyResponse(request.params.name, ready));
        },
      );
    }
  }
  app.get(
    '/metrics',
    {
      schema: {
        tags,
        summary: 'Serving metrics, in the Prometheus text format',
        response: {
          200: { description: 'Prometheus exposition', content: { 'text/plain': { schema: z.string() } } },
          503: { description: 'serving is not running', content: { 'text/plain': { schema: z.string() } } },
        },
      },
    },
    async (_request, reply) => {
      if (!serving) return reply.status(503).send('serving is not running on this server\n');
      return reply.type(serving.metrics.contentType).send(await serving.metrics.text());
    },
  );
  app.get(
    '/v2',
    {
      schema: {
        tags,
        summary: 'Open Inference Protocol v2: server metadata',
        response: { 200: z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) }) },
      },
    },
    async () => serverMetadataResponse({ name: 'trellis', version: '1', extensions: [] }),
  );
  app.get(
    '/v2/health/live',
    { schema: { tags, summary: 'Open Inference Protocol v2: liveness', response: { 200: z.object({ live: z.boolean() }) } } },
    async () => serverLiveResponse(true),
  );
  app.get(
    '/v2/health/ready',
    {
      schema: {
        tags,
        summary: 'Open Inference Protocol v2: readiness (503 while this server neither serves nor can send calls on)',
        response: { 200: z.object({ ready: z.boolean() }), 503: z.object({ ready: z.boolean() }) },
      },
    },
    async (_request, reply) => {
      // Several servers: one that runs no instance sends calls on to those that do, so it takes them too.
      const ready = serving?.local() !== undefined || serving?.elsewhere !== undefined;
      return reply.status(ready ? 200 : 503).send(serverReadyResponse(ready));
    },
  );
};

/** Whether `name` is an online endpoint of `workspace` (false too when the workspace does not exist). */
async function isOnlineEndpoint(context: Context, workspace: string, name: string): Promise<boolean> {
  try {
    await getEndpoint(context, workspace, name, 'online');
    return true;
  } catch (error) {
    if (isTrellisError(error) && error.status === 404) return false;
    throw error;
  }
}

function errorMessageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
