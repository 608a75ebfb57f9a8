import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { FakeApiServer } from '../../../test/support/fake-kubernetes-api.js';
import type { Resource } from '../../core/resources/resource.js';
import { deploymentBundleToken } from './deployment-bundle-token.js';
import { onlineInstanceSetFor } from './online-compute.js';

const secret = Buffer.alloc(32, 7);
const probe = { initial_delay: 10, period: 10, timeout: 2, success_threshold: 1, failure_threshold: 30 };

function compute(spec: Record<string, unknown>): Resource {
  return {
    workspace: 'dev',
    kind: 'compute',
    name: 'aks',
    version: null,
    spec: { type: 'kubernetes', namespace: 'ml-serving', properties: {}, ...spec },
    status: {},
    tags: {},
    description: null,
    createdBy: 'test',
    createdAt: '',
    updatedAt: '',
    etag: '',
  };
}

describe('onlineInstanceSetFor a stored kubernetes compute', () => {
  const api = new FakeApiServer();
  let kubeConfig: KubeConfig;

  before(async () => {
    const server = await api.start();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser({ name: 'fake', server, skipTLSVerify: true }, { name: 'tester' });
  });
  after(() => api.close());

  it("applies the version in the compute's namespace, sized by its size, with a bundle URL signed for the version", async () => {
    const set = onlineInstanceSetFor(
      compute({ size: 'Standard_NC6s_v3', tier: 'low_priority', properties: { transfer_image: 'mirror.example/curl:8' } }),
      {
        workspace: 'dev',
        endpoint: 'churn',
        deployment: 'blue',
        version: 'etag-9',
        spec: { liveness_probe: probe, readiness_probe: probe, code_configuration: { code: './src', scoring_script: 'score.py' } },
        env: {},
        modelFolder: 'azureml-models/churn/3',
        codeFolder: 'code',
      },
      { publicUrl: 'http://trellis.internal:5050', secret, kubeConfigFor: () => kubeConfig },
    );
    assert.match(set.id, /^ml-serving\/churn-blue-/);
    assert.match(set.address, /^http:\/\/churn-blue-[0-9a-f-]+\.ml-serving\.svc\.cluster\.local:5001$/);
    await set.apply(1);
    assert.deepEqual(api.schemaErrors, []);
    const deployment = api.deployments.get(set.id.split('/')[1]!);
    assert.ok(deployment);
    const pod = JSON.stringify(deployment.spec);
    const token = deploymentBundleToken(secret, { workspace: 'dev', endpoint: 'churn', deployment: 'blue', version: 'etag-9' });
    assert.ok(
      pod.includes(
        `http://trellis.internal:5050/api/v1/workspaces/dev/online-endpoints/churn/deployments/blue/versions/etag-9/bundle.tar?token=${token}`,
      ),
    );
    assert.ok(pod.includes('mirror.example/curl:8'));
    assert.ok(pod.includes('"nvidia.com/gpu":"1"'));
    assert.ok(pod.includes('kubernetes.azure.com/scalesetpriority'));
    await set.remove(0);
    assert.equal(api.deployments.size, 0);
  });
});
