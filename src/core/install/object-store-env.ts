import type { Problem } from '../errors.js';

/**
 * The object store of a rendered installation as the variables the servers read
 * (src/config/artifact-store-settings.ts, docs/object-storage.md): where it is in the ConfigMap,
 * its credential in a Secret. Given as one URL on the command line — the container
 * (https://<account>.blob.core.windows.net/<container>[/<prefix>]) or the bucket
 * (s3://<bucket>[/<prefix>]) — and split here. Pure.
 */

/** Where artifacts live: the data volume (`local`), or a store every server reaches. The configuration's names. */
export type ObjectStoreKind = 'local' | 'azure_blob' | 's3';

/** How the servers sign in to the store: one of Azure's three credentials; S3 keys, or none (the AWS SDK's chain: a pod identity). */
export type ObjectStoreCredential = 'account-key' | 'sas-token' | 'connection-string' | 'access-key' | 'none';

export interface ObjectStoreOptions {
  kind: ObjectStoreKind;
  url?: string | undefined;
  /** S3-compatible endpoint other than AWS's (MinIO, Ceph). */
  endpoint?: string | undefined;
  region?: string | undefined;
  /** Default: account-key for azure_blob, access-key for s3. */
  credential?: ObjectStoreCredential | undefined;
  /** A Secret of the user's holding the credential under the variables' names; else the rendered Secret has them to fill. */
  credentialsSecret?: string | undefined;
}

/** The variables that carry an object store's credentials, by credential. */
export const objectStoreCredentialVariables: Readonly<Record<ObjectStoreCredential, readonly string[]>> = {
  'account-key': ['TRELLIS_AZURE_BLOB_ACCOUNT_KEY'],
  'sas-token': ['TRELLIS_AZURE_BLOB_SAS_TOKEN'],
  'connection-string': ['TRELLIS_AZURE_BLOB_CONNECTION_STRING'],
  'access-key': ['TRELLIS_S3_ACCESS_KEY_ID', 'TRELLIS_S3_SECRET_ACCESS_KEY'],
  none: [],
};

/** The object-store variables the rendering sets from the flags (`--env` may not). */
export const objectStoreSettingVariables = [
  'TRELLIS_ARTIFACT_STORE',
  'TRELLIS_ARTIFACT_PREFIX',
  'TRELLIS_AZURE_BLOB_ACCOUNT_URL',
  'TRELLIS_AZURE_BLOB_CONTAINER',
  'TRELLIS_S3_BUCKET',
  'TRELLIS_S3_ENDPOINT',
  'TRELLIS_S3_REGION',
] as const;

/** What each credential variable is, for the placeholder a user replaces. */
export const credentialDescriptions: Readonly<Record<string, string>> = {
  TRELLIS_AZURE_BLOB_ACCOUNT_KEY: "the storage account's key",
  TRELLIS_AZURE_BLOB_SAS_TOKEN: 'a SAS token for the container',
  TRELLIS_AZURE_BLOB_CONNECTION_STRING: "the storage account's connection string",
  TRELLIS_S3_ACCESS_KEY_ID: 'the access key id',
  TRELLIS_S3_SECRET_ACCESS_KEY: 'the secret access key',
};

// The stores' own rules, as the configuration checks them at start.
const containerName = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;
const bucketName = /^(?=.{3,63}$)[a-z0-9][a-z0-9.-]*[a-z0-9]$/;
const prefixSegment = /^[A-Za-z0-9._-]+$/;

/** The credential a store uses: the one asked for, else the store's usual one. */
export function credentialOf(store: ObjectStoreOptions): ObjectStoreCredential {
  return store.credential ?? (store.kind === 's3' ? 'access-key' : store.kind === 'azure_blob' ? 'account-key' : 'none');
}

/** The store's ConfigMap settings; empty for `local`. Assumes `objectStoreProblems` found none. */
export function objectStoreConfig(store: ObjectStoreOptions): Record<string, string> {
  if (store.kind === 'local' || !store.url) return {};
  const { location, container, prefix } = splitUrl(store.url, store.kind);
  if (store.kind === 'azure_blob')
    return {
      TRELLIS_ARTIFACT_STORE: 'azure_blob',
      // A connection string names the account itself; with a key or SAS token the URL does.
      ...(credentialOf(store) === 'connection-string' ? {} : { TRELLIS_AZURE_BLOB_ACCOUNT_URL: location }),
      TRELLIS_AZURE_BLOB_CONTAINER: container,
      ...(prefix ? { TRELLIS_ARTIFACT_PREFIX: prefix } : {}),
    };
  return {
    TRELLIS_ARTIFACT_STORE: 's3',
    TRELLIS_S3_BUCKET: container,
    ...(prefix ? { TRELLIS_ARTIFACT_PREFIX: prefix } : {}),
    ...(store.endpoint ? { TRELLIS_S3_ENDPOINT: store.endpoint.replace(/\/+$/, '') } : {}),
    ...(store.region ? { TRELLIS_S3_REGION: store.region } : {}),
  };
}

/** Every problem of the object-store flags, each naming its flag. */
export function objectStoreProblems(store: ObjectStoreOptions): Problem[] {
  const problems: Problem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  if (store.kind === 'local') {
    if (store.url || store.endpoint || store.region || store.credential || store.credentialsSecret)
      problem('--object-store', 'the other object-store flags need --object-store azure_blob or s3');
    return problems;
  }
  const shape = store.kind === 's3' ? 's3://BUCKET[/PREFIX]' : 'https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]';
  if (!store.url) problem('--object-store-url', `--object-store ${store.kind} needs where: ${shape}`);
  else {
    const parts = URL.canParse(store.url) ? splitUrl(store.url, store.kind) : undefined;
    const isRightScheme = parts !== undefined && (store.kind === 's3' ? parts.scheme === 's3:' : /^https?:$/.test(parts.scheme));
    if (!parts || !isRightScheme || !parts.container) problem('--object-store-url', `'${store.url}' is not ${shape}`);
    else if (!(store.kind === 's3' ? bucketName : containerName).test(parts.container))
      problem(
        '--object-store-url',
        store.kind === 's3'
          ? `'${parts.container}' is not a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens`
          : `'${parts.container}' is not a container name: 3 to 63 lowercase letters, digits and single hyphens`,
      );
    else if (
      parts.prefix &&
      !parts.prefix.split('/').every((segment) => prefixSegment.test(segment) && segment !== '.' && segment !== '..')
    )
      problem(
        '--object-store-url',
        `the folder '${parts.prefix}' in the URL is not a folder path: names of letters, digits, '.', '_' and '-'`,
      );
  }
  if (store.kind !== 's3' && (store.endpoint || store.region))
    problem('--object-store-endpoint', '--object-store-endpoint and --object-store-region are for --object-store s3');
  if (store.endpoint !== undefined && (!URL.canParse(store.endpoint) || !/^https?:$/.test(new URL(store.endpoint).protocol)))
    problem('--object-store-endpoint', `'${store.endpoint}' is not an http(s) URL`);
  const credential = credentialOf(store);
  const allowed: ObjectStoreCredential[] = store.kind === 's3' ? ['access-key', 'none'] : ['account-key', 'sas-token', 'connection-string'];
  if (!allowed.includes(credential))
    problem('--object-store-credential', `${credential} is not a credential of ${store.kind}: use ${allowed.join(', ')}`);
  if (credential === 'none' && store.credentialsSecret)
    problem('--object-store-secret', '--object-store-credential none reads no Secret (the AWS SDK finds its credentials: a pod identity)');
  return problems;
}

/** A store URL's parts: its origin (Azure's account URL), the container or bucket, and the folder under it (no slashes at the ends). */
function splitUrl(text: string, kind: ObjectStoreKind): { scheme: string; location: string; container: string; prefix: string } {
  const url = new URL(text);
  // s3://bucket/prefix: the bucket is the host; https://account.blob.core.windows.net/container/prefix: the container is the first folder.
  const segments = url.pathname.split('/').filter(Boolean);
  if (kind === 's3') return { scheme: url.protocol, location: '', container: url.hostname, prefix: segments.join('/') };
  return { scheme: url.protocol, location: url.origin, container: segments[0] ?? '', prefix: segments.slice(1).join('/') };
}
