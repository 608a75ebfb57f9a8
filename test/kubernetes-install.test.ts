import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { TrellisClient } from '../src/client/trellis-client.js';
import { readOwnerToken } from '../src/config/owner-token-file.js';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { isKubernetesKind, kubernetesSchemaErrors } from './fixtures/kubernetes-schemas/validate-manifest.js';
import { layOutPod } from './support/kubernetes-pod.js';
import { repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * `trellis kubernetes manifests`, end to end without a cluster: the built CLI renders; the
 * folders in deploy/kubernetes/ are exactly what it renders; every object is valid against the
 * official schemas; and pods laid out from the rendered Deployment (support/kubernetes-pod.ts) run
 * real `trellis up` processes on PostgreSQL that answer the probes, refuse callers without
 * credentials, and, two replicas with one Secret's keys, read each other's sealed secrets.
 */

const deployFolder = join(repositoryRoot, 'deploy', 'kubernetes');
const scratch: string[] = [];

async function renderedFolder(args: string[]): Promise<Map<string, string>> {
  const folder = await mkdtemp(join(tmpdir(), 'trellis-manifests-'));
  scratch.push(folder);
  const result = await runCli(['kubernetes', 'manifests', ...args, '--output-dir', folder]);
  assert.equal(result.code, 0, result.stderr);
  return yamlFiles(folder);
}

async function yamlFiles(folder: string): Promise<Map<string, string>> {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.yaml')).sort();
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(join(folder, name), 'utf8')] as const)));
}

async function render(args: string[]): Promise<KubernetesObject[]> {
  const result = await runCli(['kubernetes', 'manifests', ...args]);
  assert.equal(result.code, 0, result.stderr);
  return parseAllDocuments(result.stdout, { version: '1.1' }).flatMap((document) => {
    const value: unknown = document.toJS();
    return value && typeof value === 'object' ? [value as KubernetesObject] : [];
  });
}

/** The flags of the command line a rendered folder's files start with (`# Rendered by: trellis kubernetes manifests ...`). */
function renderedBy(text: string): string[] {
  const line = /^# Rendered by: trellis kubernetes manifests(.*)$/m.exec(text)?.[1];
  assert.ok(line !== undefined, 'the file does not say what rendered it');
  assert.doesNotMatch(line, /['"\\]/, 'the example command line needs no quoting');
  return line.split(' ').filter(Boolean);
}

/** A GET with the Host header a kubelet probe or an in-cluster client sends (fetch keeps its own). */
function getWithHost(url: string, host: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { headers: { host, ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

after(async () => {
  for (const folder of scratch) await rm(folder, { recursive: true, force: true });
});

describe('trellis kubernetes manifests', () => {
  it('renders exactly what deploy/kubernetes holds, for its default options', async () => {
    assert.deepEqual(await renderedFolder([]), await yamlFiles(deployFolder));
  });

  it('renders exactly what deploy/kubernetes/scale-out holds, from the command line its files name', async () => {
    const expected = await yamlFiles(join(deployFolder, 'scale-out'));
    const flags = renderedBy(expected.get('kustomization.yaml') ?? '');
    assert.ok(flags.includes('--replicas'), flags.join(' '));
    assert.deepEqual(await renderedFolder(flags), expected);
  });

  it('renders objects that are each valid against the official Kubernetes v1.30 schemas', async () => {
    for (const args of [
      [],
      renderedBy((await yamlFiles(join(deployFolder, 'scale-out'))).get('deployment.yaml') ?? ''),
      [
        '--replicas',
        '2',
        '--database-url-secret',
        'pg:url',
        '--object-store',
        's3',
        '--object-store-url',
        's3://bucket',
        '--generate-keys',
        '--compute-namespace',
        'ml',
      ],
    ]) {
      const objects = await render(args);
      assert.ok(objects.length >= 6, args.join(' '));
      for (const object of objects) {
        assert.ok(isKubernetesKind(object.kind), `no schema kept for ${object.kind}`);
        assert.deepEqual(kubernetesSchemaErrors(object.kind, object), [], `${object.kind} ${object.metadata?.name} of: ${args.join(' ')}`);
      }
    }
  });

  it('refuses several servers on SQLite and local artifacts, naming the flags to add, and writes nothing', async () => {
    const result = await runCli(['kubernetes', 'manifests', '--replicas', '3']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /--replicas: 3 servers need PostgreSQL and an object store/);
    assert.match(result.stderr, /--database-url-secret NAME\[:KEY\]/);
    assert.match(result.stderr, /--object-store azure_blob\|s3 with --object-store-url URL/);
    const conflicting = await runCli(['kubernetes', 'manifests', '--database', 'postgres', '--database-url-secret', 'pg']);
    assert.equal(conflicting.code, 1);
    assert.match(conflicting.stderr, /give one/);
  });
});

const hasPostgres = testDialects().includes('postgres');

describe('pods laid out from the rendered Deployment', { skip: hasPostgres ? false : 'needs PostgreSQL (npm test starts one)' }, () => {
  const servers: TrellisProcess[] = [];
  const databases: TestDatabase[] = [];

  /** Starts the pod's container as `trellis up` with the pod's variables; it listens on loopback (tests do), on a free port. */
  async function startPod(objects: KubernetesObject[], drop: (variable: string) => boolean = () => false): Promise<TrellisProcess> {
    const pod = await layOutPod(objects);
    scratch.push(...pod.mounts.values());
    const env = Object.fromEntries(Object.entries(pod.env).filter(([variable]) => !drop(variable)));
    const server = await startTrellis({
      home: env.TRELLIS_HOME,
      databaseUrl: env.TRELLIS_DATABASE_URL,
      env: { ...env, TRELLIS_HOST: '127.0.0.1', TRELLIS_PORT: '0' },
    });
    servers.push(server);
    return server;
  }

  before(async () => {
    databases.push(await createTestDatabase('postgres'), await createTestDatabase('postgres'));
  });

  after(async () => {
    for (const server of servers) await server.stop();
    for (const database of databases) await database.drop();
  });

  it('answers the probes, the Service names and no one without credentials: one server on PostgreSQL', async () => {
    const server = await startPod(await render(['--database-url', databases[0]!.url!]));
    const get = (path: string, host: string, token?: string) => getWithHost(`${server.url}${path}`, host, token);
    // The kubelet's probes name the pod's address; the Service's clients its names (TRELLIS_ALLOWED_HOSTS).
    assert.equal((await get('/healthz', '127.0.0.1:5050')).status, 200);
    const ready = await get('/readyz', 'trellis.trellis.svc');
    assert.equal(ready.status, 200);
    assert.deepEqual((JSON.parse(ready.body) as { database: { dialect: string } }).database.dialect, 'postgres');
    assert.equal((await get('/healthz', 'trellis.trellis.svc.cluster.local')).status, 200);
    assert.equal((await get('/healthz', 'evil.example')).status, 403);
    // Local authentication is off (TRELLIS_DISABLE_LOCAL_AUTH): a call without a token is refused even from loopback.
    assert.equal((await get('/api/v1/workspaces', 'trellis.trellis.svc')).status, 401);
    const token = readOwnerToken(server.home);
    assert.ok(token, server.output());
    assert.equal((await get('/api/v1/workspaces', 'trellis.trellis.svc', token)).status, 200);
  });

  it('runs two replicas whose key files come from one Secret: each reads what the other sealed', async () => {
    const objects = await render([
      '--replicas',
      '2',
      '--database-url',
      databases[1]!.url!,
      '--object-store',
      's3',
      '--object-store-url',
      's3://trellis-test',
      '--generate-keys',
    ]);
    // No S3 service here: the servers keep artifacts on their own volumes; this test checks the database, the keys and the probes.
    const isObjectStoreSetting = (variable: string) => /^(TRELLIS_ARTIFACT_|TRELLIS_S3_|TRELLIS_AZURE_BLOB_)/.test(variable);
    const first = await startPod(objects, isObjectStoreSetting);
    // One after the other: the first migrates the database.
    const second = await startPod(objects, isObjectStoreSetting);
    // Each server issues an owner token as it starts and revokes the one before: the last one's is the one that works, on either server.
    const token = readOwnerToken(second.home) ?? '';
    const clientOf = (server: TrellisProcess) => new TrellisClient(server.url, { token });
    await clientOf(first).applyOnlineEndpoint('default', { fileName: 'endpoint.yml', text: 'name: shared-keys\nauth_mode: key\n' });
    // The endpoint's keys are sealed with the workspace's data key, wrapped by the key-encryption key of the Secret.
    const fromFirst = await clientOf(first).endpointCredentials('default', 'shared-keys');
    const fromSecond = await clientOf(second).endpointCredentials('default', 'shared-keys');
    assert.ok('primaryKey' in fromFirst && fromFirst.primaryKey.length > 20);
    assert.deepEqual(fromSecond, fromFirst);
  });
});
