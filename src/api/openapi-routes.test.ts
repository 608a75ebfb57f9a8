import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { LocalArtifactStore } from '../artifacts/local/local-artifact-store.js';
import { loadConfig } from '../config/config.js';
import { Store } from '../store/store.js';
import { buildServer } from './server.js';

/**
 * Routes the OpenAPI document leaves out on purpose, each with why. Anything else the server
 * registers must be an operation of /api/v1/openapi.json with a response schema: a route added without
 * a schema fails here.
 */
const undocumented: Array<{ method: string; path: RegExp; why: string }> = [
  // Fastify answers HEAD for every GET by itself; the GET is the documented operation.
  { method: 'HEAD', path: /.*/, why: 'automatic HEAD of a GET' },
  { method: 'GET', path: /^\/api\/v1\/openapi\.json$/, why: 'the document itself' },
  // The studio's pages and built files, and the redirects into it: a web app, not API.
  { method: 'GET', path: /^\/$/, why: 'redirect to the studio' },
  { method: 'GET', path: /^\/studio(\/.*)?$/, why: 'studio pages and static files' },
  { method: 'GET', path: /^\/workspaces\/:workspace\/mlflow\/?$/, why: "redirect to a workspace's studio" },
  // A compute instance's JupyterLab: Jupyter's own REST API and pages, proxied as they are.
  { method: '*', path: /^\/compute-instances\/:workspace\/:name\/lab(\/\*)?$/, why: "a compute instance's JupyterLab (Jupyter's own API)" },
  // The MLflow web UI's bases repeat every /api/2.0/ and /api/3.0/ route; the document shows each once, under /api/.
  {
    method: '*',
    path: /^(\/workspaces\/:workspace\/mlflow)?\/ajax-api\/[23]\.0\//,
    why: 'alias of the same route under /api/2.0/ or /api/3.0/',
  },
];

/** fastify's `/a/:b/*` as OpenAPI writes it: `/a/{b}/{*}` (what @fastify/swagger names a wildcard). */
function openapiPathOf(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{*}');
}

/**
 * Whether an operation declares what it answers: @fastify/swagger lists a route without a schema
 * too, as a bare 'Default Response' with no content, so being listed is not enough.
 */
function hasResponseSchema(operation: unknown): boolean {
  const responses = (operation as { responses?: Record<string, { content?: object }> } | undefined)?.responses ?? {};
  return Object.values(responses).some((response) => response.content !== undefined);
}

describe('the OpenAPI document lists every route the server registers', () => {
  let home: string;
  let store: Store;
  let app: FastifyInstance;
  const routes: Array<{ method: string; url: string }> = [];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'trellis-openapi-'));
    store = Store.open({ home });
    const logger = pino({ level: 'silent' });
    const context = { store, artifactsFor: () => new LocalArtifactStore(join(home, 'artifacts')), clock: () => new Date(), logger };
    const config = loadConfig({ TRELLIS_HOME: home });
    app = await buildServer(context, config, { onRoute: (route) => routes.push({ method: [route.method].flat().join(), url: route.url }) });
  });

  after(async () => {
    await app?.close();
    await store?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('documents each (method, path), leaving out only the listed ones', async () => {
    await app.ready();
    const paths = (app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths;
    const missing: string[] = [];
    for (const route of routes) {
      for (const method of route.method.split(',')) {
        if (undocumented.some((entry) => (entry.method === '*' || entry.method === method) && entry.path.test(route.url))) continue;
        const operation = paths[openapiPathOf(route.url)]?.[method.toLowerCase()];
        if (!hasResponseSchema(operation)) missing.push(`${method} ${route.url}`);
      }
    }
    assert.deepEqual(
      missing,
      [],
      `routes the OpenAPI document lacks or lists without a response schema (give them a schema, or list them above with why):\n${missing.join('\n')}`,
    );
  });
});
