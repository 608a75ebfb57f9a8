import { isIP } from 'node:net';
import type { AzureBlobCredential } from '../../artifacts/azure-blob/azure-blob-bucket.js';
import { type ObjectBucketSettings, objectBucketFor } from '../../artifacts/object-bucket-for.js';
import { ObjectArtifactStore } from '../../artifacts/object-store/object-artifact-store.js';
import { artifactStoreSettings } from '../../config/artifact-store-settings.js';
import { TrellisError } from '../../core/errors.js';
import { ArtifactStoreTarget } from '../artifact-store-target.js';

/**
 * Backups in an object store, under a prefix of an Azure Blob container or an S3 bucket: the same
 * layout as in a folder (`blobs/sha256/...` the pool, `objects/backups/<id>.json` the manifests), through
 * the object artifact store, whose writes appear whole or not at all. The location shown to people
 * is the URL without its query, so a SAS token never lands in output or manifests.
 */
export function objectStoreTarget(location: string, env: NodeJS.ProcessEnv): ArtifactStoreTarget {
  const { settings, prefix, shown } = parseObjectStoreLocation(location, env);
  const bucket = objectBucketFor(settings);
  return new ArtifactStoreTarget(new ObjectArtifactStore(bucket, prefix), shown, () => bucket.ensureReady());
}

/**
 * What a --to or --from URL names: `s3://<bucket>[/<prefix>]` (endpoint, region and keys from the
 * TRELLIS_S3_* settings, as for the artifact store), or an Azure Blob container URL
 * `https://<account>.blob.core.windows.net/<container>[/<prefix>][?<SAS>]` (Azurite and other
 * emulators, on an IP address or localhost, put the account first: `http://127.0.0.1:10000/<account>/<container>`),
 * signed by its SAS or else TRELLIS_AZURE_BLOB_ACCOUNT_KEY.
 */
export function parseObjectStoreLocation(
  location: string,
  env: NodeJS.ProcessEnv,
): { settings: ObjectBucketSettings; prefix: string; shown: string } {
  const url = new URL(location);
  const shown = `${url.protocol}//${url.host}${url.pathname}`;
  if (url.protocol === 's3:') {
    const prefix = prefixOf(url.pathname.split('/').filter((part) => part !== ''));
    const settings = artifactStoreSettings({
      ...env,
      TRELLIS_ARTIFACT_STORE: 's3',
      TRELLIS_S3_BUCKET: url.hostname,
      TRELLIS_ARTIFACT_PREFIX: '',
    });
    if (settings.store !== 's3') throw unsupported(location);
    return { settings, prefix, shown };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw unsupported(location);
  const parts = url.pathname.split('/').filter((part) => part !== '');
  const isEmulator = isIP(url.hostname) !== 0 || url.hostname === 'localhost';
  const accountPath = isEmulator ? parts.shift() : undefined;
  const container = parts.shift();
  if (container === undefined || (isEmulator && accountPath === undefined))
    throw new TrellisError(
      'InvalidBackupTarget',
      400,
      `${shown} names no container; give the container's URL, e.g. https://<account>.blob.core.windows.net/<container>/<prefix>?<SAS>`,
    );
  const sasToken = url.search.slice(1);
  const accountKey = env.TRELLIS_AZURE_BLOB_ACCOUNT_KEY;
  const credential: AzureBlobCredential | undefined =
    sasToken !== '' ? { sasToken } : accountKey ? { accountKey, accountName: accountPath } : undefined;
  if (credential === undefined)
    throw new TrellisError(
      'InvalidBackupTarget',
      400,
      `${shown} carries no SAS token; add one to the URL (?sv=...&sig=..., with read, write, list and create permissions on the container) or set TRELLIS_AZURE_BLOB_ACCOUNT_KEY`,
    );
  return {
    settings: {
      store: 'azure_blob',
      accountUrl: `${url.protocol}//${url.host}${accountPath ? `/${accountPath}` : ''}`,
      container,
      credential,
    },
    prefix: prefixOf(parts),
    shown,
  };
}

function prefixOf(parts: string[]): string {
  return parts.length === 0 ? '' : `${parts.join('/')}/`;
}

function unsupported(location: string): TrellisError {
  return new TrellisError(
    'BackupTargetUnsupported',
    400,
    `backups to ${new URL(location).protocol}// locations are not supported; give a folder, an Azure Blob container URL (https://<account>.blob.core.windows.net/<container>?<SAS>) or s3://<bucket>/<prefix>`,
  );
}
