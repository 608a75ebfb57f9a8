import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, describe, it } from 'node:test';
import { mlflowPost } from './support/mlflow-rest.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * URLs the server hands clients to call back (multipart part URLs, presigned download URLs,
 * endpoints' scoring URIs) over HTTP against a real `trellis up`: they name the configured public
 * URL (TRELLIS_PUBLIC_URL, else the address the server listens on), never the request's Host
 * header, which a caller can forge to send the next upload to a server of its choosing.
 */

const forgedHost = 'attacker.example:6666';
// A Host the server does not serve is refused outright (test/http-hardening.test.ts); here the name is
// let in by allowed_hosts, to show that even an admitted alias never becomes the base of a URL handed out.
const admitForgedHost = { TRELLIS_ALLOWED_HOSTS: 'attacker.example' };

/** A JSON request with a forged Host header (fetch will not send one); the status and JSON answer. */
function withForgedHost(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      new URL(path, base),
      { method, headers: { host: forgedHost, ...(text === undefined ? {} : { 'content-type': 'application/json' }) } },
      (response) => {
        let answer = '';
        response.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(answer) as Record<string, unknown> }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(text);
  });
}

/** Every URL a forged-Host client is given by this server, by what it is for. */
async function urlsHandedOut(trellis: TrellisProcess): Promise<Record<string, string>> {
  const { experiment_id: experimentId } = await mlflowPost<{ experiment_id: string }>(trellis.url, 'experiments/create', {
    name: 'public-url',
  });
  const run = (await mlflowPost<{ run: { info: { artifact_uri: string } } }>(trellis.url, 'runs/create', { experiment_id: experimentId }))
    .run;
  const root = run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
  assert.equal(
    (await fetch(`${trellis.url}/api/2.0/mlflow-artifacts/artifacts/${root}/model.bin`, { method: 'PUT', body: 'weights' })).status,
    200,
  );

  const created = await withForgedHost(trellis.url, 'POST', `/api/2.0/mlflow-artifacts/mpu/create/${root}`, {
    path: '/tmp/local/big.bin',
    num_parts: 2,
  });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  const parts = created.json.credentials as Array<{ url: string }>;
  const workspaceParts = await withForgedHost(
    trellis.url,
    'POST',
    `/workspaces/default/mlflow/ajax-api/2.0/mlflow-artifacts/mpu/create/${root}`,
    { path: 'big.bin', num_parts: 1 },
  );
  const presigned = await withForgedHost(trellis.url, 'GET', `/api/2.0/mlflow-artifacts/presigned/${root}/model.bin`);
  assert.equal(presigned.status, 200, JSON.stringify(presigned.json));

  await trellis.client.applyOnlineEndpoint('default', { fileName: 'endpoint.yml', text: 'name: forged-online\nauth_mode: key\n' });
  const online = await withForgedHost(trellis.url, 'GET', '/api/v1/workspaces/default/online-endpoints/forged-online');
  await trellis.client.applyBatchEndpoint('default', { fileName: 'endpoint.yml', text: 'name: forged-batch\n' });
  const batch = await withForgedHost(trellis.url, 'GET', '/api/v1/workspaces/default/batch-endpoints/forged-batch');
  return {
    'part 1': parts[0]!.url,
    'part 2': parts[1]!.url,
    'workspace part': (workspaceParts.json.credentials as Array<{ url: string }>)[0]!.url,
    presigned: presigned.json.url as string,
    'online scoring_uri': online.json.scoring_uri as string,
    'online openapi_uri': online.json.openapi_uri as string,
    'batch scoring_uri': batch.json.scoring_uri as string,
  };
}

describe('URLs handed to clients come from the configured public URL', () => {
  const servers: TrellisProcess[] = [];
  after(async () => {
    for (const trellis of servers) {
      await trellis.stop();
      await removeHome(trellis.home);
    }
  });

  it('default: the address the server listens on, whatever the Host header says', async () => {
    const trellis = await startTrellis({ env: admitForgedHost });
    servers.push(trellis);
    for (const [what, url] of Object.entries(await urlsHandedOut(trellis))) {
      assert.ok(url.startsWith(`${trellis.url}/`), `${what}: ${url} is not on ${trellis.url}`);
    }
  });

  it('TRELLIS_PUBLIC_URL, whatever the Host header says', async () => {
    const publicUrl = 'https://trellis.example.org:8443';
    const trellis = await startTrellis({ env: { TRELLIS_PUBLIC_URL: `${publicUrl}/`, ...admitForgedHost } });
    servers.push(trellis);
    const urls = await urlsHandedOut(trellis);
    for (const [what, url] of Object.entries(urls)) assert.ok(url.startsWith(`${publicUrl}/`), `${what}: ${url} is not on ${publicUrl}`);
    assert.match(urls['part 1']!, /^https:\/\/trellis\.example\.org:8443\/api\/2\.0\/mlflow-artifacts\/mpu\/parts\/[0-9a-f]+\/1$/);
    assert.match(
      urls['workspace part']!,
      /^https:\/\/trellis\.example\.org:8443\/workspaces\/default\/mlflow\/ajax-api\/2\.0\/mlflow-artifacts\/mpu\/parts\/[0-9a-f]+\/1$/,
    );
  });
});
