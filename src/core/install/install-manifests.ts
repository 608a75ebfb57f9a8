import type {
  KubernetesObject,
  V1ConfigMap,
  V1Deployment,
  V1EnvVar,
  V1Ingress,
  V1PersistentVolumeClaim,
  V1PodDisruptionBudget,
  V1Role,
  V1RoleBinding,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { digestOf } from '../resources/digest.js';
import { type InstallOptions, usesDataVolume } from './install-options.js';
import { credentialDescriptions, credentialOf, objectStoreConfig, objectStoreCredentialVariables } from './object-store-env.js';

/**
 * Trellis itself on Kubernetes, rendered from checked options (install-options.ts). Pure: the
 * objects as the API server takes them, in the order they are best applied. The servers read
 * their TRELLIS_* settings from a ConfigMap and every credential from a Secret by secretKeyRef;
 * their state is either one pod's persistent volume (SQLite, local artifacts: one replica) or
 * PostgreSQL and an object store, with the key files every server must share mounted from a Secret.
 */

/** The server's data directory in the pod (TRELLIS_HOME). */
export const podHome = '/var/lib/trellis';
/** The port the server listens on in the pod; the Service answers on 80. */
export const serverPort = 5050;
/** The non-root user (and group) the image runs as. */
export const serverUser = 10001;
/** The Secret keys of the key files: the names Trellis reads under TRELLIS_HOME (keys/, secrets/). */
export const keyFiles = { keyEncryptionKey: 'kek-1.key', attemptTransferSecret: 'attempt-transfer.key' } as const;
/** Text a user replaces in the rendered Secret before applying it. */
export const placeholderPrefix = 'REPLACE-ME';

export interface InstallManifests {
  /** Every object, in apply order: identities and configuration first, then the server and the ways in. */
  objects: KubernetesObject[];
  /** What the reader must still do before these objects run (fill the Secret, make the Secret named...). */
  notes: string[];
}

/** The objects that run Trellis as described by `options` (already checked by checkInstallOptions). */
export function renderInstallManifests(options: InstallOptions): InstallManifests {
  const { name, namespace } = options;
  const labels = labelsOf(options);
  const metadata = (suffix: string, extra: Record<string, string> = {}) => ({
    name: suffix ? `${name}-${suffix}` : name,
    namespace,
    labels: { ...labels, ...extra },
  });
  const hasDataVolume = usesDataVolume(options);
  const inCluster = options.computeNamespaces.length > 0;
  const notes: string[] = [];

  const serviceAccount: V1ServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: metadata(''),
    // The token is mounted only where the servers run jobs in this cluster with it (--compute-namespace).
    automountServiceAccountToken: inCluster,
  };

  const config: V1ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata('config'),
    data: configOf(options),
  };

  const rendered = renderedSecretOf(options, notes);
  const secretName = `${name}-secrets`;
  const secret: V1Secret | undefined =
    rendered.data || rendered.stringData
      ? {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'Opaque',
          metadata: metadata('secrets'),
          ...(rendered.data ? { data: rendered.data } : {}),
          ...(rendered.stringData ? { stringData: rendered.stringData } : {}),
        }
      : undefined;

  const claim: V1PersistentVolumeClaim | undefined = hasDataVolume
    ? {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: metadata('data'),
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: options.storage.size } },
          ...(options.storage.className ? { storageClassName: options.storage.className } : {}),
        },
      }
    : undefined;

  const selector = selectorOf(options);
  const deployment: V1Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(''),
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: selector },
      // One pod owns a ReadWriteOnce volume (and SQLite allows one writer): the old pod goes before the new one starts.
      strategy: hasDataVolume ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels,
          // A changed ConfigMap rolls the pods: they read it only when they start.
          annotations: { 'trellis.dev/config-digest': digestOf(config.data) },
        },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: inCluster,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: serverUser,
            runAsGroup: serverUser,
            fsGroup: serverUser,
            // Only the volume's root is checked: a large data volume is not walked at every start.
            fsGroupChangePolicy: 'OnRootMismatch',
            seccompProfile: { type: 'RuntimeDefault' },
          },
          // Calls in flight finish and the controllers stop cleanly on TERM; jobs' processes get TRELLIS_JOB_GRACE_SECONDS.
          terminationGracePeriodSeconds: 60,
          ...(options.replicas > 1
            ? {
                topologySpreadConstraints: [
                  {
                    maxSkew: 1,
                    topologyKey: 'kubernetes.io/hostname',
                    whenUnsatisfiable: 'ScheduleAnyway',
                    labelSelector: { matchLabels: selector },
                  },
                  {
                    maxSkew: 1,
                    topologyKey: 'topology.kubernetes.io/zone',
                    whenUnsatisfiable: 'ScheduleAnyway',
                    labelSelector: { matchLabels: selector },
                  },
                ],
              }
            : {}),
          containers: [
            {
              name: 'trellis',
              image: options.image,
              args: ['up'],
              ports: [{ name: 'http', containerPort: serverPort, protocol: 'TCP' }],
              envFrom: [{ configMapRef: { name: `${name}-config` } }],
              env: secretEnvOf(options, secretName),
              // The server answers /healthz once it listens, which is after the database is migrated: a first start may take long.
              startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
              // Ready when the database answers and its migrations are applied; a server that loses it leaves the Service.
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
              resources: {
                requests: { cpu: options.resources.cpu, memory: options.resources.memory },
                limits: { memory: options.resources.memory },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: volumeMountsOf(options),
            },
          ],
          volumes: volumesOf(options, secretName),
        },
      },
    },
  };

  const service: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(''),
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };

  const disruptionBudget: V1PodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata(''),
    // One server at a time may be evicted (a node drain): with several, the others keep answering.
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  };

  const ingress: V1Ingress | undefined = options.ingress
    ? {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          ...metadata(''),
          ...(options.ingress.className === 'nginx'
            ? {
                annotations: {
                  // Uploads (models, data, results of pods) are streamed and may be large; log streams (SSE) stay open.
                  'nginx.ingress.kubernetes.io/proxy-body-size': '0',
                  'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
                  'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off',
                },
              }
            : {}),
        },
        spec: {
          ...(options.ingress.className ? { ingressClassName: options.ingress.className } : {}),
          ...(options.ingress.tlsSecret ? { tls: [{ hosts: [options.ingress.host], secretName: options.ingress.tlsSecret }] } : {}),
          rules: [
            {
              host: options.ingress.host,
              http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] },
            },
          ],
        },
      }
    : undefined;

  const access = options.computeNamespaces.flatMap((computeNamespace) => computeAccessOf(options, computeNamespace));

  if (options.database.kind === 'postgres-secret')
    notes.push(
      `Secret ${options.database.secret.name} in namespace ${namespace} must hold the PostgreSQL URL under key ${options.database.secret.key}.`,
    );
  if (options.objectStore.credentialsSecret)
    notes.push(
      `Secret ${options.objectStore.credentialsSecret} in namespace ${namespace} must hold ${objectStoreCredentialVariables[credentialOf(options.objectStore)].join(' and ')}.`,
    );
  if (options.keys?.kind === 'secret')
    notes.push(
      `Secret ${options.keys.secret} in namespace ${namespace} must hold ${keyFiles.keyEncryptionKey} and ${keyFiles.attemptTransferSecret}.`,
    );
  if (options.keys?.kind === 'generated')
    notes.push(
      `The Secret ${secretName} holds the servers' key-encryption key: keep a copy outside the cluster; without it the secrets sealed in the database cannot be read.`,
    );
  if (options.replicas > 1)
    notes.push(
      `${options.replicas} servers share PostgreSQL and the object store: what several servers need of each other is in docs/running-for-a-team.md.`,
    );

  const objects: KubernetesObject[] = [
    serviceAccount,
    ...access,
    config,
    ...(secret ? [secret] : []),
    ...(claim ? [claim] : []),
    deployment,
    service,
    disruptionBudget,
    ...(ingress ? [ingress] : []),
  ];
  return { objects, notes };
}

/** The labels of every object: app.kubernetes.io's recommended ones. */
function labelsOf(options: InstallOptions): Record<string, string> {
  return { ...selectorOf(options), 'app.kubernetes.io/managed-by': 'trellis' };
}

/** What the Service, the Deployment and the budget select the servers' pods by (stable across versions). */
function selectorOf(options: InstallOptions): Record<string, string> {
  return { 'app.kubernetes.io/name': 'trellis', 'app.kubernetes.io/instance': options.name, 'app.kubernetes.io/component': 'server' };
}

/** The address the servers hand out: the Ingress's when there is one, else the Service's in the cluster. */
export function publicUrlOf(options: InstallOptions): string {
  if (options.publicUrl) return options.publicUrl.replace(/\/+$/, '');
  if (options.ingress) return `${options.ingress.tlsSecret ? 'https' : 'http'}://${options.ingress.host}`;
  return `http://${options.name}.${options.namespace}.svc`;
}

/** The ConfigMap's settings: everything the servers read that is no secret, sorted. */
function configOf(options: InstallOptions): Record<string, string> {
  const { name, namespace } = options;
  const serviceNames = [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`];
  const store = options.objectStore;
  const settings: Record<string, string> = {
    TRELLIS_HOME: podHome,
    TRELLIS_HOST: '0.0.0.0',
    TRELLIS_PORT: String(serverPort),
    // Listening beyond loopback: every caller shows credentials (a token, or OpenID Connect).
    TRELLIS_DISABLE_LOCAL_AUTH: 'true',
    TRELLIS_PUBLIC_URL: publicUrlOf(options),
    // The Service's names, for pods and clients in the cluster; the public URL's host is allowed without being listed.
    TRELLIS_ALLOWED_HOSTS: [...serviceNames, ...(options.ingress ? [options.ingress.host] : [])].join(','),
    TRELLIS_LOG_LEVEL: 'info',
    ...objectStoreConfig(store),
    ...(options.oidc
      ? {
          TRELLIS_OIDC_ISSUER: options.oidc.issuer,
          TRELLIS_OIDC_AUDIENCE: options.oidc.audience,
          ...(options.oidc.clientId ? { TRELLIS_OIDC_CLIENT_ID: options.oidc.clientId } : {}),
        }
      : {}),
    ...options.extraEnv,
  };
  return Object.fromEntries(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b)));
}

/** What the rendered Secret holds: values given (base64 in data) and placeholders to replace (readable, in stringData). */
function renderedSecretOf(
  options: InstallOptions,
  notes: string[],
): { data?: Record<string, string> | undefined; stringData?: Record<string, string> | undefined } {
  const data: Record<string, string> = {};
  const stringData: Record<string, string> = {};
  const secretName = `${options.name}-secrets`;
  if (options.database.kind === 'postgres') {
    if (options.database.url !== undefined) data.TRELLIS_DATABASE_URL = base64(options.database.url);
    else stringData.TRELLIS_DATABASE_URL = `${placeholderPrefix} postgres://USER:PASSWORD@HOST:5432/DATABASE`;
  }
  const store = options.objectStore;
  if (store.kind !== 'local' && !store.credentialsSecret)
    for (const variable of objectStoreCredentialVariables[credentialOf(store)])
      stringData[variable] = `${placeholderPrefix} ${credentialDescriptions[variable] ?? variable}`;
  if (options.keys?.kind === 'generated') {
    data[keyFiles.keyEncryptionKey] = options.keys.keyEncryptionKey.toString('base64');
    // Trellis reads this file as base64url text.
    data[keyFiles.attemptTransferSecret] = base64(`${options.keys.attemptTransferSecret.toString('base64url')}\n`);
  }
  if (Object.keys(stringData).length > 0)
    notes.push(
      `Replace each ${placeholderPrefix} value in Secret ${secretName} (${Object.keys(stringData).sort().join(', ')}) before applying it.`,
    );
  return {
    data: Object.keys(data).length > 0 ? sorted(data) : undefined,
    stringData: Object.keys(stringData).length > 0 ? sorted(stringData) : undefined,
  };
}

/** The container's credentials, each by reference to the Secret that holds it (never a value in the Deployment). */
function secretEnvOf(options: InstallOptions, renderedSecret: string): V1EnvVar[] {
  const reference = (variable: string, secret: string, key: string, optional = false): V1EnvVar => ({
    name: variable,
    valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional: true } : {}) } },
  });
  const env: V1EnvVar[] = [
    // Tools the server runs (pip, venv builds) write under HOME; the root file system is read-only.
    { name: 'HOME', value: '/tmp' },
  ];
  if (options.database.kind === 'postgres') env.push(reference('TRELLIS_DATABASE_URL', renderedSecret, 'TRELLIS_DATABASE_URL'));
  if (options.database.kind === 'postgres-secret')
    env.push(reference('TRELLIS_DATABASE_URL', options.database.secret.name, options.database.secret.key));
  const store = options.objectStore;
  for (const variable of store.kind === 'local' ? [] : objectStoreCredentialVariables[credentialOf(store)])
    env.push(reference(variable, store.credentialsSecret ?? renderedSecret, variable));
  // A confidential OpenID Connect client's secret: add it to the Secret when the client has one.
  if (options.oidc?.clientId) env.push(reference('TRELLIS_OIDC_CLIENT_SECRET', renderedSecret, 'TRELLIS_OIDC_CLIENT_SECRET', true));
  return env;
}

function volumeMountsOf(options: InstallOptions): V1VolumeMount[] {
  return [
    { name: 'data', mountPath: podHome },
    { name: 'tmp', mountPath: '/tmp' },
    ...(usesDataVolume(options)
      ? []
      : [
          { name: 'keys', mountPath: `${podHome}/keys`, readOnly: true },
          { name: 'transfer-secret', mountPath: `${podHome}/secrets`, readOnly: true },
        ]),
  ];
}

function volumesOf(options: InstallOptions, renderedSecret: string): V1Volume[] {
  const keysSecret = options.keys?.kind === 'secret' ? options.keys.secret : renderedSecret;
  // Readable by the server's group (fsGroup) only: 0440.
  const keyMode = 0o440;
  return [
    usesDataVolume(options)
      ? { name: 'data', persistentVolumeClaim: { claimName: `${options.name}-data` } }
      : // Scratch only (jobs' folders being prepared, built environments): the state is in PostgreSQL and the object store.
        { name: 'data', emptyDir: {} },
    { name: 'tmp', emptyDir: {} },
    ...(usesDataVolume(options)
      ? []
      : [
          {
            name: 'keys',
            secret: {
              secretName: keysSecret,
              defaultMode: keyMode,
              items: [{ key: keyFiles.keyEncryptionKey, path: keyFiles.keyEncryptionKey }],
            },
          },
          {
            name: 'transfer-secret',
            secret: {
              secretName: keysSecret,
              defaultMode: keyMode,
              items: [{ key: keyFiles.attemptTransferSecret, path: keyFiles.attemptTransferSecret }],
            },
          },
        ]),
  ];
}

/**
 * What the servers' service account may do in a namespace where they run jobs and online
 * deployments with it (a `type: kubernetes` compute without a kubeconfig of its own): exactly the
 * calls of the Kubernetes backends.
 */
function computeAccessOf(options: InstallOptions, computeNamespace: string): [V1Role, V1RoleBinding] {
  const roleName = `${options.name}-compute`;
  const labels = labelsOf(options);
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: roleName, namespace: computeNamespace, labels },
      rules: [
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'delete'] },
        { apiGroups: ['batch'], resources: ['jobs/status'], verbs: ['get'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['create', 'get', 'update', 'delete'] },
        { apiGroups: [''], resources: ['services', 'secrets'], verbs: ['create', 'get', 'update', 'delete'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: roleName, namespace: computeNamespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: options.name, namespace: options.namespace }],
    },
  ];
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
