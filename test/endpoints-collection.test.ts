import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliJson, score, waitForDeployment } from './support/endpoints.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/** A deployment's data_collector keeps sampled requests and answers, paired by id, in a data asset's folder. */

async function linesUnder(folder: string): Promise<Array<Record<string, unknown>>> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  const lines: Array<Record<string, unknown>> = [];
  for (const entry of entries.filter((item) => item.isFile() && item.name.endsWith('.jsonl'))) {
    const text = await readFile(join(entry.parentPath, entry.name), 'utf8');
    lines.push(
      ...text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
  }
  return lines;
}

describe('payload collection of an online deployment on sqlite', () => {
  let trellis: TrellisProcess;

  before(async () => {
    trellis = await startTrellis();
    await cliJson(trellis.url, ['online-endpoint', 'create', '--file', 'endpoint.yml']);
    await cliJson(trellis.url, ['online-deployment', 'create', '--file', 'collector.yml', '--all-traffic']);
    assert.equal((await waitForDeployment(trellis.client, 'iris-endpoint', 'collector')).state, 'Succeeded');
  });

  after(async () => {
    await trellis.stop();
    await removeHome(trellis.home);
  });

  it('writes each sampled request and its answer, paired by id, under data assets named as Azure ML names them', async () => {
    const { primaryKey } = await cliJson<{ primaryKey: string }>(trellis.url, [
      'online-endpoint',
      'get-credentials',
      '--name',
      'iris-endpoint',
    ]);
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const answer = await score(`${trellis.url}/endpoints/iris-endpoint/score`, {
        credential: primaryKey,
        body: JSON.stringify({ data: [[5.1, 3.5, 1.4, index / 10]] }),
      });
      assert.equal(answer.status, 200);
      ids.push(answer.headers.get('x-trellis-collection-id') ?? '');
    }
    assert.ok(
      ids.every((id) => /^[0-9a-f-]{36}$/.test(id)),
      JSON.stringify(ids),
    );

    for (const collection of ['model_inputs', 'model_outputs']) {
      const asset = await trellis.client.get('default', 'data', `iris-endpoint-collector-${collection}`, '1');
      assert.equal(asset.spec.type, 'uri_folder');
      assert.equal(asset.spec.path, `azureml://datastores/workspaceartifactstore/paths/collected/iris-endpoint/collector/${collection}/`);
    }
    const root = join(trellis.home, 'artifacts', 'workspaces', 'default', 'objects', 'collected', 'iris-endpoint', 'collector');
    // Written in the background, about a second after the requests.
    const { inputs, outputs } = await waitFor(
      async () => ({ inputs: await linesUnder(join(root, 'model_inputs')), outputs: await linesUnder(join(root, 'model_outputs')) }),
      {
        what: 'five collected inputs and outputs',
        until: (seen) => seen.inputs.length >= 5 && seen.outputs.length >= 5,
        describe: (seen) => `${seen.inputs.length} inputs and ${seen.outputs.length} outputs`,
        timeoutMs: 10_000,
        intervalMs: 200,
      },
    );
    assert.deepEqual(inputs.map((line) => line.requestId).sort(), [...ids].sort());
    assert.deepEqual(outputs.map((line) => line.requestId).sort(), [...ids].sort());
    const first = inputs.find((line) => line.requestId === ids[0])!;
    assert.deepEqual(first.data, { data: [[5.1, 3.5, 1.4, 0]] });
    assert.equal(first.deployment, 'collector');
    const answered = outputs.find((line) => line.requestId === ids[0])!;
    assert.equal(answered.status, 200);
    assert.ok(Array.isArray((answered.data as { label?: unknown }).label ?? answered.data), JSON.stringify(answered.data));
  });
});
