import { z } from 'zod';
import { TrellisError } from '../core/errors.js';

/**
 * Where artifacts and uploaded data live: `artifacts:` in config.yaml and TRELLIS_ARTIFACT_* (and the
 * store's own) environment variables, the environment winning key by key. The local filesystem under
 * the data directory is the default; an Azure Blob container or an S3 bucket lets several servers
 * share one store. Credentials are read here and handed to the store; no message ever shows them.
 */

/** `artifacts:` in config.yaml: every key optional; which apply depends on `store`. */
export const artifactsFileSchema = z
  .object({
    store: z.enum(['local', 'azure_blob', 's3']).optional().describe('where artifacts live (TRELLIS_ARTIFACT_STORE); default local'),
    prefix: z
      .string()
      .optional()
      .describe('a folder in the container or bucket that Trellis keeps everything under (TRELLIS_ARTIFACT_PREFIX)'),
    account_url: z.string().optional().describe('azure_blob: the account blob endpoint, https://<account>.blob.core.windows.net'),
    account_name: z.string().optional().describe('azure_blob: the storage account, when the URL does not name it'),
    container: z.string().optional().describe('azure_blob: the container (made at start when missing)'),
    account_key: z.string().optional().describe('azure_blob: the account key'),
    sas_token: z.string().optional().describe('azure_blob: a SAS token instead of the key'),
    connection_string: z.string().optional().describe('azure_blob: a connection string instead of the URL and key'),
    bucket: z.string().optional().describe('s3: the bucket (made at start when missing)'),
    region: z.string().optional().describe('s3: the region (default: AWS_REGION, else us-east-1)'),
    endpoint: z.string().optional().describe('s3: an S3-compatible service (MinIO, Ceph); none: AWS'),
    force_path_style: z.boolean().optional().describe('s3: the bucket in the path, not the host name (default: on with an endpoint)'),
    access_key_id: z.string().optional().describe("s3: the access key (default: the AWS SDK's chain: AWS_ACCESS_KEY_ID, ~/.aws, roles)"),
    secret_access_key: z.string().optional().describe('s3: its secret'),
  })
  .strict();
export type ArtifactsFile = z.infer<typeof artifactsFileSchema>;

export type AzureBlobCredentialSettings =
  | { accountKey: string; accountName?: string | undefined }
  | { sasToken: string }
  | { connectionString: string };

export type ArtifactStoreSettings =
  | { store: 'local' }
  | {
      store: 'azure_blob';
      /** '' or ending in '/'. */
      prefix: string;
      accountUrl?: string | undefined;
      container: string;
      credential: AzureBlobCredentialSettings;
    }
  | {
      store: 's3';
      /** '' or ending in '/'. */
      prefix: string;
      bucket: string;
      region: string;
      endpoint?: string | undefined;
      forcePathStyle: boolean;
      credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
    };

/** Azure's rule for container names. */
const containerName = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;
/** S3's rule for bucket names (without the IP-address and reserved-suffix details, which S3 itself refuses). */
const bucketName = /^(?=.{3,63}$)[a-z0-9][a-z0-9.-]*[a-z0-9]$/;

/** The artifact store's settings from the environment and the file's `artifacts:`; InvalidConfiguration (400) naming the setting and the fix. */
export function artifactStoreSettings(env: NodeJS.ProcessEnv, file: ArtifactsFile = {}): ArtifactStoreSettings {
  const store = env.TRELLIS_ARTIFACT_STORE || file.store || 'local';
  if (store === 'local') return { store };
  const prefix = objectPrefix(env.TRELLIS_ARTIFACT_PREFIX ?? file.prefix ?? '');
  if (store === 'azure_blob') return azureBlobSettings(env, file, prefix);
  if (store === 's3') return s3Settings(env, file, prefix);
  throw invalid(`TRELLIS_ARTIFACT_STORE / artifacts.store '${store}' is not a store Trellis has; use local, azure_blob or s3`);
}

function azureBlobSettings(env: NodeJS.ProcessEnv, file: ArtifactsFile, prefix: string): ArtifactStoreSettings {
  const container = env.TRELLIS_AZURE_BLOB_CONTAINER || file.container;
  if (!container) throw invalid('the azure_blob artifact store needs a container: set TRELLIS_AZURE_BLOB_CONTAINER or artifacts.container');
  if (!containerName.test(container))
    throw invalid(
      `TRELLIS_AZURE_BLOB_CONTAINER / artifacts.container '${container}' is not a container name: 3 to 63 lowercase letters, digits and single hyphens`,
    );
  // Credentials come from one place: the environment's when it names any, else the file's.
  const fromEnv = {
    account_key: env.TRELLIS_AZURE_BLOB_ACCOUNT_KEY,
    sas_token: env.TRELLIS_AZURE_BLOB_SAS_TOKEN,
    connection_string: env.TRELLIS_AZURE_BLOB_CONNECTION_STRING,
  };
  const secrets = Object.values(fromEnv).some(Boolean) ? fromEnv : file;
  const given = (['account_key', 'sas_token', 'connection_string'] as const).filter((name) => Boolean(secrets[name]));
  if (given.length !== 1)
    throw invalid(
      `the azure_blob artifact store needs exactly one credential, got ${given.length === 0 ? 'none' : given.join(' and ')}: set TRELLIS_AZURE_BLOB_ACCOUNT_KEY, TRELLIS_AZURE_BLOB_SAS_TOKEN or TRELLIS_AZURE_BLOB_CONNECTION_STRING (or artifacts.account_key, sas_token or connection_string)`,
    );
  if (secrets.connection_string)
    return { store: 'azure_blob', prefix, container, credential: { connectionString: secrets.connection_string } };
  const accountUrl = httpUrl(
    env.TRELLIS_AZURE_BLOB_ACCOUNT_URL || file.account_url,
    'TRELLIS_AZURE_BLOB_ACCOUNT_URL / artifacts.account_url',
  );
  if (accountUrl === undefined)
    throw invalid(
      'the azure_blob artifact store needs the account URL: set TRELLIS_AZURE_BLOB_ACCOUNT_URL or artifacts.account_url, e.g. https://<account>.blob.core.windows.net',
    );
  const credential: AzureBlobCredentialSettings = secrets.sas_token
    ? { sasToken: secrets.sas_token }
    : { accountKey: secrets.account_key ?? '', accountName: env.TRELLIS_AZURE_BLOB_ACCOUNT_NAME || file.account_name || undefined };
  return { store: 'azure_blob', prefix, accountUrl, container, credential };
}

function s3Settings(env: NodeJS.ProcessEnv, file: ArtifactsFile, prefix: string): ArtifactStoreSettings {
  const bucket = env.TRELLIS_S3_BUCKET || file.bucket;
  if (!bucket) throw invalid('the s3 artifact store needs a bucket: set TRELLIS_S3_BUCKET or artifacts.bucket');
  if (!bucketName.test(bucket))
    throw invalid(
      `TRELLIS_S3_BUCKET / artifacts.bucket '${bucket}' is not a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens`,
    );
  const endpoint = httpUrl(env.TRELLIS_S3_ENDPOINT || file.endpoint, 'TRELLIS_S3_ENDPOINT / artifacts.endpoint');
  const accessKeyId = env.TRELLIS_S3_ACCESS_KEY_ID || file.access_key_id;
  const secretAccessKey = env.TRELLIS_S3_SECRET_ACCESS_KEY || file.secret_access_key;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey))
    throw invalid(
      'the s3 artifact store takes an access key id and its secret together: set both TRELLIS_S3_ACCESS_KEY_ID and TRELLIS_S3_SECRET_ACCESS_KEY (or artifacts.access_key_id and secret_access_key), or neither to use the AWS SDK default chain',
    );
  return {
    store: 's3',
    prefix,
    bucket,
    region: env.TRELLIS_S3_REGION || file.region || env.AWS_REGION || 'us-east-1',
    endpoint,
    forcePathStyle:
      booleanOf(env.TRELLIS_S3_FORCE_PATH_STYLE, 'TRELLIS_S3_FORCE_PATH_STYLE') ?? file.force_path_style ?? endpoint !== undefined,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}

/** '' or `a/b/`: the folders the store keeps everything under, each a plain name. */
function objectPrefix(text: string): string {
  const trimmed = text.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  if (!trimmed.split('/').every((segment) => /^[A-Za-z0-9._-]+$/.test(segment) && segment !== '.' && segment !== '..'))
    throw invalid(
      `TRELLIS_ARTIFACT_PREFIX / artifacts.prefix '${text}' is not a folder path: use names of letters, digits, '.', '_' and '-' separated by '/', like 'trellis/prod'`,
    );
  return `${trimmed}/`;
}

/** An http(s) URL without a query (a SAS token goes in its own setting), without a trailing '/'; undefined when not set. */
function httpUrl(text: string | undefined, setting: string): string | undefined {
  if (!text) return undefined;
  const url = URL.parse(text);
  if (url === null || !/^https?:$/.test(url.protocol) || url.search !== '' || url.username !== '' || url.password !== '')
    // The URL may carry credentials: the message names the setting, never the value.
    throw invalid(`${setting} is not an http(s) URL without credentials or a query; give the endpoint alone, like https://example.com`);
  return text.replace(/\/+$/, '');
}

function booleanOf(text: string | undefined, name: string): boolean | undefined {
  if (text === undefined || text === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw invalid(`${name}='${text}' is not true or false`);
}

function invalid(message: string): TrellisError {
  return new TrellisError('InvalidConfiguration', 400, message);
}
