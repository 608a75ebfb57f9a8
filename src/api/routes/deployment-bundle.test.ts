import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { extract } from 'tar-stream';
import { LocalArtifactStore } from '../../artifacts/local/local-artifact-store.js';
import { loadAttemptSecret } from '../../backends/kubernetes/attempt-token.js';
import { deploymentBundleToken, deploymentBundleUrl } from '../../backends/kubernetes/deployment-bundle-token.js';
import { loadConfig } from '../../config/config.js';
import { Store } from '../../store/store.js';
import { buildServer } from '../server.js';

/** The names in a tar archive, in order. */
async function namesIn(archive: Buffer): Promise<string[]> {
  const names: string[] = [];
  const reader = extract();
  const done = (async () => {
    for await (const entry of reader) {
      names.push(entry.header.name);
      entry.resume();
    }
  })();
  Readable.from([archive]).pipe(reader);
  await done;
  return names;
}

describe('GET .../deployments/:deployment/versions/:version/bundle.tar', () => {
  let home: string;
  let store: Store;
  let app: FastifyInstance;
  let secret: Buffer;
  const identity = { workspace: 'default', endpoint: 'churn', deployment: 'blue', version: 'etag-1' };
  const path = '/api/v1/workspaces/default/online-endpoints/churn/deployments/blue/versions/etag-1/bundle.tar';

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'trellis-deployment-bundle-'));
    store = Store.open({ home });
    await store.migrate();
    const context = {
      store,
      artifactsFor: () => new LocalArtifactStore(join(home, 'artifacts')),
      clock: () => new Date(),
      logger: pino({ level: 'silent' }),
    };
    app = await buildServer(context, loadConfig({ TRELLIS_HOME: home }));
    await app.ready();
    secret = await loadAttemptSecret(home);
    const folder = join(home, 'serving', 'default', 'churn', 'blue', 'etag-1');
    await mkdir(join(folder, 'azureml-models', 'churn', '3'), { recursive: true });
    await mkdir(join(folder, 'code'), { recursive: true });
    await mkdir(join(folder, 'logs'), { recursive: true });
    await writeFile(join(folder, 'azureml-models', 'churn', '3', 'model.pkl'), 'model');
    await writeFile(join(folder, 'code', 'score.py'), 'def init(): pass\n');
    await writeFile(join(folder, 'logs', 'instance-0.log'), 'log');
    await writeFile(join(folder, 'prepare.log'), 'prepared');
  });

  after(async () => {
    await app?.close();
    await store?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("serves the version's model and code, not its logs, to the holder of its token", async () => {
    const url = new URL(deploymentBundleUrl('http://trellis.internal:5050/', secret, identity));
    assert.equal(url.pathname, path);
    const response = await app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-type'], 'application/x-tar');
    assert.deepEqual(await namesIn(response.rawPayload), [
      'azureml-models/',
      'azureml-models/churn/',
      'azureml-models/churn/3/',
      'azureml-models/churn/3/model.pkl',
      'code/',
      'code/score.py',
    ]);
  });

  it("refuses a missing token, a wrong one and another version's with 403, and a version not prepared here with 404", async () => {
    for (const query of ['', '?token=nope', `?token=${deploymentBundleToken(secret, { ...identity, version: 'etag-2' })}`]) {
      const response = await app.inject({ method: 'GET', url: `${path}${query}` });
      assert.equal(response.statusCode, 403, query);
      assert.equal(response.json().code, 'DeploymentBundleTokenInvalid');
    }
    const other = { ...identity, version: 'etag-2' };
    const missing = await app.inject({
      method: 'GET',
      url: `${path.replace('etag-1', 'etag-2')}?token=${deploymentBundleToken(secret, other)}`,
    });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'DeploymentVersionNotFound');
  });
});
