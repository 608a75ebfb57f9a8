import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixturesDir } from '../../test/fixtures/serving/helpers.js';
import { scoreGetRefused, swaggerRefused } from './own-worker-refusals.js';
import { startInstance } from './worker-instance.js';

describe("Trellis's own workers and the calls only azmlinfsrv takes", () => {
  const scratch = mkdtempSync(join(tmpdir(), 'trellis-refusals-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('say how to get GET /score and swagger.json served, by runtime', () => {
    const get = scoreGetRefused('python-script');
    assert.equal(get.status, 405);
    assert.equal(get.headers?.allow, 'POST');
    assert.match(JSON.parse(get.body.toString()).detail, /add azureml-inference-server-http to the environment/);
    const swagger = swaggerRefused('onnx');
    assert.equal(swagger.status, 404);
    assert.equal(swagger.contentType, 'application/problem+json');
    assert.match(JSON.parse(swagger.body.toString()).detail, /runtime onnx on Trellis's own worker/);
  });

  it('a worker answers them so, and goes on answering /score', async () => {
    const instance = startInstance({
      id: 'ep/refusals/0',
      runtime: 'onnx',
      modelDir: join(fixturesDir, 'iris-logreg.onnx'),
      env: {},
      logFile: join(scratch, 'instance.log'),
      logger: { warn: (_details, message) => void process.stderr.write(`${message}\n`) },
    });
    try {
      await instance.ready(60_000);
      const get = await instance.call(
        { protocol: 'score', method: 'GET', query: 'data=[[1,2,3,4]]', contentType: 'application/json', body: Buffer.alloc(0) },
        5_000,
      );
      assert.equal(get.status, 405);
      assert.equal((await instance.call({ protocol: 'swagger', query: '' }, 5_000)).status, 404);
      const post = await instance.call(
        { protocol: 'score', contentType: 'application/json', body: Buffer.from('{"data":[[5.1,3.5,1.4,0.2]]}') },
        5_000,
      );
      assert.equal(post.status, 200, post.body.toString());
    } finally {
      await instance.stop(2_000);
    }
  });
});
