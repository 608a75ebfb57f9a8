import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Endpoint, EndpointSecrets } from '../../core/endpoints/endpoint.js';
import { EndpointRouter } from '../../serving/endpoint-router.js';
import { swaggerRefused } from '../../serving/own-worker-refusals.js';
import type { ScoringAnswer, ScoringCall } from '../../serving/scoring-instance.js';
import type { RouteOptions } from '../route-options.js';
import { scoringRoutes } from './scoring.js';

/**
 * The scoring routes over a router with one recording deployment: what a call carries to the
 * model (method, query, headers less the key), what the answer carries back (the model's headers),
 * and that /score and /swagger.json check the key, at the root and under /workspaces/{ws}.
 */

const secrets: EndpointSecrets = { primaryKey: 'primary-key', secondaryKey: 'secondary-key', tokenSecret: 'token-secret' };

function endpoint(workspace: string, name: string): Endpoint {
  return {
    workspace,
    name,
    type: 'online',
    description: null,
    tags: {},
    authMode: 'key',
    traffic: { blue: 100 },
    mirrorTraffic: {},
    defaultDeployment: null,
    compute: null,
    state: 'Succeeded',
    createdBy: 'tests',
    createdAt: 0,
    updatedAt: 0,
    etag: '1',
  };
}

describe('scoring routes', () => {
  let app: FastifyInstance;
  const calls: ScoringCall[] = [];
  let answer: (call: ScoringCall) => ScoringAnswer = () => ({
    status: 200,
    body: Buffer.from('{"ok":true}'),
    contentType: 'application/json',
    headers: { 'x-ms-run-function-failed': 'False', 'azureml-model-deployment': 'spoofed' },
  });

  before(async () => {
    const router = new EndpointRouter();
    const target = {
      name: 'blue',
      lineage: {
        model: { name: 'iris', version: '1', type: 'custom_model' },
        environment: null,
        code: null,
        deployedBy: 'tests',
        deployedAt: 0,
      },
      call: async (call: ScoringCall) => {
        calls.push(call);
        return answer(call);
      },
      isReady: () => true,
    };
    router.setRoute(endpoint('default', 'iris'), secrets, [target]);
    router.setRoute(endpoint('dev', 'iris'), secrets, [target]);
    app = Fastify();
    await app.register(scoringRoutes, {
      context: {} as never,
      config: { maxBodyBytes: 1_000_000 } as never,
      access: {} as never,
      serving: { local: () => ({ router }) as never, metrics: {} as never, wake: () => undefined, refresh: async () => undefined },
    } satisfies RouteOptions);
    await app.ready();
  });
  after(() => app.close());

  it('POST /score carries the body, query and headers (not the key) to the model, and its headers back', async () => {
    calls.length = 0;
    const response = await app.inject({
      method: 'POST',
      url: '/endpoints/iris/score?verbose=1',
      headers: { authorization: 'Bearer primary-key', 'content-type': 'application/json', 'x-caller': 'tests' },
      payload: '{"data":[1]}',
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['x-ms-run-function-failed'], 'False');
    // The router's own trace header wins over one the model sets.
    assert.equal(response.headers['azureml-model-deployment'], 'blue');
    const call = calls[0] as Extract<ScoringCall, { protocol: 'score' }>;
    assert.equal(call.method, 'POST');
    assert.equal(call.query, 'verbose=1');
    assert.equal(call.body.toString(), '{"data":[1]}');
    assert.equal(call.contentType, 'application/json');
    assert.equal(call.headers?.['x-caller'], 'tests');
    assert.equal(call.headers?.authorization, undefined);
  });

  it('GET /score carries the query string, at the root and under /workspaces/{ws}', async () => {
    for (const url of ['/endpoints/iris/score?name=iris&n=2', '/workspaces/dev/endpoints/iris/score?name=iris&n=2']) {
      calls.length = 0;
      const response = await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer secondary-key' } });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(
        { protocol: calls[0]?.protocol, method: (calls[0] as { method?: string }).method, query: (calls[0] as { query?: string }).query },
        { protocol: 'score', method: 'GET', query: 'name=iris&n=2' },
      );
    }
  });

  it('GET /swagger.json asks the deployment for its document, with ?version passed on', async () => {
    for (const url of ['/endpoints/iris/swagger.json?version=3', '/workspaces/dev/endpoints/iris/swagger.json?version=3']) {
      calls.length = 0;
      const response = await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer primary-key' } });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(calls, [{ protocol: 'swagger', query: 'version=3' }]);
    }
  });

  it("answers 404 with why, when the deployment's environment has no azmlinfsrv", async () => {
    answer = () => swaggerRefused('python-script');
    const response = await app.inject({
      method: 'GET',
      url: '/endpoints/iris/swagger.json',
      headers: { authorization: 'Bearer primary-key' },
    });
    assert.equal(response.statusCode, 404);
    assert.match(response.json<{ detail: string }>().detail, /lacks azureml-inference-server-http/);
  });

  it('checks the key on /score and /swagger.json alike', async () => {
    calls.length = 0;
    for (const request of [
      { method: 'GET' as const, url: '/endpoints/iris/swagger.json' },
      { method: 'GET' as const, url: '/workspaces/dev/endpoints/iris/swagger.json', headers: { authorization: 'Bearer wrong' } },
      { method: 'GET' as const, url: '/endpoints/iris/score' },
      { method: 'POST' as const, url: '/endpoints/iris/score', payload: '{}', headers: { 'content-type': 'application/json' } },
    ]) {
      const response = await app.inject(request);
      assert.equal(response.statusCode, 401, `${request.method} ${request.url}`);
    }
    assert.equal(calls.length, 0);
  });
});
