import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { V1Deployment } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { ApiError } from '../src/client/api-error.js';
import { FakeApiServer } from './support/fake-kubernetes-api.js';
import { cliJson, endpointFixtures, waitForDeployment } from './support/endpoints.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * An online endpoint on a `type: kubernetes` compute, end to end: a real `trellis up` (SQLite)
 * whose compute's kubeconfig points at a fake API server over HTTP (support/fake-kubernetes-api.ts,
 * which refuses objects the official v1.30 schemas reject). The deployment's instances become a
 * Deployment, a Service and a Secret; the test plays the kubelet by writing readyReplicas into the
 * Deployment's status. No pod runs, so nothing is scored here (see docs/kubernetes-backend.md).
 */

const scoreScript = `
def init():
    pass

def run(raw_data):
    return raw_data
`;

describe('online endpoints on a Kubernetes compute (fake API server)', () => {
  const api = new FakeApiServer();
  let trellis: TrellisProcess;
  let scratch: string;

  before(async () => {
    const server = await api.start();
    scratch = await mkdtemp(join(tmpdir(), 'trellis-endpoints-kubernetes-'));
    trellis = await startTrellis();
    const kubeconfig = stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'trellis', user: { token: 'fake-token' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'trellis', namespace: 'ml-serving' } }],
      'current-context': 'fake',
    });
    const k8s = stringify({ name: 'k8s', type: 'kubernetes', namespace: 'ml-serving', properties: { kubeconfig } });
    await trellis.client.apply('default', { fileName: 'k8s.yml', text: k8s, kind: 'compute' });
    const cpu = stringify({ name: 'cpu', type: 'amlcompute', size: 'Standard_DS3_v2', min_instances: 0, max_instances: 1 });
    await trellis.client.apply('default', { fileName: 'cpu.yml', text: cpu, kind: 'compute' });
    await mkdir(join(scratch, 'code'), { recursive: true });
    await writeFile(join(scratch, 'code', 'score.py'), scoreScript);
    await writeFile(
      join(scratch, 'endpoint.yml'),
      stringify({
        $schema: 'https://azuremlschemas.azureedge.net/latest/kubernetesOnlineEndpoint.schema.json',
        name: 'churn',
        compute: 'azureml:k8s',
        auth_mode: 'key',
      }),
    );
    await writeFile(
      join(scratch, 'blue.yml'),
      stringify({
        $schema: 'https://azuremlschemas.azureedge.net/latest/kubernetesOnlineDeployment.schema.json',
        name: 'blue',
        endpoint_name: 'churn',
        model: { path: join(endpointFixtures, 'models', 'iris-onnx-v1') },
        code_configuration: { code: join(scratch, 'code'), scoring_script: 'score.py' },
        environment: { image: 'registry.example/scoring:1' },
        instance_type: 'Standard_DS3_v2',
        instance_count: 1,
        // A Kubernetes deployment scales by target_utilization unless it says otherwise (as on Azure ML).
        scale_settings: { type: 'default' },
      }),
    );
  });

  after(async () => {
    await trellis?.stop();
    await api.close();
    if (trellis) await removeHome(trellis.home);
    await rm(scratch, { recursive: true, force: true });
  });

  const endpointFile = (compute: string) => ({
    fileName: 'endpoint.yml',
    text: stringify({ name: `on-${compute}`, compute: `azureml:${compute}` }),
  });

  it('refuses an endpoint whose compute does not exist or is not type kubernetes, naming compute and the fix', async () => {
    for (const [compute, expected] of [
      ['nope', /compute: compute 'nope' does not exist in workspace 'default': attach the Kubernetes compute first/],
      ['cpu', /compute: compute 'cpu' is of type amlcompute; an online endpoint's compute must be of type kubernetes/],
    ] as const) {
      await assert.rejects(trellis.client.applyOnlineEndpoint('default', endpointFile(compute)), (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.status, 422);
        assert.match(error.message, expected);
        return true;
      });
    }
    assert.deepEqual(
      (await trellis.client.listOnlineEndpoints('default')).items.map((endpoint) => endpoint.name),
      [],
    );
  });

  it('creates the Deployment, Service and Secret, is ready when Kubernetes says so, scales, and deletes them', async () => {
    const endpoint = await cliJson<{ compute: string | null }>(trellis.url, [
      'online-endpoint',
      'create',
      '--file',
      join(scratch, 'endpoint.yml'),
    ]);
    assert.equal(endpoint.compute, 'k8s');
    assert.equal((await trellis.client.getOnlineEndpoint('default', 'churn')).compute, 'k8s');
    // The compute is fixed once created.
    await assert.rejects(
      trellis.client.applyOnlineEndpoint('default', { fileName: 'e.yml', text: stringify({ name: 'churn', compute: 'azureml:cpu' }) }),
      /compute: endpoint 'churn' is on compute 'k8s'; an endpoint's compute cannot change/,
    );

    await cliJson(trellis.url, ['online-deployment', 'create', '--file', join(scratch, 'blue.yml'), '--all-traffic', '--no-wait']);
    const first = await waitFor(async () => [...api.deployments.values()], {
      what: 'a Deployment, a Service and a Secret in the fake API server',
      until: (deployments) => deployments.length === 1 && api.services.size === 1 && api.secrets.size === 1,
      timeoutMs: 60_000,
      describe: () => `requests: ${api.requests.map((request) => `${request.method} ${request.path}`).join(', ')}\n${trellis.output()}`,
    });
    const object = first[0]!;
    const name = object.metadata.name;
    assert.deepEqual(api.schemaErrors, []);
    assert.match(name, /^churn-blue-/);
    assert.ok(api.services.has(name), 'no Service');
    assert.ok(api.secrets.has(`${name}-credentials`), 'no Secret');
    // The fake keeps the API server's JSON, which the schema check above accepted as an apps/v1 Deployment.
    const deployment = object as V1Deployment;
    assert.equal(deployment.spec?.replicas, 1);
    const pod = deployment.spec?.template.spec;
    const container = pod?.containers[0];
    assert.equal(container?.image, 'registry.example/scoring:1');
    assert.deepEqual(container?.command?.slice(0, 1), ['azmlinfsrv']);
    const env = new Map((container?.env ?? []).map((variable) => [variable.name, variable]));
    assert.equal(env.get('MLFLOW_TRACKING_URI')?.value, trellis.url);
    assert.match(env.get('AZUREML_MODEL_DIR')?.value ?? '', /^\/var\/azureml-app\/azureml-models\//);
    assert.ok(env.get('TRELLIS_TOKEN')?.valueFrom?.secretKeyRef, 'the token is read from the Secret');
    const bundleUrl = pod?.initContainers?.[0]?.env?.find((variable) => variable.name === 'TRELLIS_BUNDLE_URL')?.value ?? '';
    assert.ok(
      bundleUrl.startsWith(`${trellis.url}/api/v1/workspaces/default/online-endpoints/churn/deployments/blue/versions/`),
      bundleUrl,
    );
    // The bundle route serves the prepared version to the pods with that token.
    const bundle = await fetch(bundleUrl);
    assert.equal(bundle.status, 200);
    assert.ok((await bundle.arrayBuffer()).byteLength > 0);

    // Not ready until Kubernetes reports a ready replica.
    const creating = await trellis.client.getOnlineDeployment('default', 'churn', 'blue');
    assert.notEqual(creating.state, 'Succeeded');
    object.status = { replicas: 1, readyReplicas: 1, availableReplicas: 1 };
    const ready = await waitForDeployment(trellis.client, 'churn', 'blue', (body) => body.state === 'Succeeded' || body.state === 'Failed');
    assert.equal(ready.state, 'Succeeded', ready.reason ?? '');

    // Scaling: a new instance_count is a new version of the deployment (as locally), so a Deployment of its own with 3
    // replicas; the old one serves until the new one is ready, then is deleted. (The autoscaler's scaleTo of one version
    // writes the scale subresource: src/controllers/serving/kubernetes-instances.test.ts.)
    await trellis.client.updateOnlineDeploymentFields('default', 'churn', 'blue', { set: ['instance_count=3'] });
    const scaled = await waitFor(async () => [...api.deployments.values()].find((stored) => stored.spec?.replicas === 3), {
      what: 'a Deployment with 3 replicas',
      timeoutMs: 30_000,
      describe: () => `replicas: ${JSON.stringify([...api.deployments.values()].map((stored) => stored.spec?.replicas))}`,
    });
    assert.ok(scaled);
    assert.notEqual(scaled.metadata.name, name);
    assert.ok(api.deployments.has(name), 'the old version serves until the new one is ready');
    scaled.status = { replicas: 3, readyReplicas: 3, availableReplicas: 3 };
    await waitFor(async () => [...api.deployments.keys()], {
      what: "the old version's Deployment, Service and Secret to be deleted once the new one is ready",
      until: (names) => names.length === 1 && names[0] === scaled.metadata.name && api.services.size === 1 && api.secrets.size === 1,
      timeoutMs: 30_000,
    });
    const rescaled = await waitForDeployment(
      trellis.client,
      'churn',
      'blue',
      (body) => body.state === 'Succeeded' && body.readyInstances === 3,
    );
    assert.equal(rescaled.instanceCount, 3);
    assert.deepEqual(api.schemaErrors, []);

    // Deleting the endpoint (its deployment with it) deletes the objects.
    await trellis.client.deleteOnlineEndpoint('default', 'churn');
    await waitFor(async () => ({ deployments: api.deployments.size, services: api.services.size, secrets: api.secrets.size }), {
      what: 'the Deployment, Service and Secret to be deleted',
      until: (left) => left.deployments + left.services + left.secrets === 0,
      timeoutMs: 30_000,
      describe: (left) => JSON.stringify(left),
    });
    assert.ok(api.requests.some((request) => request.method === 'DELETE' && request.path.endsWith(`/deployments/${name}`)));
  });
});
