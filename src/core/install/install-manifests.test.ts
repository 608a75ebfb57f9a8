import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject, V1ConfigMap, V1Deployment, V1Ingress, V1Secret } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { isKubernetesKind, kubernetesSchemaErrors } from '../../../test/fixtures/kubernetes-schemas/validate-manifest.js';
import { installCommandLine } from './install-command-line.js';
import { keyFiles, placeholderPrefix, podHome, renderInstallManifests } from './install-manifests.js';
import { type InstallOptions, installDefaults, installProblems, secretVariables } from './install-options.js';
import { manifestFolder, manifestStream } from './manifest-files.js';

function options(overrides: Partial<InstallOptions> = {}): InstallOptions {
  return {
    name: installDefaults.name,
    namespace: installDefaults.namespace,
    image: installDefaults.image,
    replicas: 1,
    database: { kind: 'sqlite' },
    objectStore: { kind: 'local' },
    resources: { cpu: installDefaults.cpu, memory: installDefaults.memory },
    storage: { size: installDefaults.storageSize },
    extraEnv: {},
    computeNamespaces: [],
    ...overrides,
  };
}

const scaleOut = options({
  replicas: 3,
  database: { kind: 'postgres' },
  objectStore: { kind: 'azure_blob', url: 'https://account.blob.core.windows.net/trellis/prod' },
  keys: { kind: 'secret', secret: 'trellis-keys' },
  ingress: { host: 'trellis.example.com', className: 'nginx', tlsSecret: 'trellis-tls' },
});

function objectOf<T extends KubernetesObject>(objects: KubernetesObject[], kind: string): T {
  const found = objects.find((object) => object.kind === kind);
  assert.ok(found, `no ${kind} among ${objects.map((object) => object.kind).join(', ')}`);
  return found as T;
}

/** Every object against the official v1.30 schema of its kind, which must be one kept in test/fixtures. */
function assertValid(objects: KubernetesObject[]): void {
  for (const object of objects) {
    assert.ok(isKubernetesKind(object.kind), `no schema kept for kind ${object.kind}`);
    assert.deepEqual(kubernetesSchemaErrors(object.kind, object), [], `${object.kind} ${object.metadata?.name}`);
  }
}

describe('Trellis on Kubernetes: the rendered objects', () => {
  it('renders one server on SQLite and a persistent volume by default, every object valid', () => {
    const { objects } = renderInstallManifests(options());
    assert.deepEqual(
      objects.map((object) => object.kind),
      ['ServiceAccount', 'ConfigMap', 'PersistentVolumeClaim', 'Deployment', 'Service', 'PodDisruptionBudget'],
    );
    assertValid(objects);
    const deployment = objectOf<V1Deployment>(objects, 'Deployment');
    assert.equal(deployment.spec?.replicas, 1);
    assert.equal(deployment.spec?.strategy?.type, 'Recreate');
    const pod = deployment.spec!.template.spec!;
    assert.deepEqual(pod.volumes?.[0], { name: 'data', persistentVolumeClaim: { claimName: 'trellis-data' } });
    // No key file comes from a Secret: Trellis makes them on the volume, beside the data they protect.
    assert.ok(!pod.volumes?.some((volume) => volume.secret));
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    const container = pod.containers[0]!;
    assert.equal(container.startupProbe?.httpGet?.path, '/healthz');
    assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
    assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
    assert.deepEqual(container.envFrom, [{ configMapRef: { name: 'trellis-config' } }]);
    const config = objectOf<V1ConfigMap>(objects, 'ConfigMap').data!;
    assert.equal(config.TRELLIS_HOME, podHome);
    assert.equal(config.TRELLIS_DISABLE_LOCAL_AUTH, 'true');
    assert.equal(config.TRELLIS_PUBLIC_URL, 'http://trellis.trellis.svc');
    assert.match(config.TRELLIS_ALLOWED_HOSTS ?? '', /(^|,)trellis\.trellis\.svc(,|$)/);
  });

  it('renders several servers on PostgreSQL and an object store, with every credential in a Secret by reference', () => {
    const { objects, notes } = renderInstallManifests(scaleOut);
    assertValid(objects);
    assert.deepEqual(
      objects.map((object) => object.kind),
      ['ServiceAccount', 'ConfigMap', 'Secret', 'Deployment', 'Service', 'PodDisruptionBudget', 'Ingress'],
    );
    const deployment = objectOf<V1Deployment>(objects, 'Deployment');
    assert.equal(deployment.spec?.replicas, 3);
    assert.deepEqual(deployment.spec?.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const pod = deployment.spec!.template.spec!;
    assert.equal(pod.topologySpreadConstraints?.length, 2);
    assert.deepEqual(pod.volumes?.[0], { name: 'data', emptyDir: {} });
    const keys = pod.volumes?.find((volume) => volume.name === 'keys')?.secret;
    assert.equal(keys?.secretName, 'trellis-keys');
    assert.deepEqual(keys?.items, [{ key: keyFiles.keyEncryptionKey, path: keyFiles.keyEncryptionKey }]);
    const mounts = pod.containers[0]!.volumeMounts ?? [];
    assert.deepEqual(
      mounts.filter((mount) => mount.readOnly).map((mount) => mount.mountPath),
      [`${podHome}/keys`, `${podHome}/secrets`],
    );
    const env = pod.containers[0]!.env ?? [];
    for (const variable of ['TRELLIS_DATABASE_URL', 'TRELLIS_AZURE_BLOB_ACCOUNT_KEY'])
      assert.deepEqual(env.find((entry) => entry.name === variable)?.valueFrom?.secretKeyRef, { name: 'trellis-secrets', key: variable });
    // No credential is a value in the Deployment or the ConfigMap.
    assert.ok(env.every((entry) => entry.value === undefined || !secretVariables.includes(entry.name)));
    const config = objectOf<V1ConfigMap>(objects, 'ConfigMap').data!;
    for (const variable of secretVariables) assert.equal(config[variable], undefined, variable);
    assert.equal(config.TRELLIS_PUBLIC_URL, 'https://trellis.example.com');
    // The configuration's own variables (src/config/artifact-store-settings.ts), split from the one URL.
    assert.equal(config.TRELLIS_ARTIFACT_STORE, 'azure_blob');
    assert.equal(config.TRELLIS_AZURE_BLOB_ACCOUNT_URL, 'https://account.blob.core.windows.net');
    assert.equal(config.TRELLIS_AZURE_BLOB_CONTAINER, 'trellis');
    assert.equal(config.TRELLIS_ARTIFACT_PREFIX, 'prod');
    const secret = objectOf<V1Secret>(objects, 'Secret');
    assert.deepEqual(Object.keys(secret.stringData ?? {}), ['TRELLIS_AZURE_BLOB_ACCOUNT_KEY', 'TRELLIS_DATABASE_URL']);
    assert.ok(Object.values(secret.stringData ?? {}).every((value) => value.startsWith(placeholderPrefix)));
    assert.ok(notes.some((note) => note.includes('Secret trellis-keys')));
    const ingress = objectOf<V1Ingress>(objects, 'Ingress');
    assert.deepEqual(ingress.spec?.tls, [{ hosts: ['trellis.example.com'], secretName: 'trellis-tls' }]);
    assert.equal(ingress.metadata?.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size'], '0');
  });

  it('renders generated keys as base64 the servers read back: 32 bytes of key-encryption key, a base64url transfer secret', () => {
    const keyEncryptionKey = Buffer.alloc(32, 7);
    const attemptTransferSecret = Buffer.alloc(32, 9);
    const { objects } = renderInstallManifests({
      ...scaleOut,
      keys: { kind: 'generated', keyEncryptionKey, attemptTransferSecret },
      database: { kind: 'postgres', url: 'postgres://trellis:pw@db:5432/trellis' },
    });
    assertValid(objects);
    const data = objectOf<V1Secret>(objects, 'Secret').data ?? {};
    assert.deepEqual(Buffer.from(data[keyFiles.keyEncryptionKey] ?? '', 'base64'), keyEncryptionKey);
    const transfer = Buffer.from(data[keyFiles.attemptTransferSecret] ?? '', 'base64').toString('utf8');
    assert.deepEqual(Buffer.from(transfer.trim(), 'base64url'), attemptTransferSecret);
    assert.equal(Buffer.from(data.TRELLIS_DATABASE_URL ?? '', 'base64').toString(), 'postgres://trellis:pw@db:5432/trellis');
    const keys = objectOf<V1Deployment>(objects, 'Deployment').spec!.template.spec!.volumes!.find((volume) => volume.name === 'keys');
    assert.equal(keys?.secret?.secretName, 'trellis-secrets');
  });

  it("renders S3 credentials from the user's Secret, and a Role per namespace where the servers run jobs in the cluster", () => {
    const { objects } = renderInstallManifests(
      options({
        replicas: 2,
        database: { kind: 'postgres-secret', secret: { name: 'pg', key: 'url' } },
        objectStore: {
          kind: 's3',
          url: 's3://trellis-bucket/trellis',
          endpoint: 'http://minio.storage:9000',
          region: 'us-east-1',
          credentialsSecret: 's3-keys',
        },
        keys: { kind: 'secret', secret: 'trellis-keys' },
        computeNamespaces: ['ml-jobs', 'ml-serving'],
        oidc: { issuer: 'https://login.example.com/tenant', audience: 'api://trellis', clientId: 'studio' },
        extraEnv: { TRELLIS_JOB_GRACE_SECONDS: '30' },
      }),
    );
    assertValid(objects);
    assert.equal(objects.filter((object) => object.kind === 'Role').length, 2);
    assert.equal(
      objects.some((object) => object.kind === 'Secret'),
      false,
      'every credential is in a Secret of the user',
    );
    const pod = objectOf<V1Deployment>(objects, 'Deployment').spec!.template.spec!;
    assert.equal(pod.automountServiceAccountToken, true);
    const env = pod.containers[0]!.env ?? [];
    assert.deepEqual(env.find((entry) => entry.name === 'TRELLIS_DATABASE_URL')?.valueFrom?.secretKeyRef, { name: 'pg', key: 'url' });
    assert.deepEqual(env.find((entry) => entry.name === 'TRELLIS_S3_SECRET_ACCESS_KEY')?.valueFrom?.secretKeyRef, {
      name: 's3-keys',
      key: 'TRELLIS_S3_SECRET_ACCESS_KEY',
    });
    assert.equal(env.find((entry) => entry.name === 'TRELLIS_OIDC_CLIENT_SECRET')?.valueFrom?.secretKeyRef?.optional, true);
    const config = objectOf<V1ConfigMap>(objects, 'ConfigMap').data!;
    assert.equal(config.TRELLIS_S3_ENDPOINT, 'http://minio.storage:9000');
    assert.equal(config.TRELLIS_S3_BUCKET, 'trellis-bucket');
    assert.equal(config.TRELLIS_S3_REGION, 'us-east-1');
    assert.equal(config.TRELLIS_JOB_GRACE_SECONDS, '30');
    assert.equal(config.TRELLIS_OIDC_ISSUER, 'https://login.example.com/tenant');
  });

  it("renders an S3 store whose credentials come from the pod's identity (credential none) with no credential at all", () => {
    const { objects } = renderInstallManifests({
      ...scaleOut,
      database: { kind: 'postgres-secret', secret: { name: 'pg', key: 'database-url' } },
      objectStore: { kind: 's3', url: 's3://trellis-bucket', credential: 'none' },
    });
    assertValid(objects);
    assert.equal(
      objects.some((object) => object.kind === 'Secret'),
      false,
    );
    const env = objectOf<V1Deployment>(objects, 'Deployment').spec!.template.spec!.containers[0]!.env ?? [];
    assert.deepEqual(
      env.map((entry) => entry.name),
      ['HOME', 'TRELLIS_DATABASE_URL'],
    );
  });

  it('fails the schema check when a field is misspelt or mistyped, so a passing check means something', () => {
    const deployment = JSON.stringify(objectOf<V1Deployment>(renderInstallManifests(options()).objects, 'Deployment'));
    const misspelt: unknown = JSON.parse(deployment.replace('"readinessProbe"', '"readinesProbe"'));
    assert.match(kubernetesSchemaErrors('Deployment', misspelt).join('\n'), /additional properties: readinesProbe/);
    assert.notDeepEqual(kubernetesSchemaErrors('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', data: { TRELLIS_PORT: 5050 } }), []);
    assert.notDeepEqual(kubernetesSchemaErrors('Secret', { apiVersion: 'v1', kind: 'Secret', data: { key: 'not base64!' } }), []);
  });
});

describe('Trellis on Kubernetes: options that do not make sense', () => {
  const pathsOf = (given: InstallOptions) => installProblems(given).map((problem) => problem.path);

  it('refuses several servers on SQLite or local artifacts, naming the flags to add', () => {
    const [problem] = installProblems(options({ replicas: 3 }));
    assert.equal(problem?.path, '--replicas');
    assert.match(problem?.message ?? '', /--database-url-secret/);
    assert.match(problem?.message ?? '', /--object-store azure_blob\|s3/);
    const local = installProblems(options({ replicas: 2, database: { kind: 'postgres' } }))[0]?.message ?? '';
    assert.match(local, /--object-store/);
    assert.doesNotMatch(local, /--database-url-secret/);
  });

  it('asks where the shared key files come from, and refuses them where the data volume holds them', () => {
    assert.deepEqual(pathsOf({ ...scaleOut, keys: undefined }), ['--keys-secret']);
    assert.deepEqual(pathsOf(options({ keys: { kind: 'secret', secret: 'trellis-keys' } })), ['--keys-secret']);
  });

  it('keeps credentials out of the ConfigMap and checks names, quantities and URLs', () => {
    assert.deepEqual(pathsOf(options({ extraEnv: { TRELLIS_DATABASE_URL: 'postgres://x' } })), ['--env']);
    assert.deepEqual(pathsOf(options({ extraEnv: { TRELLIS_PUBLIC_URL: 'http://x' } })), ['--env']);
    assert.deepEqual(pathsOf(options({ resources: { cpu: 'lots', memory: '2Gi' } })), ['--cpu']);
    assert.deepEqual(pathsOf(options({ name: 'Trellis' })), ['--name']);
    assert.deepEqual(pathsOf(options({ publicUrl: 'ftp://x' })), ['--public-url']);
    assert.deepEqual(pathsOf({ ...scaleOut, objectStore: { kind: 's3', url: 'https://bucket' } }), ['--object-store-url']);
    assert.deepEqual(pathsOf({ ...scaleOut, objectStore: { kind: 'azure_blob', url: 'https://account.blob.core.windows.net/Bad_Name' } }), [
      '--object-store-url',
    ]);
    assert.deepEqual(pathsOf({ ...scaleOut, objectStore: { kind: 's3', url: 's3://bucket', credential: 'sas-token' } }), [
      '--object-store-credential',
    ]);
    assert.deepEqual(pathsOf(options({ replicas: 0 })), ['--replicas']);
  });
});

describe('Trellis on Kubernetes: YAML and the command line', () => {
  it('writes a stream that reads back as the same objects, and a kustomize folder that lists every file in apply order', () => {
    const { objects } = renderInstallManifests({ ...scaleOut, computeNamespaces: ['a', 'b'] });
    const stream = manifestStream(objects, installCommandLine(scaleOut));
    const documents = parseAllDocuments(stream, { version: '1.1' });
    assert.ok(Array.isArray(documents));
    assert.deepEqual(
      documents.map((document) => document.toJS()),
      JSON.parse(JSON.stringify(objects)),
    );
    const files = manifestFolder(objects, 'trellis kubernetes manifests');
    const kustomization = files.get('kustomization.yaml') ?? '';
    assert.deepEqual([...files.keys()].slice(0, 5), [
      'serviceaccount.yaml',
      'role-a.yaml',
      'rolebinding-a.yaml',
      'role-b.yaml',
      'rolebinding-b.yaml',
    ]);
    for (const file of files.keys()) if (file !== 'kustomization.yaml') assert.ok(kustomization.includes(`- ${file}`), file);
  });

  it('says the command that renders the options, flags that differ from the defaults only, no credential', () => {
    assert.equal(installCommandLine(options()), 'trellis kubernetes manifests');
    assert.equal(
      installCommandLine(options({ database: { kind: 'postgres', url: 'postgres://u:secret@db/trellis' }, replicas: 1 })),
      'trellis kubernetes manifests --database-url URL',
    );
    assert.match(installCommandLine(scaleOut), /--replicas 3 --database postgres --object-store azure_blob .* --keys-secret trellis-keys/);
  });
});
