import { AzureBlobBucket, type AzureBlobCredential } from './azure-blob/azure-blob-bucket.js';
import type { ObjectBucket } from './object-store/object-bucket.js';
import { S3Bucket } from './s3/s3-bucket.js';

/** Which object store holds artifacts, as the configuration names it (config's ArtifactStoreSettings has this shape). */
export type ObjectBucketSettings =
  | { store: 'azure_blob'; accountUrl?: string | undefined; container: string; credential: AzureBlobCredential }
  | {
      store: 's3';
      bucket: string;
      region: string;
      endpoint?: string | undefined;
      forcePathStyle: boolean;
      credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
    };

/** The container or bucket the settings name; nothing is asked of the service yet (see ObjectBucket.ensureReady). */
export function objectBucketFor(settings: ObjectBucketSettings): ObjectBucket {
  return settings.store === 'azure_blob'
    ? new AzureBlobBucket({ accountUrl: settings.accountUrl, container: settings.container, credential: settings.credential })
    : new S3Bucket({
        bucket: settings.bucket,
        region: settings.region,
        endpoint: settings.endpoint,
        forcePathStyle: settings.forcePathStyle,
        credentials: settings.credentials,
      });
}
