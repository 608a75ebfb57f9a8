import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { kubernetesSchemaErrors } from '../../../test/fixtures/kubernetes-schemas/validate-manifest.js';
import { findSku } from '../../core/compute/sku-catalogue.js';
import { isTrellisError } from '../../core/errors.js';
import { processLayout } from '../../core/jobs/process-layout.js';
import type { ComputeBackend, LaunchRequest } from '../compute-backend.js';
import { renderJobManifests } from './job-manifest.js';
import { createKubernetesBackend } from './kubernetes-backend.js';

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/**
 * A stand-in for the Kubernetes API server: records every request and answers the few the
 * backend makes from an in-memory set of objects, in the API server's JSON shapes.
 */
class FakeApiServer {
  requests: Recorded[] = [];
  jobs = new Map<string, Record<string, unknown>>();
  pods: Array<Record<string, unknown>> = [];
  /** Forces the next answer's status, for error paths. */
  failNextWith: { code: number; reason: string; message: string } | undefined;
  private readonly server = createServer((request, response) => void this.handle(request, response));

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.close();
    await once(this.server, 'close');
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body: text ? JSON.parse(text) : undefined });
    const send = (code: number, body: unknown) => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const status = (code: number, reason: string, message: string) =>
      send(code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
    if (this.failNextWith) {
      const { code, reason, message } = this.failNextWith;
      this.failNextWith = undefined;
      return status(code, reason, message);
    }

    const jobs = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?(\/status)?$/.exec(url.pathname);
    if (jobs) {
      const [, , name] = jobs;
      if (method === 'POST') {
        const job = request.headers['content-type']?.includes('json') ? (JSON.parse(text) as { metadata: { name: string } }) : undefined;
        if (!job) return status(415, 'UnsupportedMediaType', 'json only');
        if (this.jobs.has(job.metadata.name)) return status(409, 'AlreadyExists', `jobs.batch "${job.metadata.name}" already exists`);
        const stored = { ...job, metadata: { ...job.metadata, uid: `uid-${job.metadata.name}` }, status: {} };
        this.jobs.set(job.metadata.name, stored);
        return send(201, stored);
      }
      const stored = name ? this.jobs.get(name) : undefined;
      if (!stored) return status(404, 'NotFound', `jobs.batch "${name}" not found`);
      if (method === 'GET') return send(200, stored);
      if (method === 'DELETE') {
        this.jobs.delete(name!);
        return send(200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
      }
    }
    if (/^\/api\/v1\/namespaces\/[^/]+\/(services|secrets)$/.test(url.pathname) && method === 'POST') return send(201, JSON.parse(text));
    if (/^\/api\/v1\/namespaces\/[^/]+\/pods$/.test(url.pathname) && method === 'GET') {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const [key, value] = selector.split('=');
      const items = this.pods.filter((pod) => (pod.metadata as { labels: Record<string, string> }).labels[key!] === value);
      return send(200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
    }
    return status(404, 'NotFound', `no route for ${method} ${url.pathname}`);
  }
}

const workDir = '/srv/trellis/attempts/dev/fit/1';

function launchRequest(overrides: Partial<LaunchRequest> = {}): LaunchRequest {
  return {
    workspace: 'dev',
    jobName: 'fit',
    attempt: 1,
    command: 'python fit.py',
    workDir,
    codeDir: `${workDir}/code`,
    logDir: `${workDir}/user_logs`,
    env: { MLFLOW_RUN_ID: 'r1' },
    processes: processLayout(undefined, { instanceCount: 1, hosts: ['localhost'], masterPort: 29500 }),
    instanceCount: 1,
    resources: { vcpus: 4, memoryGiB: 16, gpus: 0 },
    ...overrides,
  };
}

describe('createKubernetesBackend against a fake API server', () => {
  const api = new FakeApiServer();
  let backend: ComputeBackend;

  before(async () => {
    const server = await api.start();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser({ name: 'fake', server, skipTLSVerify: true }, { name: 'tester' });
    backend = createKubernetesBackend({
      kubeConfig,
      namespace: 'ml',
      trellisUrl: 'http://trellis.trellis-system.svc:8080',
      bundleUrl: (request) => `http://trellis.trellis-system.svc:8080/bundles/${request.jobName}/${request.attempt}.tar`,
      resultsUrl: (request) => `http://trellis.trellis-system.svc:8080/results/${request.jobName}/${request.attempt}.tar`,
      skuFor: () => findSku('Standard_D4s_v3'),
    });
  });
  after(() => api.close());
  beforeEach(() => {
    api.requests = [];
    api.jobs.clear();
    api.pods = [];
  });

  it('launches by POSTing a schema-valid Job to the namespace and returns <namespace>/<name>', async () => {
    const { handle } = await backend.launch(launchRequest());
    assert.equal(api.requests.length, 1);
    const [post] = api.requests;
    assert.equal(post!.method, 'POST');
    assert.equal(post!.path, '/apis/batch/v1/namespaces/ml/jobs');
    assert.deepEqual(kubernetesSchemaErrors('Job', post!.body), []);
    // The client sends the rendered Job as it is: no field dropped or renamed on the way.
    const rendered = renderJobManifests({
      request: launchRequest(),
      namespace: 'ml',
      sku: findSku('Standard_D4s_v3'),
      isLowPriority: false,
      bundleUrl: 'http://trellis.trellis-system.svc:8080/bundles/fit/1.tar',
      resultsUrl: 'http://trellis.trellis-system.svc:8080/results/fit/1.tar',
      trellisUrl: 'http://trellis.trellis-system.svc:8080',
    });
    assert.deepEqual(post!.body, JSON.parse(JSON.stringify(rendered.job)));
    const body = post!.body as {
      metadata: { name: string };
      spec: {
        backoffLimit: number;
        template: { spec: { nodeSelector: Record<string, string>; initContainers: Array<{ env: Array<{ value: string }> }> } };
      };
    };
    assert.equal(handle, `ml/${body.metadata.name}`);
    assert.equal(body.spec.backoffLimit, 0);
    assert.deepEqual(body.spec.template.spec.nodeSelector, { 'node.kubernetes.io/instance-type': 'Standard_D4s_v3' });
    assert.equal(body.spec.template.spec.initContainers[0]!.env[0]!.value, 'http://trellis.trellis-system.svc:8080/bundles/fit/1.tar');
  });

  it('creates the headless Service of a multi-node job, owned by its Job', async () => {
    const processes = processLayout(
      { type: 'pytorch', process_count_per_instance: 1 },
      { instanceCount: 2, hosts: ['a', 'b'], masterPort: 29500 },
    );
    const { handle } = await backend.launch(launchRequest({ instanceCount: 2, processes }));
    const name = handle.split('/')[1]!;
    assert.deepEqual(
      api.requests.map((request) => `${request.method} ${request.path}`),
      ['POST /apis/batch/v1/namespaces/ml/jobs', 'POST /api/v1/namespaces/ml/services'],
    );
    const service = api.requests[1]!.body as { metadata: { name: string; ownerReferences: unknown[] } };
    assert.deepEqual(kubernetesSchemaErrors('Service', service), []);
    assert.equal(service.metadata.name, name);
    assert.deepEqual(service.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: `uid-${name}` }]);
  });

  it("creates the Secret of the attempt's token after the Job, owned by it", async () => {
    const token = 'trls_job_0123456789abcdefghijklmnopqrstuvwxyzABCD01234567';
    const { handle } = await backend.launch(launchRequest({ env: { MLFLOW_RUN_ID: 'r1', TRELLIS_TOKEN: token } }));
    const name = handle.split('/')[1]!;
    assert.deepEqual(
      api.requests.map((request) => `${request.method} ${request.path}`),
      ['POST /apis/batch/v1/namespaces/ml/jobs', 'POST /api/v1/namespaces/ml/secrets'],
    );
    assert.ok(!JSON.stringify(api.requests[0]!.body).includes(token));
    const secret = api.requests[1]!.body as { metadata: { name: string; ownerReferences: unknown[] }; stringData: Record<string, string> };
    assert.deepEqual(kubernetesSchemaErrors('Secret', secret), []);
    assert.equal(secret.metadata.name, `${name}-credentials`);
    assert.deepEqual(secret.metadata.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: `uid-${name}` }]);
    assert.deepEqual(secret.stringData, { TRELLIS_TOKEN: token });
  });

  it('adopts the Job it created before when a launch is repeated', async () => {
    const first = await backend.launch(launchRequest());
    const again = await backend.launch(launchRequest());
    assert.equal(again.handle, first.handle);
    assert.deepEqual(
      api.requests.map((request) => request.method),
      ['POST', 'POST', 'GET'],
    );
  });

  it("maps a failed Job to the exit code of its pod's main container", async () => {
    const { handle } = await backend.launch(launchRequest());
    const name = handle.split('/')[1]!;
    assert.deepEqual(await backend.poll(handle), { state: 'running' });

    api.jobs.get(name)!.status = {
      failed: 1,
      conditions: [
        { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
      ],
    };
    api.pods = [
      {
        metadata: { name: `${name}-abcde`, labels: { 'trellis.dev/run': name } },
        status: {
          phase: 'Failed',
          containerStatuses: [
            {
              name: 'main',
              image: 'python:3.11-slim',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 3, reason: 'Error' } },
            },
          ],
        },
      },
      { metadata: { name: 'someone-else', labels: { 'trellis.dev/run': 'other' } }, status: { phase: 'Failed', reason: 'Evicted' } },
    ];
    api.requests = [];
    assert.deepEqual(await backend.poll(handle), { state: 'exited', exitCode: 3 });
    assert.deepEqual(
      api.requests.map((request) => `${request.method} ${request.path}`),
      [`GET /apis/batch/v1/namespaces/ml/jobs/${name}/status`, 'GET /api/v1/namespaces/ml/pods'],
    );
    assert.equal(api.requests[1]!.query.get('labelSelector'), `trellis.dev/run=${name}`);

    api.jobs.get(name)!.status = { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] };
    assert.deepEqual(await backend.poll(handle), { state: 'exited', exitCode: 0 });
  });

  it('reports a Job deleted behind its back as lost', async () => {
    assert.equal((await backend.poll('ml/gone-123456-a1')).state, 'lost');
  });

  it('stops by deleting the Job in the foreground with the grace period', async () => {
    const { handle } = await backend.launch(launchRequest());
    api.requests = [];
    await backend.stop(handle, 45);
    const [request] = api.requests;
    assert.equal(request!.method, 'DELETE');
    assert.equal(request!.path, `/apis/batch/v1/namespaces/ml/jobs/${handle.split('/')[1]}`);
    assert.equal(request!.query.get('propagationPolicy'), 'Foreground');
    assert.equal(request!.query.get('gracePeriodSeconds'), '45');
    // Stopping again is harmless.
    await backend.stop(handle, 45);
  });

  it('turns a refusal of the API server into a TrellisError that says what to check', async () => {
    api.failNextWith = { code: 403, reason: 'Forbidden', message: 'jobs.batch is forbidden: User "tester" cannot create resource "jobs"' };
    await assert.rejects(backend.launch(launchRequest()), (error: unknown) => {
      assert.ok(isTrellisError(error));
      assert.equal(error.code, 'ComputeBackendError');
      assert.match(
        error.message,
        /could not create Job ml\/fit-[0-9a-f]{6}-a1: the Kubernetes API answered 403 \(jobs\.batch is forbidden.*\); check that the kubeconfig user may create/,
      );
      return true;
    });
  });
});

describe('createKubernetesBackend without a reachable API server', () => {
  it('says the API server is unreachable', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromClusterAndUser({ name: 'nowhere', server: 'http://127.0.0.1:9', skipTLSVerify: true }, { name: 'tester' });
    const backend = createKubernetesBackend({
      kubeConfig,
      namespace: 'ml',
      trellisUrl: 'http://t',
      bundleUrl: () => 'http://t/b.tar',
      resultsUrl: () => 'http://t/r.tar',
    });
    await assert.rejects(backend.poll('ml/x-000000-a1'), (error: unknown) => isTrellisError(error) && error.code === 'ComputeUnreachable');
  });
});
