import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Container, V1Job } from '@kubernetes/client-node';
import { kubernetesSchemaErrors } from '../../../test/fixtures/kubernetes-schemas/validate-manifest.js';
import { findSku } from '../../core/compute/sku-catalogue.js';
import { processLayout } from '../../core/jobs/process-layout.js';
import type { LaunchRequest } from '../compute-backend.js';
import { renderJobManifests, type ManifestInput } from './job-manifest.js';

const workDir = '/var/lib/trellis/attempts/dev/train-mnist/1';

function launchRequest(overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  return {
    workspace: 'dev',
    jobName: 'train-mnist',
    attempt: 1,
    command: `python train.py --data ${workDir}/inputs/data --out ${workDir}/outputs`,
    workDir,
    codeDir: `${workDir}/code`,
    logDir: `${workDir}/user_logs`,
    env: {
      PATH: '/opt/trellis/venv/bin:/usr/bin',
      HOME: '/root',
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000/',
      MLFLOW_TRACKING_SERVER_CERT_PATH: '/etc/trellis/ca.pem',
      TRELLIS_CA_FILE: '/etc/trellis/ca.pem',
      MLFLOW_RUN_ID: 'run-1',
      TRELLIS_CHECKPOINT_DIR: `${workDir}/checkpoints`,
    },
    processes: processLayout(undefined, { instanceCount: 1, hosts: ['localhost'], masterPort: 29500 }),
    instanceCount: 1,
    resources: { vcpus: 4, memoryGiB: 14, gpus: 0 },
    ...overrides,
  };
}

function render(overrides: Partial<ManifestInput> = {}, request: Partial<LaunchRequest> = {}) {
  return renderJobManifests({
    request: launchRequest(request),
    namespace: 'ml-jobs',
    sku: findSku('Standard_DS3_v2'),
    isLowPriority: false,
    bundleUrl: 'https://trellis.example.com/api/attempts/train-mnist/1/bundle.tar?token=abc',
    resultsUrl: 'https://trellis.example.com/api/attempts/train-mnist/1/results.tar?token=abc',
    trellisUrl: 'https://trellis.example.com',
    ...overrides,
  });
}

function assertSchemaValid(kind: 'Job' | 'Service' | 'Secret', object: unknown): void {
  assert.deepEqual(kubernetesSchemaErrors(kind, object), [], `${kind} does not match the Kubernetes v1.30 schema`);
}

function mainContainer(job: V1Job): V1Container {
  return job.spec!.template.spec!.containers[0]!;
}

function envOf(container: V1Container): Record<string, string | undefined> {
  return Object.fromEntries((container.env ?? []).map((variable) => [variable.name, variable.value]));
}

describe('renderJobManifests', () => {
  it('renders a single-node CPU job as one Job and no Service', () => {
    const { name, job, service } = render();
    assertSchemaValid('Job', job);
    assert.equal(service, undefined);
    assert.match(name, /^train-mnist-[0-9a-f]{6}-a1$/);
    assert.deepEqual([job.apiVersion, job.kind, job.metadata?.name, job.metadata?.namespace], ['batch/v1', 'Job', name, 'ml-jobs']);
    assert.deepEqual(job.metadata?.labels, {
      'trellis.dev/workspace': 'dev',
      'trellis.dev/job': 'train-mnist',
      'trellis.dev/attempt': '1',
    });
    const spec = job.spec!;
    assert.deepEqual(
      [spec.backoffLimit, spec.completions, spec.parallelism, spec.completionMode, spec.activeDeadlineSeconds],
      [0, 1, 1, undefined, undefined],
    );
    const pod = spec.template.spec!;
    assert.equal(pod.restartPolicy, 'Never');
    assert.deepEqual(pod.nodeSelector, { 'node.kubernetes.io/instance-type': 'Standard_DS3_v2' });
    assert.equal(pod.tolerations, undefined);
    assert.equal(pod.affinity, undefined);
    assert.equal(pod.terminationGracePeriodSeconds, 30);
    assert.deepEqual(
      pod.volumes?.find((volume) => volume.name === 'work'),
      { name: 'work', emptyDir: {} },
    );

    const main = mainContainer(job);
    assert.equal(main.image, 'python:3.11-slim');
    assert.deepEqual(main.command?.slice(0, 2), ['bash', '-c']);
    assert.equal(main.workingDir, '/trellis/work/code');
    assert.deepEqual(main.resources, { requests: { cpu: '3500m', memory: '10752Mi' }, limits: { cpu: '4', memory: '10752Mi' } });
    const env = envOf(main);
    assert.equal(env.TRELLIS_COMMAND, 'python train.py --data /trellis/work/inputs/data --out /trellis/work/outputs');
    assert.equal(env.TRELLIS_CHECKPOINT_DIR, '/trellis/work/checkpoints');
    assert.equal(env.TRELLIS_LOG_DIR, '/trellis/work/user_logs');
    assert.equal(env.MLFLOW_TRACKING_URI, 'https://trellis.example.com');
    assert.equal(env.NODE_RANK, '0');
    assert.equal(env.TRELLIS_STATE_DIR, '/trellis/work/.trellis');
    // The Trellis machine's PATH, home and certificate authority file mean nothing in the job's image.
    assert.deepEqual(
      [env.PATH, env.HOME, env.MLFLOW_TRACKING_SERVER_CERT_PATH, env.TRELLIS_CA_FILE],
      [undefined, undefined, undefined, undefined],
    );
    assert.match(main.command![2]!, /std_log\.txt/);

    // Beside it, in the transfer image, the container that sends the results back.
    const upload = job.spec!.template.spec!.containers[1]!;
    assert.deepEqual([upload.name, upload.image], ['upload-results', 'curlimages/curl:8.11.1']);
    assert.deepEqual(upload.env, [
      { name: 'TRELLIS_RESULTS_URL', value: 'https://trellis.example.com/api/attempts/train-mnist/1/results.tar?token=abc' },
    ]);
    assert.deepEqual(upload.volumeMounts, [{ name: 'work', mountPath: '/trellis/work' }]);
    assert.match(upload.command![2]!, /tar -c -f - "\$@" \| curl -fsS -T - .*"\$TRELLIS_RESULTS_URL"/);

    const fetch = pod.initContainers![0]!;
    assert.deepEqual(fetch.env, [
      { name: 'TRELLIS_BUNDLE_URL', value: 'https://trellis.example.com/api/attempts/train-mnist/1/bundle.tar?token=abc' },
    ]);
    assert.match(fetch.command![2]!, /curl -fsSL .*"\$TRELLIS_BUNDLE_URL" .*\| tar -x -f - -C \/trellis\/work/);
  });

  it("keeps the attempt's token out of the Job: in a Secret its main container reads by reference", () => {
    const token = 'trls_job_0123456789abcdefghijklmnopqrstuvwxyzABCD01234567';
    const plain = render();
    assert.equal(plain.secret, undefined, 'no Secret without a credential');
    const { name, job, secret } = render({}, { env: { ...launchRequest().env, TRELLIS_TOKEN: token, MLFLOW_TRACKING_TOKEN: token } });
    assertSchemaValid('Job', job);
    assert.ok(secret);
    assertSchemaValid('Secret', secret);
    assert.ok(!JSON.stringify(job).includes(token), 'the token is in the Job');
    assert.deepEqual([secret.metadata?.name, secret.metadata?.namespace, secret.type], [`${name}-credentials`, 'ml-jobs', 'Opaque']);
    assert.deepEqual(secret.stringData, { TRELLIS_TOKEN: token, MLFLOW_TRACKING_TOKEN: token });
    assert.deepEqual(secret.metadata?.labels, job.metadata?.labels);
    const env = mainContainer(job).env ?? [];
    for (const variable of ['TRELLIS_TOKEN', 'MLFLOW_TRACKING_TOKEN'])
      assert.deepEqual(
        env.find((item) => item.name === variable),
        { name: variable, valueFrom: { secretKeyRef: { name: `${name}-credentials`, key: variable } } },
      );
    // Still sorted by name with the plain values.
    assert.deepEqual(
      env.map((item) => item.name),
      [...env.map((item) => item.name)].sort((a, b) => a.localeCompare(b)),
    );
    // The other containers never see it.
    const others = [...(job.spec?.template.spec?.initContainers ?? []), ...(job.spec?.template.spec?.containers.slice(1) ?? [])];
    assert.ok(others.every((container) => !container.env?.some((item) => item.name.endsWith('TOKEN'))));
  });

  it('puts a low-priority GPU job on spot GPU nodes with GPU limits', () => {
    const { job } = render(
      { sku: findSku('standard_nc24ads_a100_v4'), isLowPriority: true },
      { image: 'mcr.microsoft.com/azureml/curated/acpt-pytorch-2.2-cuda12.1:latest' },
    );
    assertSchemaValid('Job', job);
    const pod = job.spec!.template.spec!;
    assert.deepEqual(pod.nodeSelector, { 'node.kubernetes.io/instance-type': 'Standard_NC24ads_A100_v4' });
    assert.deepEqual(pod.tolerations, [
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'kubernetes.azure.com/scalesetpriority', operator: 'Equal', value: 'spot', effect: 'NoSchedule' },
    ]);
    assert.deepEqual(pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
      { matchExpressions: [{ key: 'kubernetes.azure.com/scalesetpriority', operator: 'In', values: ['spot'] }] },
    ]);
    const main = mainContainer(job);
    assert.equal(main.image, 'mcr.microsoft.com/azureml/curated/acpt-pytorch-2.2-cuda12.1:latest');
    assert.equal(main.resources?.limits?.['nvidia.com/gpu'], '1');
    assert.equal(main.resources?.requests?.['nvidia.com/gpu'], '1');
    assert.equal(main.resources?.limits?.cpu, '24');
  });

  it('renders a 3-node PyTorch job with 2 processes per node as an Indexed Job and a headless Service', () => {
    const processes = processLayout(
      { type: 'pytorch', process_count_per_instance: 2 },
      { instanceCount: 3, hosts: ['node-0', 'node-1', 'node-2'], masterPort: 29500 },
    );
    const { name, job, service } = render({ sku: findSku('Standard_NC12s_v3') }, { instanceCount: 3, processes });
    assertSchemaValid('Job', job);
    assert.ok(service);
    assertSchemaValid('Service', service);

    const spec = job.spec!;
    assert.deepEqual([spec.completionMode, spec.completions, spec.parallelism, spec.backoffLimit], ['Indexed', 3, 3, 0]);
    assert.equal(spec.template.spec!.subdomain, name);
    assert.equal(spec.template.metadata?.labels?.['trellis.dev/run'], name);
    assert.deepEqual(service.spec?.selector, { 'trellis.dev/run': name });
    assert.equal(service.spec?.clusterIP, 'None');
    assert.equal(service.spec?.publishNotReadyAddresses, true);
    assert.deepEqual(service.spec?.ports, [{ name: 'rendezvous', port: 29500, targetPort: 29500, protocol: 'TCP' }]);
    assert.equal(service.metadata?.name, name);

    const main = mainContainer(job);
    const env = envOf(main);
    // Shared by every process: the rendezvous point is pod 0 through the Service.
    assert.deepEqual([env.MASTER_ADDR, env.MASTER_PORT, env.WORLD_SIZE, env.LOCAL_WORLD_SIZE], [`${name}-0.${name}`, '29500', '6', '2']);
    // Per process: computed from the pod's index by the launcher, not fixed in the template.
    assert.equal(env.RANK, undefined);
    assert.equal(env.NODE_RANK, undefined);
    const script = main.command![2]!;
    assert.match(script, /trellis_node="\$\{JOB_COMPLETION_INDEX:-0\}"/);
    assert.match(script, /trellis_local < 2;/);
    assert.match(script, /trellis_rank=\$\(\(trellis_node \* 2 \+ trellis_local\)\)/);
    assert.match(
      script,
      /export GROUP_RANK="\$trellis_node" LOCAL_RANK="\$trellis_local" NODE_RANK="\$trellis_node" RANK="\$trellis_rank"/,
    );
    assert.match(script, /std_log_process_\$trellis_rank\.txt/);
  });

  it('turns limits.timeout into activeDeadlineSeconds', () => {
    const { job } = render({ terminationGraceSeconds: 120 }, { timeoutSeconds: 3600 });
    assertSchemaValid('Job', job);
    assert.equal(job.spec!.activeDeadlineSeconds, 3600);
    assert.equal(job.spec!.template.spec!.terminationGracePeriodSeconds, 120);
  });

  it('renders the default size when the job names none', () => {
    const { job } = render({ sku: undefined });
    assert.deepEqual(job.spec!.template.spec!.nodeSelector, { 'node.kubernetes.io/instance-type': 'Standard_DS3_v2' });
  });

  it('gives every attempt a distinct, deterministic DNS-1035 name of at most 52 characters', () => {
    const long = 'Very_Long Job Name With Spaces And UPPER case letters that goes on and on and on';
    const first = render({}, { jobName: long, attempt: 2 }).name;
    assert.equal(render({}, { jobName: long, attempt: 2 }).name, first);
    assert.notEqual(render({}, { jobName: long, attempt: 3 }).name, first);
    assert.notEqual(render({}, { jobName: long, attempt: 2, workspace: 'prod' }).name, first);
    for (const name of [first, render({}, { jobName: '42_digits-first' }).name, render({}, { jobName: '___' }).name]) {
      assert.match(name, /^[a-z]([-a-z0-9]*[a-z0-9])?$/);
      assert.ok(name.length <= 52, name);
    }
    const { job } = render({}, { jobName: long });
    assertSchemaValid('Job', job);
    assert.ok((job.metadata?.labels?.['trellis.dev/job'] ?? '').length <= 63);
    assert.equal(job.metadata?.annotations?.['trellis.dev/job-name'], long);
  });

  it('refuses a tensorflow layout, whose TF_CONFIG names every host', () => {
    const processes = processLayout(
      { type: 'tensorflow', parameter_server_count: 0 },
      { instanceCount: 2, hosts: ['a', 'b'], masterPort: 2222 },
    );
    assert.throws(
      () => render({}, { instanceCount: 2, processes }),
      (error: Error & { code?: string }) => error.code === 'DistributionNotSupported' && /TF_CONFIG/.test(error.message),
    );
  });

  it('refuses a code folder outside the attempt folder', () => {
    assert.throws(() => render({}, { codeDir: '/somewhere/else' }), /outside the attempt folder/);
  });
});

describe('the Kubernetes schema check', () => {
  it('fails a manifest with a misspelt field, so a passing check means something', () => {
    const { job, service } = render(
      {},
      {
        instanceCount: 2,
        processes: processLayout(
          { type: 'pytorch', process_count_per_instance: 1 },
          { instanceCount: 2, hosts: ['a', 'b'], masterPort: 29500 },
        ),
      },
    );
    const { backoffLimit, ...jobSpec } = structuredClone(job.spec)!;
    const typoJob = { ...job, spec: { ...jobSpec, backofLimit: backoffLimit } };
    assert.deepEqual(kubernetesSchemaErrors('Job', typoJob), ['/spec must NOT have additional properties: backofLimit']);

    assert.ok(service);
    const typoService = { ...service, spec: { ...service.spec, clusterIp: 'None' } };
    assert.ok(kubernetesSchemaErrors('Service', typoService).some((error) => error.includes('clusterIp')));

    const template = job.spec!.template;
    const [container, ...others] = template.spec!.containers;
    const wrongType = {
      ...job,
      spec: {
        ...job.spec,
        template: { ...template, spec: { ...template.spec, containers: [{ ...container, command: 'bash -c train' }, ...others] } },
      },
    };
    assert.ok(kubernetesSchemaErrors('Job', wrongType).some((error) => error.includes('/command')));
  });
});
