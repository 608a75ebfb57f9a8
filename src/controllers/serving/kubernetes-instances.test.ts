import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeApiServer } from '../../../test/support/fake-kubernetes-api.js';
import { kubernetesSchemaErrors } from '../../../test/fixtures/kubernetes-schemas/validate-manifest.js';
import { isTrellisError } from '../../core/errors.js';
import { kubernetesInstanceSet } from '../../backends/kubernetes/online-instance-set.js';
import { createKubernetesInstances } from '../../backends/kubernetes/online-instances.js';
import { ClusterPool } from '../../serving/cluster-pool.js';
import { DeploymentPool, type DeploymentPoolOptions } from '../../serving/deployment-pool.js';
import { clusterInstances, localInstances } from '../../serving/instance-backend.js';
import type { InstanceSpec } from '../../serving/scoring-instance.js';

/**
 * The instance backend seam end to end without a cluster: a pool from `clusterInstances` over
 * the Kubernetes instance set drives a fake API server over HTTP (every object checked against
 * the official schemas), and sends scoring calls to a small HTTP server that plays the
 * version's Service (azmlinfsrv's /score). The local backend still makes worker-process pools.
 */

const probe = { initial_delay: 10, period: 10, timeout: 2, success_threshold: 1, failure_threshold: 30 };

function poolOptions(instanceCount: number): DeploymentPoolOptions {
  return {
    name: 'churn/blue',
    // A cluster pool starts no process: the spec of a slot is never asked for.
    instanceSpec: (): InstanceSpec => assert.fail('a cluster pool asks for no instance spec'),
    settings: { instanceCount, maxConcurrentRequestsPerInstance: 1, requestTimeoutMs: 2_000 },
  };
}

describe('online instances on a kubernetes compute, through the instance backend seam', () => {
  const api = new FakeApiServer();
  const scored: Array<{ method: string; url: string; body: string; contentType: string | undefined }> = [];
  let service: Server;
  let serviceAddress = '';
  let kubeConfig: KubeConfig;

  before(async () => {
    const server = await api.start();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser({ name: 'fake', server, skipTLSVerify: true }, { name: 'tester' });
    service = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        scored.push({ method: request.method ?? '', url: request.url ?? '', body, contentType: request.headers['content-type'] });
        response.writeHead(200, { 'content-type': 'application/json', 'x-ms-request-id': 'r-1' });
        response.end(JSON.stringify({ echoed: body }));
      });
    });
    service.listen(0, '127.0.0.1');
    await once(service, 'listening');
    const address = service.address();
    assert.ok(address && typeof address === 'object');
    serviceAddress = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    await api.close();
    service.close();
  });

  it('creates, routes to the Service once ready, scales and deletes', async () => {
    const instances = createKubernetesInstances({ kubeConfig, namespace: 'ml-serving' });
    const set = kubernetesInstanceSet(
      instances,
      {
        workspace: 'dev',
        endpoint: 'churn',
        deployment: 'blue',
        version: 'etag-1',
        namespace: 'ml-serving',
        spec: {
          instance_type: 'Standard_DS3_v2',
          liveness_probe: probe,
          readiness_probe: probe,
          code_configuration: { code: './src', scoring_script: 'score.py' },
        },
        env: { TRELLIS_TOKEN: 'token-1' },
        modelFolder: 'azureml-models/churn/3',
        codeFolder: 'code',
        delivery: { kind: 'bundle', url: 'http://trellis.internal:5050/bundle.tar?token=abc', transferImage: 'curlimages/curl:8.11.1' },
      },
      () => serviceAddress,
    );
    const name = set.id.split('/')[1]!;
    const pool = clusterInstances(set).createPool(poolOptions(2));
    assert.ok(pool instanceof ClusterPool);

    pool.start();
    await pool.refresh();
    const deployment = api.deployments.get(name);
    assert.ok(deployment, 'the Deployment was created');
    assert.deepEqual(kubernetesSchemaErrors('Deployment', deployment), []);
    assert.deepEqual(api.schemaErrors, []);
    assert.equal(deployment.spec?.replicas, 2);
    assert.ok(api.services.has(name));

    // Not ready yet: no call goes out, and the status says why.
    assert.equal(pool.status().state, 'starting');
    assert.equal(pool.status().reason, '0 of 2 instance(s) ready in Kubernetes');
    await assert.rejects(
      pool.call({ protocol: 'score', body: Buffer.from('{}'), contentType: 'application/json' }),
      (error: unknown) => isTrellisError(error) && error.code === 'DeploymentNotReady',
    );

    deployment.status = { replicas: 2, readyReplicas: 1 };
    await pool.refresh();
    assert.equal(pool.status().state, 'degraded');
    assert.equal(pool.readyInstances().length, 1);
    deployment.status = { replicas: 2, readyReplicas: 2 };
    await pool.refresh();
    assert.equal(pool.status().state, 'ready');

    const answer = await pool.call({ protocol: 'score', body: Buffer.from('{"data":[1]}'), contentType: 'application/json', query: 'v=1' });
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body.toString('utf8')), { echoed: '{"data":[1]}' });
    assert.equal(answer.headers?.['x-ms-request-id'], 'r-1');
    assert.deepEqual(scored.at(-1), { method: 'POST', url: '/score?v=1', body: '{"data":[1]}', contentType: 'application/json' });
    await pool.call({ protocol: 'swagger', query: 'version=3' });
    assert.equal(scored.at(-1)?.url, '/swagger.json?version=3');

    api.requests = [];
    await pool.scaleTo(3);
    assert.equal(api.requests.at(-1)?.path, `/apis/apps/v1/namespaces/ml-serving/deployments/${name}/scale`);
    assert.equal(deployment.spec?.replicas, 3);
    await pool.refresh();
    assert.equal(pool.status().desiredInstances, 3);
    assert.equal(pool.status().state, 'degraded');

    api.requests = [];
    await pool.drain(1_000);
    assert.equal(api.requests.at(-1)?.method, 'DELETE');
    assert.equal(api.deployments.has(name), false);
    assert.equal(api.services.has(name), false);
    assert.equal(pool.status().state, 'stopped');
    await assert.rejects(
      pool.call({ protocol: 'score', body: Buffer.from('{}'), contentType: 'application/json' }),
      (error: unknown) => isTrellisError(error) && error.code === 'DeploymentNotReady',
    );
  });

  it('reports a cluster that refuses the objects as failed, with the reason', async () => {
    const instances = createKubernetesInstances({ kubeConfig, namespace: 'ml-serving' });
    const set = kubernetesInstanceSet(instances, {
      workspace: 'dev',
      endpoint: 'churn',
      deployment: 'green',
      version: 'etag-1',
      namespace: 'ml-serving',
      spec: { liveness_probe: probe, readiness_probe: probe, code_configuration: { code: './src', scoring_script: 'score.py' } },
      env: {},
      modelFolder: 'm',
      codeFolder: 'code',
      delivery: { kind: 'volume', claimName: 'models' },
    });
    const pool = clusterInstances(set).createPool(poolOptions(1));
    assert.ok(pool instanceof ClusterPool);
    api.failNextWith = { code: 403, message: 'deployments.apps is forbidden' };
    pool.start();
    await pool.refresh();
    // The first apply was refused; the refresh applied again and it went through.
    assert.ok(api.deployments.has(set.id.split('/')[1]!));
    await pool.drain(0);

    const refused = clusterInstances({
      ...set,
      apply: () => Promise.reject(new Error('could not create Deployment: the Kubernetes API answered 403 (forbidden)')),
    }).createPool(poolOptions(1));
    refused.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(refused.status().state, 'failed');
    assert.match(refused.status().reason ?? '', /answered 403/);
    await refused.drain(0);
  });

  it('keeps the local backend: a pool of worker processes, as before', () => {
    assert.ok(localInstances.createPool(poolOptions(1)) instanceof DeploymentPool);
  });
});
