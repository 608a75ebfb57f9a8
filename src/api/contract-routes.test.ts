import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { LocalArtifactStore } from '../artifacts/local/local-artifact-store.js';
import { loadConfig } from '../config/config.js';
import * as contract from '../contract/index.js';
import type { Route } from '../contract/route.js';
import { isAssetKind, kindSegments } from '../core/resources/kinds.js';
import { Store } from '../store/store.js';
import { buildServer } from './server.js';

/** Every route the contract declares, the ones generated per kind included. */
function contractRoutes(): Route[] {
  const groups: Array<Record<string, Route>> = [
    contract.applyRoutes,
    contract.attemptTransferRoutes,
    contract.auditRoutes,
    contract.batchEndpointRoutes,
    contract.computeRoutes,
    contract.deploymentBundleRoutes,
    contract.deploymentProfileRoutes,
    contract.datastoreRoutes,
    contract.endpointStatsRoutes,
    contract.experimentKeysRoutes,
    contract.healthRoutes,
    contract.jobRoutes,
    contract.metricSeriesRoutes,
    contract.onlineEndpointRoutes,
    contract.pipelineRoutes,
    contract.uploadRoutes,
    contract.workspaceRoutes,
    { resolve: contract.resolveRoute },
  ];
  for (const kind of Object.keys(kindSegments) as contract.ContainedKind[]) {
    groups.push(contract.kindRoutes(kind), isAssetKind(kind) ? contract.assetRoutes(kind) : contract.namedRoutes(kind));
  }
  return groups.flatMap((group) => Object.values(group));
}

describe('the server registers every route of the contract, with its method and path', () => {
  let home: string;
  let store: Store;
  let app: FastifyInstance;
  const registered = new Set<string>();

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'trellis-contract-'));
    store = Store.open({ home });
    const logger = pino({ level: 'silent' });
    const context = { store, artifactsFor: () => new LocalArtifactStore(join(home, 'artifacts')), clock: () => new Date(), logger };
    const config = loadConfig({ TRELLIS_HOME: home });
    app = await buildServer(context, config, {
      onRoute: (route) => {
        for (const method of [route.method].flat()) registered.add(`${method} ${route.url}`);
      },
    });
  });

  after(async () => {
    await app?.close();
    await store?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('finds each declared (method, path) among the registered routes', async () => {
    await app.ready();
    const routes = contractRoutes();
    assert.ok(routes.length > 40, `only ${routes.length} contract routes found`);
    const missing = routes.map((route) => `${route.method} ${route.path}`).filter((key) => !registered.has(key));
    assert.deepEqual(missing, []);
  });

  it('builds a URL from a path template, encoding each parameter', () => {
    assert.equal(
      contract.pathOf('/api/v1/workspaces/:workspace/jobs/:name', { workspace: 'dev', name: 'a b/c' }),
      '/api/v1/workspaces/dev/jobs/a%20b%2Fc',
    );
    assert.throws(() => contract.pathOf('/api/v1/workspaces/:workspace', {}), /'workspace' is missing/);
  });
});
