import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * `GET /v2/models/{name}/ready` over HTTP against a real `trellis up`: the Open Inference Protocol
 * answers 404 for a model that does not exist, and 503 for one that exists but is not ready.
 */
describe('OIP v2 model readiness', () => {
  let trellis: TrellisProcess;

  before(async () => {
    trellis = await startTrellis();
    // An online endpoint with no deployment: it exists, and nothing can answer for it yet.
    await trellis.client.applyOnlineEndpoint('default', { fileName: 'endpoint.yml', text: 'name: waiting\nauth_mode: key\n' });
  });
  after(async () => {
    await trellis.stop();
    await removeHome(trellis.home);
  });

  it('answers 404 with an error body for a model that does not exist, at the root and under a workspace', async () => {
    for (const path of [
      '/v2/models/missing/ready',
      '/v2/models/missing/versions/1/ready',
      '/workspaces/default/v2/models/missing/ready',
      '/workspaces/nowhere/v2/models/waiting/ready',
    ]) {
      const response = await fetch(`${trellis.url}${path}`);
      const body = (await response.json()) as { error?: string };
      assert.equal(response.status, 404, `${path}: ${JSON.stringify(body)}`);
      assert.match(body.error ?? '', /does not exist/, path);
    }
  });

  it('answers 503, ready false, for an endpoint that exists but is not ready', async () => {
    for (const path of ['/v2/models/waiting/ready', '/workspaces/default/v2/models/waiting/versions/1/ready']) {
      const response = await fetch(`${trellis.url}${path}`);
      assert.equal(response.status, 503, path);
      assert.deepEqual(await response.json(), { name: 'waiting', ready: false });
    }
  });
});
