import { type InstallOptions, installDefaults } from './install-options.js';

/**
 * The `trellis kubernetes manifests` command line that renders `options`: only the flags that
 * differ from the defaults, in a fixed order, credentials left out (`--database-url URL` shows no
 * URL, `--generate-keys` no key). Pure. Written at the top of every rendered file.
 */
export function installCommandLine(options: InstallOptions): string {
  const flags: string[] = [];
  const flag = (name: string, value?: string | number) => flags.push(value === undefined ? name : `${name} ${quoted(String(value))}`);
  if (options.name !== installDefaults.name) flag('--name', options.name);
  if (options.namespace !== installDefaults.namespace) flag('--namespace', options.namespace);
  if (options.image !== installDefaults.image) flag('--image', options.image);
  if (options.replicas !== installDefaults.replicas) flag('--replicas', options.replicas);
  const database = options.database;
  if (database.kind === 'postgres-secret')
    flag(
      '--database-url-secret',
      database.secret.key === 'database-url' ? database.secret.name : `${database.secret.name}:${database.secret.key}`,
    );
  if (database.kind === 'postgres' && database.url === undefined) flag('--database', 'postgres');
  // The URL carries the database password: the line says a URL was given, not which.
  if (database.kind === 'postgres' && database.url !== undefined) flags.push('--database-url URL');
  const store = options.objectStore;
  if (store.kind !== 'local') flag('--object-store', store.kind);
  if (store.url) flag('--object-store-url', store.url);
  if (store.endpoint) flag('--object-store-endpoint', store.endpoint);
  if (store.region) flag('--object-store-region', store.region);
  if (store.credential) flag('--object-store-credential', store.credential);
  if (store.credentialsSecret) flag('--object-store-secret', store.credentialsSecret);
  if (options.keys?.kind === 'secret') flag('--keys-secret', options.keys.secret);
  if (options.keys?.kind === 'generated') flag('--generate-keys');
  if (options.publicUrl) flag('--public-url', options.publicUrl);
  if (options.ingress) {
    flag('--ingress-host', options.ingress.host);
    if (options.ingress.className) flag('--ingress-class', options.ingress.className);
    if (options.ingress.tlsSecret) flag('--ingress-tls-secret', options.ingress.tlsSecret);
  }
  if (options.resources.cpu !== installDefaults.cpu) flag('--cpu', options.resources.cpu);
  if (options.resources.memory !== installDefaults.memory) flag('--memory', options.resources.memory);
  if (options.storage.size !== installDefaults.storageSize) flag('--storage-size', options.storage.size);
  if (options.storage.className) flag('--storage-class', options.storage.className);
  if (options.oidc) {
    flag('--oidc-issuer', options.oidc.issuer);
    flag('--oidc-audience', options.oidc.audience);
    if (options.oidc.clientId) flag('--oidc-client-id', options.oidc.clientId);
  }
  for (const namespace of options.computeNamespaces) flag('--compute-namespace', namespace);
  for (const [variable, value] of Object.entries(options.extraEnv)) flag('--env', `${variable}=${value}`);
  return ['trellis kubernetes manifests', ...flags].join(' ');
}

/** A shell word: as it is when it needs no quoting, else in single quotes. */
function quoted(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
