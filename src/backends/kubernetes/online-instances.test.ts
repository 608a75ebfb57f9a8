import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeApiServer } from '../../../test/support/fake-kubernetes-api.js';
import { isTrellisError } from '../../core/errors.js';
import { instanceSetReadiness } from './instance-set-status.js';
import { renderOnlineManifests, type OnlineManifestInput } from './online-deployment-manifest.js';
import { createKubernetesInstances, type KubernetesInstances } from './online-instances.js';

const probe = { initial_delay: 10, period: 10, timeout: 2, success_threshold: 1, failure_threshold: 30 };
const input: OnlineManifestInput = {
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
  replicas: 2,
  env: { TRELLIS_TOKEN: 'token-1' },
  modelFolder: 'azureml-models/churn/3',
  codeFolder: 'code',
  delivery: { kind: 'bundle', url: 'http://trellis.internal:5050/bundle.tar?token=abc', transferImage: 'curlimages/curl:8.11.1' },
};

describe('createKubernetesInstances against a fake API server', () => {
  const api = new FakeApiServer();
  let instances: KubernetesInstances;
  const manifests = renderOnlineManifests(input);
  const { name } = manifests;

  before(async () => {
    const server = await api.start();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser({ name: 'fake', server, skipTLSVerify: true }, { name: 'tester' });
    instances = createKubernetesInstances({ kubeConfig, namespace: 'ml-serving' });
  });
  after(() => api.close());
  beforeEach(() => {
    api.requests = [];
    api.deployments.clear();
    api.services.clear();
    api.secrets.clear();
    api.schemaErrors = [];
  });

  it('creates the Deployment, then the Service and the Secret owned by it, all schema-valid', async () => {
    await instances.apply(manifests);
    assert.deepEqual(
      api.requests.map((request) => `${request.method} ${request.path}`),
      [
        'POST /apis/apps/v1/namespaces/ml-serving/deployments',
        'POST /api/v1/namespaces/ml-serving/services',
        'POST /api/v1/namespaces/ml-serving/secrets',
      ],
    );
    assert.deepEqual(api.schemaErrors, []);
    assert.deepEqual(api.requests[0]?.body, JSON.parse(JSON.stringify(manifests.deployment)));
    const owner = [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: `uid-${name}` }];
    assert.deepEqual(api.services.get(name)?.metadata.ownerReferences, owner);
    assert.deepEqual(api.secrets.get(`${name}-credentials`)?.metadata.ownerReferences, owner);
    assert.equal(api.deployments.get(name)?.spec?.replicas, 2);
  });

  it('adopts what a previous run made: replaces the Deployment and the Secret, keeps the Service', async () => {
    await instances.apply(manifests);
    api.requests = [];
    await instances.apply(renderOnlineManifests({ ...input, env: { TRELLIS_TOKEN: 'token-2' } }));
    assert.deepEqual(
      api.requests.map((request) => `${request.method} ${request.path}`),
      [
        'POST /apis/apps/v1/namespaces/ml-serving/deployments',
        `PUT /apis/apps/v1/namespaces/ml-serving/deployments/${name}`,
        'POST /api/v1/namespaces/ml-serving/services',
        'POST /api/v1/namespaces/ml-serving/secrets',
        `PUT /api/v1/namespaces/ml-serving/secrets/${name}-credentials`,
      ],
    );
    assert.deepEqual(api.schemaErrors, []);
    assert.deepEqual(api.secrets.get(`${name}-credentials`)?.stringData, { TRELLIS_TOKEN: 'token-2' });
  });

  it('scales through the scale subresource, reads readiness from the status, and deletes', async () => {
    await instances.apply(manifests);
    assert.deepEqual(await instances.readiness(name), {
      desired: 2,
      ready: 0,
      exists: true,
      reason: '0 of 2 instance(s) ready in Kubernetes',
      isFailed: false,
    });
    api.deployments.get(name)!.status = { replicas: 2, readyReplicas: 2, availableReplicas: 2 };
    assert.deepEqual(await instances.readiness(name), { desired: 2, ready: 2, exists: true, reason: undefined, isFailed: false });

    api.requests = [];
    await instances.scale(name, 5);
    assert.equal(api.requests[0]?.method, 'PUT');
    assert.equal(api.requests[0]?.path, `/apis/apps/v1/namespaces/ml-serving/deployments/${name}/scale`);
    assert.deepEqual(api.requests[0]?.body, {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name, namespace: 'ml-serving' },
      spec: { replicas: 5 },
    });
    assert.equal(api.deployments.get(name)?.spec?.replicas, 5);
    assert.equal((await instances.readiness(name)).reason, '2 of 5 instance(s) ready in Kubernetes');

    api.requests = [];
    await instances.remove(name, 30);
    assert.equal(api.requests[0]?.method, 'DELETE');
    assert.equal(api.requests[0]?.path, `/apis/apps/v1/namespaces/ml-serving/deployments/${name}`);
    assert.equal(api.requests[0]?.query.get('propagationPolicy'), 'Background');
    assert.equal(api.requests[0]?.query.get('gracePeriodSeconds'), '30');
    assert.equal(api.deployments.size, 0);
    assert.equal(api.services.size, 0);
    assert.equal(api.secrets.size, 0);
    // Gone: readiness says so, and a second delete is no error.
    assert.deepEqual(await instances.readiness(name), {
      desired: 0,
      ready: 0,
      exists: false,
      reason: 'its Kubernetes Deployment is gone',
      isFailed: true,
    });
    await instances.remove(name, 30);
  });

  it('turns a 403 into an error that names the objects and the rights to check', async () => {
    api.failNextWith = { code: 403, message: 'deployments.apps is forbidden: User "tester" cannot create' };
    await assert.rejects(
      instances.apply(manifests),
      (error: unknown) =>
        isTrellisError(error) &&
        error.code === 'ComputeBackendError' &&
        error.message.includes(`create Deployment ml-serving/${name}`) &&
        error.message.includes('answered 403 (deployments.apps is forbidden') &&
        error.message.includes('deployments/scale'),
    );
  });

  it('says the API server is unreachable when it is', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser({ name: 'gone', server: 'http://127.0.0.1:1', skipTLSVerify: true }, { name: 'tester' });
    const unreachable = createKubernetesInstances({ kubeConfig, namespace: 'ml-serving' });
    await assert.rejects(unreachable.readiness(name), (error: unknown) => isTrellisError(error) && error.code === 'ComputeUnreachable');
  });
});

describe('instanceSetReadiness', () => {
  it('reports a rollout Kubernetes gave up on, with its reason', () => {
    const readiness = instanceSetReadiness({
      spec: { replicas: 1, selector: {}, template: {} },
      status: {
        readyReplicas: 0,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "x" has timed out progressing.',
          },
        ],
      },
    });
    assert.equal(readiness.isFailed, true);
    assert.equal(readiness.reason, 'ProgressDeadlineExceeded: ReplicaSet "x" has timed out progressing.');
    const quota = instanceSetReadiness({
      spec: { replicas: 2, selector: {}, template: {} },
      status: {
        readyReplicas: 1,
        conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'exceeded quota' }],
      },
    });
    assert.equal(quota.isFailed, false);
    assert.equal(quota.reason, 'FailedCreate: exceeded quota');
  });
});
