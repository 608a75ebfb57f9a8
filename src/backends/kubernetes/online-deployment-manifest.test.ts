import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubernetesSchemaErrors } from '../../../test/fixtures/kubernetes-schemas/validate-manifest.js';
import { findSku } from '../../core/compute/sku-catalogue.js';
import { isTrellisError } from '../../core/errors.js';
import { onlineObjectName } from './object-name.js';
import {
  appDir,
  defaultInstanceResources,
  instanceSetLabel,
  renderOnlineManifests,
  scoringPort,
  serviceUrl,
  type OnlineManifestInput,
} from './online-deployment-manifest.js';

const probe = { initial_delay: 10, period: 10, timeout: 2, success_threshold: 1, failure_threshold: 30 };

function onlineInput(overrides: Partial<OnlineManifestInput> = {}): OnlineManifestInput {
  return {
    workspace: 'dev',
    endpoint: 'churn',
    deployment: 'blue',
    version: 'etag-1',
    namespace: 'ml-serving',
    spec: {
      instance_type: 'Standard_DS3_v2',
      liveness_probe: probe,
      readiness_probe: { ...probe, initial_delay: 5, failure_threshold: 3 },
      code_configuration: { code: './src', scoring_script: 'score.py' },
    },
    replicas: 2,
    env: { MODEL_FLAVOR: 'sklearn', TRELLIS_TOKEN: 'secret-token', MLFLOW_TRACKING_TOKEN: 'secret-token' },
    modelFolder: 'azureml-models/churn/3',
    codeFolder: 'code',
    delivery: { kind: 'bundle', url: 'http://trellis.internal:5050/bundle.tar?token=abc', transferImage: 'curlimages/curl:8.11.1' },
    ...overrides,
  };
}

describe('renderOnlineManifests', () => {
  it('renders a Deployment and a Service that the official v1.30 schemas accept', () => {
    const { name, deployment, service, secret } = renderOnlineManifests(onlineInput());
    assert.deepEqual(kubernetesSchemaErrors('Deployment', deployment), []);
    assert.deepEqual(kubernetesSchemaErrors('Service', service), []);
    assert.ok(secret);
    assert.deepEqual(kubernetesSchemaErrors('Secret', secret), []);
    assert.equal(name, onlineObjectName('dev', 'churn', 'blue', 'etag-1'));
    assert.match(name, /^churn-blue-[0-9a-f]{6}-[0-9a-f]{6}$/);
    assert.equal(deployment.metadata?.namespace, 'ml-serving');
    assert.equal(deployment.spec?.replicas, 2);
    assert.deepEqual(deployment.spec?.selector.matchLabels, { [instanceSetLabel]: name });
    assert.equal(deployment.spec?.template.metadata?.labels?.[instanceSetLabel], name);
    assert.deepEqual(service.spec?.selector, { [instanceSetLabel]: name });
    assert.deepEqual(service.spec?.ports, [{ name: 'http', port: scoringPort, targetPort: 'http', protocol: 'TCP' }]);
    assert.equal(serviceUrl(name, 'ml-serving'), `http://${name}.ml-serving.svc.cluster.local:${scoringPort}`);
  });

  it('maps the probes to httpGet on the health route, and sizes instances from instance_type', () => {
    const { deployment } = renderOnlineManifests(onlineInput());
    const pod = deployment.spec!.template.spec!;
    const [container] = pod.containers;
    assert.ok(container);
    assert.deepEqual(container.livenessProbe, {
      httpGet: { path: '/', port: 'http' },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 2,
      successThreshold: 1,
      failureThreshold: 30,
    });
    assert.equal(container.readinessProbe?.initialDelaySeconds, 5);
    assert.equal(container.readinessProbe?.failureThreshold, 3);
    // Standard_DS3_v2: 4 vCPUs, 14 GiB; requests leave room for the kubelet, as for jobs.
    assert.deepEqual(container.resources, { requests: { cpu: '3500m', memory: '10752Mi' }, limits: { cpu: '4', memory: '10752Mi' } });
    assert.deepEqual(pod.nodeSelector, { 'node.kubernetes.io/instance-type': 'Standard_DS3_v2' });
    assert.deepEqual(container.command, [
      'azmlinfsrv',
      '--entry_script',
      `${appDir}/code/score.py`,
      '--model_dir',
      `${appDir}/azureml-models/churn/3`,
      '--port',
      String(scoringPort),
    ]);
  });

  it('keeps the token out of the Deployment: the container reads it from the Secret', () => {
    const { name, deployment, secret } = renderOnlineManifests(onlineInput());
    assert.ok(!JSON.stringify(deployment).includes('secret-token'));
    assert.deepEqual(secret?.stringData, { TRELLIS_TOKEN: 'secret-token', MLFLOW_TRACKING_TOKEN: 'secret-token' });
    const env = deployment.spec!.template.spec!.containers[0]!.env!;
    assert.deepEqual(
      env.find((variable) => variable.name === 'TRELLIS_TOKEN'),
      { name: 'TRELLIS_TOKEN', valueFrom: { secretKeyRef: { name: `${name}-credentials`, key: 'TRELLIS_TOKEN' } } },
    );
    assert.equal(env.find((variable) => variable.name === 'AZUREML_MODEL_DIR')?.value, `${appDir}/azureml-models/churn/3`);
    assert.equal(env.find((variable) => variable.name === 'MODEL_FLAVOR')?.value, 'sklearn');
    assert.equal(renderOnlineManifests(onlineInput({ env: {} })).secret, undefined);
  });

  it('fetches the bundle in an init container, or mounts a claim that holds model and code', () => {
    const bundled = renderOnlineManifests(onlineInput()).deployment.spec!.template.spec!;
    assert.equal(bundled.initContainers?.[0]?.name, 'fetch-bundle');
    assert.deepEqual(bundled.initContainers?.[0]?.env, [
      { name: 'TRELLIS_BUNDLE_URL', value: 'http://trellis.internal:5050/bundle.tar?token=abc' },
    ]);
    assert.deepEqual(bundled.volumes, [{ name: 'app', emptyDir: {} }]);

    const { deployment } = renderOnlineManifests(onlineInput({ delivery: { kind: 'volume', claimName: 'models', subPath: 'churn/3' } }));
    assert.deepEqual(kubernetesSchemaErrors('Deployment', deployment), []);
    const pod = deployment.spec!.template.spec!;
    assert.equal(pod.initContainers, undefined);
    assert.deepEqual(pod.volumes, [{ name: 'app', persistentVolumeClaim: { claimName: 'models', readOnly: true } }]);
    assert.deepEqual(pod.containers[0]?.volumeMounts, [{ name: 'app', mountPath: appDir, subPath: 'churn/3' }]);
  });

  it('takes resources as given (gpu as nvidia.com/gpu), else the compute size, else Azure ML defaultinstancetype', () => {
    const given = renderOnlineManifests(
      onlineInput({
        spec: {
          ...onlineInput().spec,
          instance_type: undefined,
          resources: { requests: { cpu: '0.5', memory: '1Gi' }, limits: { gpu: '1' } },
        },
      }),
    ).deployment;
    assert.deepEqual(kubernetesSchemaErrors('Deployment', given), []);
    const pod = given.spec!.template.spec!;
    assert.deepEqual(pod.containers[0]?.resources, { requests: { cpu: '0.5', memory: '1Gi' }, limits: { 'nvidia.com/gpu': '1' } });
    assert.deepEqual(pod.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    assert.equal(pod.nodeSelector, undefined);

    const bySize = renderOnlineManifests(
      onlineInput({
        spec: { ...onlineInput().spec, instance_type: undefined },
        computeSize: findSku('Standard_NC6s_v3'),
        isLowPriority: true,
      }),
    ).deployment;
    assert.deepEqual(kubernetesSchemaErrors('Deployment', bySize), []);
    assert.equal(bySize.spec!.template.spec!.containers[0]?.resources?.limits?.['nvidia.com/gpu'], '1');
    assert.ok(bySize.spec!.template.spec!.affinity?.nodeAffinity);

    const plain = renderOnlineManifests(onlineInput({ spec: { ...onlineInput().spec, instance_type: undefined } })).deployment;
    assert.deepEqual(plain.spec!.template.spec!.containers[0]?.resources, defaultInstanceResources);
  });

  it('refuses an unknown instance_type, a deployment without a scoring script, and a negative count', () => {
    const refused = (overrides: Partial<OnlineManifestInput>, pattern: RegExp) =>
      assert.throws(
        () => renderOnlineManifests(onlineInput(overrides)),
        (error: unknown) => isTrellisError(error) && pattern.test(error.message),
      );
    refused(
      { spec: { ...onlineInput().spec, instance_type: 'Standard_DS3_v3' } },
      /instance_type: size 'Standard_DS3_v3' is not a VM size/,
    );
    refused({ spec: { ...onlineInput().spec, code_configuration: undefined } }, /no code_configuration.scoring_script/);
    refused({ replicas: -1 }, /0 or more/);
  });

  it('gives each version its own objects, and a name Kubernetes accepts for long names', () => {
    const one = renderOnlineManifests(onlineInput()).name;
    const two = renderOnlineManifests(onlineInput({ version: 'etag-2' })).name;
    assert.notEqual(one, two);
    const long = renderOnlineManifests(onlineInput({ endpoint: `E${'x'.repeat(40)}`, deployment: '9_Blue.Green' }));
    assert.ok(long.name.length <= 52);
    assert.match(long.name, /^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    assert.deepEqual(kubernetesSchemaErrors('Deployment', long.deployment), []);
    assert.deepEqual(kubernetesSchemaErrors('Service', long.service), []);
  });

  it('fails validation when a field is misspelt, so a passing check means something', () => {
    const { deployment } = renderOnlineManifests(onlineInput());
    const { replicas, ...rest } = structuredClone(deployment.spec)!;
    assert.deepEqual(kubernetesSchemaErrors('Deployment', { ...deployment, spec: { ...rest, replica: replicas } }), [
      '/spec must NOT have additional properties: replica',
    ]);
    const pod = structuredClone(deployment.spec!.template.spec!);
    const container = pod.containers[0]!;
    const badProbe = { ...container, readinessProbe: { ...container.readinessProbe, httpGet: { path: '/', port: 'http', host: 1 } } };
    assert.ok(
      kubernetesSchemaErrors('Deployment', {
        ...deployment,
        spec: { ...deployment.spec, template: { ...deployment.spec!.template, spec: { ...pod, containers: [badProbe] } } },
      }).length > 0,
    );
  });
});
