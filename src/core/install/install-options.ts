import { TrellisError, type Problem } from '../errors.js';
import {
  type ObjectStoreOptions,
  objectStoreCredentialVariables,
  objectStoreProblems,
  objectStoreSettingVariables,
} from './object-store-env.js';

/**
 * What `trellis kubernetes manifests` is asked to render: Trellis itself as a Kubernetes
 * Deployment, with where its state lives (SQLite and files on a volume, or PostgreSQL and an
 * object store shared by several servers), how it is reached, and where its secrets come from.
 * `checkInstallOptions` is the one place that says which combinations make sense.
 */

/** A key of a Secret the user made (or will make) themselves: `<name>` or `<name>:<key>`. */
export interface SecretReference {
  name: string;
  key: string;
}

export interface InstallOptions {
  /** Prefix of every object's name and the app.kubernetes.io/instance label. */
  name: string;
  namespace: string;
  image: string;
  replicas: number;
  /**
   * The metadata database: SQLite on the data volume; PostgreSQL whose URL the rendered Secret
   * holds (filled from `url`, or a placeholder to fill); or PostgreSQL whose URL is in a Secret of the user's.
   */
  database: { kind: 'sqlite' } | { kind: 'postgres'; url?: string | undefined } | { kind: 'postgres-secret'; secret: SecretReference };
  /** Where artifacts live: the data volume (`local`), or an object store every server reaches. */
  objectStore: ObjectStoreOptions;
  /** The address users, clients and pods of attached clusters reach Trellis at; default: the Ingress's, else the Service's. */
  publicUrl?: string | undefined;
  ingress?: { host: string; className?: string | undefined; tlsSecret?: string | undefined } | undefined;
  /**
   * Where the servers' key files (the key-encryption key, the attempt-transfer secret) come from
   * when the data volume is not a persistent one: a Secret of the user's, or random keys in the
   * rendered Secret (`generated`, filled in by the caller, who has the randomness).
   */
  keys?: { kind: 'secret'; secret: string } | { kind: 'generated'; keyEncryptionKey: Buffer; attemptTransferSecret: Buffer } | undefined;
  resources: { cpu: string; memory: string };
  /** Size and class of the data volume (one replica on SQLite or local artifacts). */
  storage: { size: string; className?: string | undefined };
  oidc?: { issuer: string; audience: string; clientId?: string | undefined } | undefined;
  /** More TRELLIS_* settings for the ConfigMap, by variable. */
  extraEnv: Record<string, string>;
  /** Namespaces the servers run jobs and online deployments in with the pod's own service account: a Role and RoleBinding each. */
  computeNamespaces: string[];
}

export const installDefaults = {
  name: 'trellis',
  namespace: 'trellis',
  image: 'trellis:0.1.0',
  replicas: 1,
  cpu: '500m',
  memory: '2Gi',
  storageSize: '20Gi',
} as const;

/** Variables that carry credentials: they go in a Secret, never in the ConfigMap. */
export const secretVariables: readonly string[] = [
  'TRELLIS_DATABASE_URL',
  'TRELLIS_OIDC_CLIENT_SECRET',
  'TRELLIS_ALERTMANAGER_URL',
  'TRELLIS_PKCS11_PIN',
  'TRELLIS_TOKEN',
  ...Object.values(objectStoreCredentialVariables).flat(),
  // The AWS SDK's own, which the S3 store falls back to.
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
];

/** Variables the rendering sets itself, from the options: `--env` may not set them. */
export const renderedVariables: readonly string[] = [
  'TRELLIS_HOME',
  'TRELLIS_HOST',
  'TRELLIS_PORT',
  'TRELLIS_DISABLE_LOCAL_AUTH',
  'TRELLIS_PUBLIC_URL',
  'TRELLIS_ALLOWED_HOSTS',
  'TRELLIS_OIDC_ISSUER',
  'TRELLIS_OIDC_AUDIENCE',
  'TRELLIS_OIDC_CLIENT_ID',
  ...objectStoreSettingVariables,
];

/** Whether the servers' state (SQLite, artifacts, keys) lives on a persistent volume of one pod: then only one replica can run. */
export function usesDataVolume(options: Pick<InstallOptions, 'database' | 'objectStore'>): boolean {
  return options.database.kind === 'sqlite' || options.objectStore.kind === 'local';
}

const dnsLabel = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const namespaceLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const hostName = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource), the decimal and binary suffixes.
const quantity = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/**
 * Every problem of a set of options, each naming the flag to change; empty when they render.
 * Pure. Several servers need state they share: PostgreSQL, an object store, and keys in a Secret.
 */
export function installProblems(options: InstallOptions): Problem[] {
  const problems: Problem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  // The longest suffix added to the name is '-compute-<namespace>'s RoleBinding; 40 leaves room for generated pod names.
  if (!dnsLabel.test(options.name) || options.name.length > 40)
    problem(
      '--name',
      `'${options.name}' is not a name Kubernetes takes: lower-case letters, digits and '-', starting with a letter, at most 40`,
    );
  for (const [flag, namespace] of [
    ['--namespace', options.namespace],
    ...options.computeNamespaces.map((ns) => ['--compute-namespace', ns]),
  ] as const)
    if (!namespaceLabel.test(namespace) || namespace.length > 63)
      problem(flag, `'${namespace}' is not a namespace name: lower-case letters, digits and '-', at most 63`);
  if (!options.image.trim() || /\s/.test(options.image))
    problem('--image', `'${options.image}' is not an image reference, e.g. registry.example.com/trellis:0.1.0`);
  if (!Number.isInteger(options.replicas) || options.replicas < 1 || options.replicas > 100)
    problem('--replicas', `must be a whole number from 1 to 100, got ${options.replicas}`);
  for (const [flag, value] of [
    ['--cpu', options.resources.cpu],
    ['--memory', options.resources.memory],
    ['--storage-size', options.storage.size],
  ] as const)
    if (!quantity.test(value)) problem(flag, `'${value}' is not a Kubernetes quantity, e.g. 500m, 2, 2Gi, 512Mi`);
  if (options.replicas > 1 && usesDataVolume(options)) {
    const missing = [
      ...(options.database.kind === 'sqlite'
        ? [
            '--database-url-secret NAME[:KEY] (a Secret of yours with the PostgreSQL URL) or --database postgres (the URL filled into the rendered Secret)',
          ]
        : []),
      ...(options.objectStore.kind === 'local' ? ['--object-store azure_blob|s3 with --object-store-url URL'] : []),
    ];
    problem(
      '--replicas',
      `${options.replicas} servers need PostgreSQL and an object store that every server reaches; SQLite and local artifacts live on one pod's volume. Add ${missing.join(', and ')}; or render --replicas 1`,
    );
  }
  if (!usesDataVolume(options) && options.keys === undefined)
    problem(
      '--keys-secret',
      'servers without a data volume of their own need their key files from a Secret, shared by every server and kept across restarts: give --keys-secret NAME (a Secret you made with kek-1.key and attempt-transfer.key, see deploy/kubernetes/README.md), or --generate-keys to render random ones into the Secret',
    );
  if (usesDataVolume(options) && options.keys !== undefined)
    problem(
      options.keys.kind === 'secret' ? '--keys-secret' : '--generate-keys',
      'with SQLite or local artifacts the key files live on the data volume beside the data they protect (Trellis makes them at first start); leave the flag out',
    );
  const store = options.objectStore;
  problems.push(...objectStoreProblems(store));
  for (const [flag, url] of [
    ['--public-url', options.publicUrl],
    ['--oidc-issuer', options.oidc?.issuer],
  ] as const)
    if (url !== undefined && (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)))
      problem(flag, `'${url}' is not an http(s) URL`);
  if (options.database.kind === 'postgres' && options.database.url !== undefined && !/^postgres(ql)?:\/\//.test(options.database.url))
    problem('--database-url', 'must be a PostgreSQL URL: postgres://USER:PASSWORD@HOST:5432/DATABASE');
  for (const [flag, secret] of [
    ['--database-url-secret', options.database.kind === 'postgres-secret' ? options.database.secret.name : undefined],
    ['--object-store-secret', store.credentialsSecret],
    ['--keys-secret', options.keys?.kind === 'secret' ? options.keys.secret : undefined],
    ['--ingress-tls-secret', options.ingress?.tlsSecret],
  ] as const)
    if (secret !== undefined && !namespaceLabel.test(secret.replace(/\./g, '-'))) problem(flag, `'${secret}' is not a Secret name`);
  if (options.ingress && !hostName.test(options.ingress.host))
    problem('--ingress-host', `'${options.ingress.host}' is not a host name, e.g. trellis.example.com`);
  if (options.oidc && !options.oidc.audience) problem('--oidc-audience', 'is needed with --oidc-issuer: the audience tokens must carry');
  for (const variable of Object.keys(options.extraEnv)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(variable)) problem('--env', `'${variable}' is not a variable name`);
    else if (secretVariables.includes(variable))
      problem(
        '--env',
        `${variable} carries a credential: it goes in the Secret, not the ConfigMap; set it there (see deploy/kubernetes/README.md)`,
      );
    else if (renderedVariables.includes(variable)) problem('--env', `${variable} is set from the other flags; use them`);
  }
  return problems;
}

/** Throws one TrellisError listing every problem of `options`; returns them unchanged when they render. */
export function checkInstallOptions(options: InstallOptions): InstallOptions {
  const problems = installProblems(options);
  if (problems.length > 0) {
    const lines = problems.map((problem) => `  ${problem.path}: ${problem.message}`);
    throw new TrellisError('InvalidInstallOptions', 400, `these manifests cannot be rendered; change the flags:\n${lines.join('\n')}`, {
      problems,
    });
  }
  return options;
}
