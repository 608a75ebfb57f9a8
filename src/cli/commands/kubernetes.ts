import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { unlessMissing } from '../../core/error-codes.js';
import { TrellisError } from '../../core/errors.js';
import { installCommandLine } from '../../core/install/install-command-line.js';
import { renderInstallManifests } from '../../core/install/install-manifests.js';
import { checkInstallOptions, type InstallOptions, installDefaults, type SecretReference } from '../../core/install/install-options.js';
import { manifestFolder, manifestStream } from '../../core/install/manifest-files.js';
import type { ObjectStoreCredential, ObjectStoreKind } from '../../core/install/object-store-env.js';

interface ManifestFlags {
  name: string;
  namespace: string;
  image: string;
  replicas: string;
  database?: 'sqlite' | 'postgres';
  databaseUrl?: string;
  databaseUrlSecret?: string;
  objectStore: ObjectStoreKind;
  objectStoreUrl?: string;
  objectStoreEndpoint?: string;
  objectStoreRegion?: string;
  objectStoreCredential?: ObjectStoreCredential;
  objectStoreSecret?: string;
  keysSecret?: string;
  generateKeys?: boolean;
  publicUrl?: string;
  ingressHost?: string;
  ingressClass?: string;
  ingressTlsSecret?: string;
  cpu: string;
  memory: string;
  storageSize: string;
  storageClass?: string;
  oidcIssuer?: string;
  oidcAudience?: string;
  oidcClientId?: string;
  computeNamespace: string[];
  env: string[];
  outputDir?: string;
}

/** The rendering's options from the flags; the randomness of --generate-keys comes from `random`. */
export function installOptionsFromFlags(flags: ManifestFlags, random: (bytes: number) => Buffer = randomBytes): InstallOptions {
  const problems: string[] = [];
  if ([flags.database === 'postgres', flags.databaseUrl !== undefined, flags.databaseUrlSecret !== undefined].filter(Boolean).length > 1)
    problems.push('--database postgres, --database-url and --database-url-secret: give one');
  if (flags.database === 'sqlite' && (flags.databaseUrl !== undefined || flags.databaseUrlSecret !== undefined))
    problems.push('--database sqlite takes no --database-url or --database-url-secret');
  if (flags.keysSecret && flags.generateKeys) problems.push('--keys-secret and --generate-keys: give one');
  const extraEnv: Record<string, string> = {};
  for (const entry of flags.env) {
    const equals = entry.indexOf('=');
    if (equals <= 0) problems.push(`--env ${entry}: write NAME=VALUE`);
    else extraEnv[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  if ((flags.oidcAudience || flags.oidcClientId) && !flags.oidcIssuer)
    problems.push('--oidc-audience and --oidc-client-id need --oidc-issuer');
  if ((flags.ingressClass || flags.ingressTlsSecret) && !flags.ingressHost)
    problems.push('--ingress-class and --ingress-tls-secret need --ingress-host');
  if (problems.length > 0)
    throw new TrellisError(
      'InvalidFlags',
      400,
      `these flags do not go together; change them:\n${problems.map((line) => `  ${line}`).join('\n')}`,
    );
  const database: InstallOptions['database'] = flags.databaseUrlSecret
    ? { kind: 'postgres-secret', secret: secretReference(flags.databaseUrlSecret, 'database-url') }
    : flags.databaseUrl !== undefined
      ? { kind: 'postgres', url: flags.databaseUrl }
      : flags.database === 'postgres'
        ? { kind: 'postgres' }
        : { kind: 'sqlite' };
  return {
    name: flags.name,
    namespace: flags.namespace,
    image: flags.image,
    replicas: Number(flags.replicas),
    database,
    objectStore: {
      kind: flags.objectStore,
      url: flags.objectStoreUrl,
      endpoint: flags.objectStoreEndpoint,
      region: flags.objectStoreRegion,
      credential: flags.objectStoreCredential,
      credentialsSecret: flags.objectStoreSecret,
    },
    publicUrl: flags.publicUrl,
    ingress: flags.ingressHost ? { host: flags.ingressHost, className: flags.ingressClass, tlsSecret: flags.ingressTlsSecret } : undefined,
    keys: flags.keysSecret
      ? { kind: 'secret', secret: flags.keysSecret }
      : flags.generateKeys
        ? { kind: 'generated', keyEncryptionKey: random(32), attemptTransferSecret: random(32) }
        : undefined,
    resources: { cpu: flags.cpu, memory: flags.memory },
    storage: { size: flags.storageSize, className: flags.storageClass },
    oidc: flags.oidcIssuer ? { issuer: flags.oidcIssuer, audience: flags.oidcAudience ?? '', clientId: flags.oidcClientId } : undefined,
    extraEnv,
    computeNamespaces: flags.computeNamespace,
  };
}

/** `NAME` or `NAME:KEY` of a Secret. */
function secretReference(text: string, defaultKey: string): SecretReference {
  const [name = '', key] = text.split(':', 2);
  return { name, key: key || defaultKey };
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** trellis kubernetes manifests: Trellis itself on a Kubernetes cluster, rendered as YAML (nothing is applied). */
export function registerKubernetes(program: Command): void {
  const group = program.command('kubernetes').description('run Trellis itself on Kubernetes');
  group
    .command('manifests')
    .description(
      'render the Kubernetes objects that run Trellis (ServiceAccount, ConfigMap, Secret, volume, Deployment, Service, PodDisruptionBudget, Ingress) as YAML on stdout, or as a kustomize folder with --output-dir; nothing is sent to a cluster',
    )
    .option('--name <name>', 'prefix of every object name', installDefaults.name)
    .option('--namespace <namespace>', 'namespace of the objects', installDefaults.namespace)
    .option('--image <image>', 'the Trellis image (built from deploy/container/Dockerfile)', installDefaults.image)
    .option('--replicas <n>', 'servers; more than 1 needs PostgreSQL and an object store', String(installDefaults.replicas))
    .addOption(
      new Option('--database <kind>', 'sqlite (on the data volume) or postgres (its URL a placeholder in the rendered Secret)').choices([
        'sqlite',
        'postgres',
      ]),
    )
    .option('--database-url <url>', 'PostgreSQL URL, written (base64) into the rendered Secret')
    .option('--database-url-secret <name[:key]>', 'a Secret of yours holding the PostgreSQL URL (key database-url unless given)')
    .addOption(
      new Option('--object-store <kind>', 'where artifacts live: local (the data volume), azure_blob or s3 (docs/object-storage.md)')
        .choices(['local', 'azure_blob', 's3'])
        .default('local'),
    )
    .option('--object-store-url <url>', 'https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX] or s3://BUCKET[/PREFIX]')
    .option('--object-store-endpoint <url>', 'an S3-compatible endpoint other than AWS (MinIO, Ceph)')
    .option('--object-store-region <region>', 'the S3 region')
    .addOption(
      new Option(
        '--object-store-credential <kind>',
        'azure_blob: account-key (default), sas-token or connection-string; s3: access-key (default) or none (the AWS SDK finds them: a pod identity)',
      ).choices(['account-key', 'sas-token', 'connection-string', 'access-key', 'none']),
    )
    .option(
      '--object-store-secret <name>',
      'a Secret of yours with the store credential under its variable names (TRELLIS_AZURE_BLOB_ACCOUNT_KEY, ..., TRELLIS_S3_ACCESS_KEY_ID and TRELLIS_S3_SECRET_ACCESS_KEY)',
    )
    .option('--keys-secret <name>', 'a Secret of yours with kek-1.key and attempt-transfer.key, which servers without a data volume share')
    .option('--generate-keys', 'render random key files into the Secret instead (keep a copy: the database is unreadable without them)')
    .option('--public-url <url>', 'the address users and pods reach Trellis at (default: the Ingress, else the Service)')
    .option('--ingress-host <host>', 'render an Ingress for this host')
    .option('--ingress-class <class>', 'its ingressClassName (nginx also gets annotations for large uploads and log streams)')
    .option('--ingress-tls-secret <name>', 'a TLS Secret for the Ingress (the public URL is then https)')
    .option('--cpu <quantity>', "each server's CPU request", installDefaults.cpu)
    .option('--memory <quantity>', "each server's memory request and limit", installDefaults.memory)
    .option('--storage-size <quantity>', 'size of the data volume (one server on SQLite or local artifacts)', installDefaults.storageSize)
    .option('--storage-class <class>', 'storage class of the data volume')
    .option('--oidc-issuer <url>', 'accept OpenID Connect tokens from this issuer')
    .option('--oidc-audience <audience>', 'the audience those tokens carry')
    .option('--oidc-client-id <id>', 'the client the studio signs in as')
    .option(
      '--compute-namespace <namespace>',
      'a namespace where the servers run jobs with their own service account (a Role each; repeat)',
      collect,
      [],
    )
    .option('--env <NAME=VALUE>', 'another TRELLIS_* setting for the ConfigMap (repeat); credentials belong in the Secret', collect, [])
    .option('--output-dir <folder>', 'write a kustomize folder (one file per object and kustomization.yaml) instead of printing')
    .action(async (flags: ManifestFlags) => {
      const options = checkInstallOptions(installOptionsFromFlags(flags));
      const { objects, notes } = renderInstallManifests(options);
      const commandLine = installCommandLine(options);
      if (flags.outputDir === undefined) {
        process.stdout.write(manifestStream(objects, commandLine));
      } else {
        const files = manifestFolder(objects, commandLine);
        await mkdir(flags.outputDir, { recursive: true });
        // Files of an earlier rendering that this one does not make would linger in the folder; say so rather than delete them.
        const present = ((await unlessMissing(readdir(flags.outputDir))) ?? []).filter(
          (file) => file.endsWith('.yaml') && !files.has(file),
        );
        for (const [file, text] of files) await writeFile(join(flags.outputDir, file), text);
        process.stderr.write(`wrote ${[...files.keys()].join(', ')} to ${flags.outputDir}\n`);
        if (present.length > 0) process.stderr.write(`not rendered this time, left as they are: ${present.join(', ')}\n`);
      }
      for (const note of notes) process.stderr.write(`note: ${note}\n`);
    });
}
