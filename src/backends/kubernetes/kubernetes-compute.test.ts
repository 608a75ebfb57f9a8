import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { isTrellisError } from '../../core/errors.js';
import { processLayout } from '../../core/jobs/process-layout.js';
import type { Resource } from '../../core/resources/resource.js';
import type { ComputeBackend, LaunchRequest } from '../compute-backend.js';
import { attemptToken } from './attempt-token.js';
import { createKubernetesComputes, kubernetesBackendOptions } from './kubernetes-compute.js';

const secret = Buffer.alloc(32, 1);
/** A logger whose messages land in `lines`. */
const capturing = (lines: string[]) =>
  pino({ level: 'info' }, { write: (line: string) => void lines.push(String((JSON.parse(line) as { msg: unknown }).msg)) });
// Nothing listens on port 9: every call fails fast as unreachable.
const kubeconfig = [
  'apiVersion: v1',
  'kind: Config',
  'clusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]',
  'users: [{name: u, user: {}}]',
  'contexts: [{name: ctx, context: {cluster: c, user: u}}]',
  'current-context: ctx',
  '',
].join('\n');

function compute(spec: Record<string, unknown>, name = 'aks'): Resource {
  return {
    workspace: 'dev',
    kind: 'compute',
    name,
    version: null,
    spec: { type: 'kubernetes', namespace: 'ml', properties: { kubeconfig }, ...spec },
    status: {},
    tags: {},
    description: null,
    createdBy: 'test',
    createdAt: '',
    updatedAt: '',
    etag: '',
  };
}

const request: LaunchRequest = {
  workspace: 'dev',
  jobName: 'fit',
  attempt: 3,
  command: 'python fit.py',
  workDir: '/srv/a',
  codeDir: '/srv/a/code',
  logDir: '/srv/a/user_logs',
  env: {},
  processes: processLayout(undefined, { instanceCount: 1, hosts: ['localhost'], masterPort: 1 }),
  instanceCount: 1,
  resources: { vcpus: 4, memoryGiB: 16, gpus: 0 },
};

describe('kubernetesBackendOptions', () => {
  it("takes the namespace, size, tier and transfer image from the compute and signs each attempt's URLs", () => {
    const options = kubernetesBackendOptions(
      { namespace: 'ml', size: 'Standard_NC6s_v3', tier: 'low_priority', properties: { transfer_image: 'registry.local/curl:8' } },
      'http://trellis:5050',
      secret,
    );
    assert.equal(options.namespace, 'ml');
    assert.equal(options.trellisUrl, 'http://trellis:5050');
    assert.equal(options.isLowPriority, true);
    assert.equal(options.skuFor?.(request)?.name, 'Standard_NC6s_v3');
    assert.equal(options.transferImage, 'registry.local/curl:8');
    const token = attemptToken(secret, { workspace: 'dev', jobName: 'fit', attempt: 3 });
    assert.equal(options.bundleUrl(request), `http://trellis:5050/api/v1/workspaces/dev/jobs/fit/attempts/3/bundle.tar?token=${token}`);
    assert.equal(options.resultsUrl(request), `http://trellis:5050/api/v1/workspaces/dev/jobs/fit/attempts/3/results.tar?token=${token}`);
  });

  it('uses the default size on dedicated nodes when the compute names neither', () => {
    const options = kubernetesBackendOptions({ namespace: 'default' }, 'http://t', secret);
    assert.equal(options.skuFor?.(request), undefined);
    assert.equal(options.isLowPriority, false);
  });
});

describe('createKubernetesComputes', () => {
  it('makes one backend per compute and settings', () => {
    const computes = createKubernetesComputes({ publicUrl: () => 'http://t', secret, logger: pino({ level: 'silent' }) });
    const first = computes.backendFor(compute({}));
    assert.equal(computes.backendFor(compute({})), first);
    assert.notEqual(computes.backendFor(compute({ namespace: 'other' })), first);
    assert.notEqual(computes.backendFor(compute({}, 'aks-2')), first);
  });

  it('fails the launch, not the job runner, when the kubeconfig cannot be read', async () => {
    const computes = createKubernetesComputes({ publicUrl: () => 'http://t', secret, logger: pino({ level: 'silent' }) });
    const backend = computes.backendFor(compute({ properties: { kubeconfig: 'not: [a kubeconfig' } }));
    await assert.rejects(backend.launch(request), (error: unknown) => isTrellisError(error) && error.code === 'InvalidComputeProperties');
  });

  it('tells a failed stop instead of throwing it (the job runner does not wait for stops)', async () => {
    const lines: string[] = [];
    const computes = createKubernetesComputes({ publicUrl: () => 'http://t', secret, logger: capturing(lines) });
    await computes.backendFor(compute({})).stop('ml/fit-abcdef-a1', 5);
    assert.match(lines.join('\n'), /could not stop ml\/fit-abcdef-a1: .*unreachable/);
  });

  it('routes the handles of deleted computes: kubernetes ones to their namespace, others on', async () => {
    const seen: string[] = [];
    const other: ComputeBackend = {
      launch: async () => ({ handle: 'x' }),
      poll: async (handle) => {
        seen.push(`poll ${handle}`);
        return { state: 'running' };
      },
      stop: async (handle) => void seen.push(`stop ${handle}`),
    };
    const lines: string[] = [];
    const computes = createKubernetesComputes({ publicUrl: () => 'http://t', secret, logger: capturing(lines) });
    const orphans = computes.byHandle(other);
    assert.deepEqual(await orphans.poll('local:/srv/trellis/jobs/dev/fit/attempt-1'), { state: 'running' });
    await orphans.stop('slurm:123', 5);
    assert.deepEqual(seen, ['poll local:/srv/trellis/jobs/dev/fit/attempt-1', 'stop slurm:123']);

    // No backend was made for namespace ml in this process (a restart after the compute was deleted).
    const lost = await orphans.poll('ml/fit-abcdef-a1');
    assert.equal(lost.state, 'lost');
    assert.match((lost as { reason: string }).reason, /kubectl delete job -n ml fit-abcdef-a1/);
    await orphans.stop('ml/fit-abcdef-a1', 5);
    assert.match(lines.join('\n'), /cannot stop ml\/fit-abcdef-a1/);

    // Once a compute of that namespace was used, its cluster answers (here: unreachable).
    computes.backendFor(compute({}));
    await assert.rejects(
      orphans.poll('ml/fit-abcdef-a1'),
      (error: unknown) => isTrellisError(error) && error.code === 'ComputeUnreachable',
    );
    await assert.rejects(orphans.launch(request), (error: unknown) => isTrellisError(error) && error.code === 'ComputeNotFound');
  });
});
