import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildServer } from './server.js';
import { LocalArtifactStore } from '../artifacts/local/local-artifact-store.js';
import { loadConfig } from '../config/config.js';
import { Store } from '../store/store.js';
import { ml, routeAccessOf } from '../core/identity/route-access.js';
import { roleGrants } from '../core/identity/roles/action-match.js';
import { builtInRoles } from '../core/identity/roles/builtin-roles.js';

describe('every route the server registers maps to an action', () => {
  let home: string;
  let store: Store;
  let app: FastifyInstance;
  const routes: Array<{ method: string; url: string }> = [];

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'trellis-route-access-'));
    store = Store.open({ home });
    const context = {
      store,
      artifactsFor: () => new LocalArtifactStore(join(home, 'artifacts')),
      clock: () => new Date(),
      logger: pino({ level: 'silent' }),
    };
    app = await buildServer(context, loadConfig({ TRELLIS_HOME: home }), {
      onRoute: (route) => {
        for (const method of [route.method].flat()) routes.push({ method, url: route.url });
      },
    });
    await app.ready();
  });

  after(async () => {
    await app?.close();
    await store?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('has a rule for each (method, path): a route without one is denied, and fails here', () => {
    assert.ok(routes.length > 300, `expected the server's whole route list, got ${routes.length}`);
    const missing = routes.filter((route) => !routeAccessOf(route.method, route.url)).map((route) => `${route.method} ${route.url}`);
    assert.deepEqual(missing, [], `routes without an access rule in src/auth/route-access.ts:\n${missing.join('\n')}`);
  });

  it('leaves without credentials only probes, the API description and the studio files', () => {
    const open = routes
      .filter((route) => route.method !== 'HEAD' && routeAccessOf(route.method, route.url)?.kind === 'public')
      .map((route) => `${route.method} ${route.url}`)
      .sort();
    for (const route of open)
      assert.match(
        route,
        /^GET (\/healthz|\/readyz|\/v2(\/health\/(live|ready))?|\/api\/v1\/openapi\.json|\/|\/studio.*|\/workspaces\/:workspace\/mlflow\/?)$|^(GET|POST) \/auth\//,
      );
  });

  it('maps MLflow reads and writes to the Azure ML actions for them, under every prefix', () => {
    for (const prefix of ['', '/ajax-api', '/workspaces/:workspace/mlflow', '/workspaces/:workspace/mlflow/ajax-api']) {
      const base = prefix.endsWith('ajax-api') ? `${prefix.replace(/\/ajax-api$/, '')}/ajax-api/2.0/mlflow` : `${prefix}/api/2.0/mlflow`;
      assert.deepEqual(routeAccessOf('POST', `${base}/runs/log-metric`), {
        kind: 'action',
        action: `${ml}/experiments/runs/write`,
        scope: 'workspace',
      });
      assert.deepEqual(routeAccessOf('POST', `${base}/runs/search`), {
        kind: 'action',
        action: `${ml}/experiments/runs/read`,
        scope: 'workspace',
      });
      assert.deepEqual(routeAccessOf('GET', `${base}/registered-models/get`), {
        kind: 'action',
        action: `${ml}/models/read`,
        scope: 'workspace',
      });
      assert.deepEqual(routeAccessOf('DELETE', `${base}/registered-models/delete`), {
        kind: 'action',
        action: `${ml}/models/delete`,
        scope: 'workspace',
      });
    }
    assert.equal(routeAccessOf('GET', '/not/a/route'), undefined);
  });

  it("maps the MLflow web UI's own routes: downloads read, an upload writes, search-datasets reads experiments", () => {
    const action = (name: string) => ({ kind: 'action', action: `${ml}/${name}`, scope: 'workspace' });
    for (const prefix of ['', '/workspaces/:workspace/mlflow']) {
      assert.deepEqual(routeAccessOf('GET', `${prefix}/get-artifact`), action('experiments/runs/read'));
      assert.deepEqual(routeAccessOf('GET', `${prefix}/model-versions/get-artifact`), action('models/read'));
      assert.deepEqual(routeAccessOf('POST', `${prefix}/ajax-api/2.0/mlflow/upload-artifact`), action('experiments/runs/write'));
      assert.deepEqual(
        routeAccessOf('GET', `${prefix}/ajax-api/2.0/mlflow/logged-models/:model_id/artifacts/files`),
        action('experiments/runs/read'),
      );
      assert.deepEqual(routeAccessOf('POST', `${prefix}/ajax-api/2.0/mlflow/experiments/search-datasets`), action('experiments/read'));
      assert.equal(routeAccessOf('POST', `${prefix}/get-artifact`), undefined);
    }
  });

  it("lets Reader read cost and budgets (Azure's Cost Management and Consumption reads), and only workspace writers set budgets", () => {
    const grants = (role: string, method: string, url: string) => {
      const access = routeAccessOf(method, url);
      assert.ok(access?.kind === 'action', `${method} ${url}: ${JSON.stringify(access)}`);
      return roleGrants(builtInRoles.find((candidate) => candidate.name === role)!, access.action);
    };
    const ws = '/api/v1/workspaces/:workspace';
    for (const url of [`${ws}/cost`, `${ws}/cost/export`, `${ws}/jobs/:name/cost`]) {
      assert.equal(grants('Reader', 'GET', url), true, url);
      assert.equal(grants('AzureML Data Scientist', 'GET', url), false, url);
    }
    assert.equal(grants('Reader', 'GET', `${ws}/budgets/:name`), true);
    for (const [method, url] of [
      ['POST', `${ws}/budgets`],
      ['PATCH', `${ws}/budgets/:name`],
      ['DELETE', `${ws}/budgets/:name`],
    ] as const) {
      assert.equal(grants('Contributor', method, url), true, `${method} ${url}`);
      assert.equal(grants('Reader', method, url), false, `${method} ${url}`);
      assert.equal(grants('AzureML Data Scientist', method, url), false, `${method} ${url}`);
    }
    assert.equal(routeAccessOf('GET', '/api/v1/cost')?.kind, 'authenticated');
  });
});
