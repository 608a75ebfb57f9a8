import { z } from 'zod';
import { invalidInput, type Problem } from '../errors.js';
import { azureEnum, closedObject, resourceFields } from '../azureml/schema-helpers.js';
import { problemsFromIssues } from '../azureml/zod-problems.js';
import { checkName } from '../resources/names.js';
import type { DocumentSource } from '../yaml/document-source.js';

/** The datastore types Trellis reads: Azure ML's blob, ADLS Gen2 and file share, and S3 (a Trellis extension). */
export const datastoreTypes = ['azure_blob', 'azure_data_lake_gen2', 'azure_file', 's3'] as const;
export type DatastoreType = (typeof datastoreTypes)[number];

/** The two datastores every workspace has, over its own artifact store; they cannot be deleted. */
export const builtInDatastores = ['workspaceblobstore', 'workspaceartifactstore'] as const;

export function isBuiltInDatastore(name: string): boolean {
  return (builtInDatastores as readonly string[]).includes(name);
}

// Azure ML's AccountKeySchema and SasTokenSchema (azure-ai-ml _schema/_datastore): one or the other, or none (the server's identity).
const blobCredentials = closedObject({ account_key: z.string().min(1).optional(), sas_token: z.string().min(1).optional() }).refine(
  (value) => !(value.account_key !== undefined && value.sas_token !== undefined),
  'give account_key or sas_token, not both',
);
// ServicePrincipalSchema: Trellis cannot sign in to Entra ID here; accepted so Azure's files read, refused when used.
const servicePrincipalCredentials = closedObject({
  tenant_id: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  authority_url: z.string().optional(),
  resource_url: z.string().optional(),
  certificate: z.string().optional(),
  thumbprint: z.string().optional(),
});

const azureBlobSchema = closedObject({
  ...resourceFields,
  type: z.literal('azure_blob'),
  account_name: z.string().min(1, 'must name the storage account'),
  container_name: z.string().min(1, 'must name the container'),
  endpoint: z.string().min(1).default('core.windows.net'),
  protocol: azureEnum(['https', 'wasbs']).default('https'),
  credentials: blobCredentials.optional(),
});

const adlsGen2Schema = closedObject({
  ...resourceFields,
  type: z.literal('azure_data_lake_gen2'),
  account_name: z.string().min(1, 'must name the storage account'),
  filesystem: z.string().min(1, 'must name the file system (container)'),
  endpoint: z.string().min(1).default('core.windows.net'),
  protocol: azureEnum(['https', 'abfss']).default('https'),
  credentials: servicePrincipalCredentials.optional(),
});

const azureFileSchema = closedObject({
  ...resourceFields,
  type: z.literal('azure_file'),
  account_name: z.string().min(1, 'must name the storage account'),
  file_share_name: z.string().min(1, 'must name the file share'),
  endpoint: z.string().min(1).default('core.windows.net'),
  protocol: azureEnum(['https']).default('https'),
  credentials: blobCredentials.optional(),
});

// A Trellis extension: Azure ML has no S3 datastore (it imports from S3 through a connection instead).
const s3Schema = closedObject({
  ...resourceFields,
  type: z.literal('s3'),
  bucket: z.string().min(1, 'must name the bucket'),
  region: z.string().min(1).default('us-east-1'),
  endpoint_url: z.url('must be a URL such as https://s3.example.com').optional(),
  credentials: closedObject({
    access_key_id: z.string().min(1, 'must not be empty'),
    secret_access_key: z.string().min(1, 'must not be empty'),
  }).optional(),
});

const datastoreFileSchema = z.discriminatedUnion('type', [azureBlobSchema, adlsGen2Schema, azureFileSchema, s3Schema]);

/** A datastore's secrets, kept apart from its description: sealed in the store, never answered. */
export type DatastoreSecret =
  | { type: 'account_key'; account_key: string }
  | { type: 'sas'; sas_token: string }
  | { type: 'service_principal'; tenant_id?: string; client_id?: string; client_secret?: string }
  | { type: 's3_keys'; access_key_id: string; secret_access_key: string };

/** How a datastore signs in, as `show` tells it: the kind only, never the secret. */
export type DatastoreCredentialType = DatastoreSecret['type'] | 'none';

/** What a datastore is, without its secret: what the store keeps in the open and the API answers. */
export type DatastoreSpec =
  | { type: 'azure_blob'; account_name: string; container_name: string; endpoint: string; protocol: string }
  | { type: 'azure_data_lake_gen2'; account_name: string; filesystem: string; endpoint: string; protocol: string }
  | { type: 'azure_file'; account_name: string; file_share_name: string; endpoint: string; protocol: string }
  | { type: 's3'; bucket: string; region: string; endpoint_url?: string | undefined };

/** A parsed datastore file: its description, tags, spec and (apart) its secret. */
export interface ParsedDatastore {
  name: string;
  description: string | null;
  tags: Record<string, string>;
  spec: DatastoreSpec;
  secret: DatastoreSecret | null;
}

/**
 * Validates a datastore file (Azure ML's azureBlob, azureDataLakeGen2 and azureFile schemas, or
 * Trellis's `type: s3`). Throws one InvalidInput naming `fileName` with every problem, each at its
 * field and line. The credentials come back apart from the spec, for the caller to seal.
 */
export function parseDatastoreDocument(yaml: DocumentSource, fileName: string): ParsedDatastore {
  const document = yaml.value;
  const problems: Problem[] = [];
  if (typeof document.name === 'string') {
    const problem = checkName(document.name);
    if (problem) problems.push({ path: 'name', message: problem.message, ...yaml.locate(['name']) });
  }
  if (typeof document.type !== 'string' || !(datastoreTypes as readonly string[]).includes(document.type)) {
    problems.push({
      path: 'type',
      message: `must be one of ${datastoreTypes.join(', ')}${typeof document.type === 'string' ? `; got '${document.type}'` : ''}`,
      ...yaml.locate(['type']),
    });
    throw invalidInput(fileName, problems);
  }
  const result = datastoreFileSchema.safeParse(document);
  if (!result.success) problems.push(...problemsFromIssues(result.error.issues, (path) => yaml.locate(path)));
  if (problems.length > 0 || !result.success) throw invalidInput(fileName, problems);
  const file = result.data;
  const common = { name: file.name, description: file.description ?? null, tags: file.tags ?? {} };
  switch (file.type) {
    case 'azure_blob':
    case 'azure_file': {
      const { account_name, endpoint, protocol, credentials } = file;
      const spec: DatastoreSpec =
        file.type === 'azure_blob'
          ? { type: file.type, account_name, container_name: file.container_name, endpoint, protocol }
          : { type: file.type, account_name, file_share_name: file.file_share_name, endpoint, protocol };
      return { ...common, spec, secret: blobSecretOf(credentials) };
    }
    case 'azure_data_lake_gen2': {
      const { account_name, filesystem, endpoint, protocol, credentials } = file;
      const secret: DatastoreSecret | null =
        credentials === undefined
          ? null
          : {
              type: 'service_principal',
              ...(credentials.tenant_id === undefined ? {} : { tenant_id: credentials.tenant_id }),
              ...(credentials.client_id === undefined ? {} : { client_id: credentials.client_id }),
              ...(credentials.client_secret === undefined ? {} : { client_secret: credentials.client_secret }),
            };
      return { ...common, spec: { type: file.type, account_name, filesystem, endpoint, protocol }, secret };
    }
    case 's3': {
      const { bucket, region, endpoint_url, credentials } = file;
      return {
        ...common,
        spec: { type: 's3', bucket, region, ...(endpoint_url === undefined ? {} : { endpoint_url }) },
        secret: credentials === undefined ? null : { type: 's3_keys', ...credentials },
      };
    }
  }
}

function blobSecretOf(
  credentials: { account_key?: string | undefined; sas_token?: string | undefined } | undefined,
): DatastoreSecret | null {
  if (credentials?.account_key !== undefined) return { type: 'account_key', account_key: credentials.account_key };
  if (credentials?.sas_token !== undefined) return { type: 'sas', sas_token: credentials.sas_token };
  return null;
}

/**
 * The blob service URL of an Azure storage account: `https://<account>.blob.<endpoint>` as Azure ML
 * builds it, or, when `endpoint` is itself a URL (a Trellis extension for emulators and private
 * endpoints, e.g. Azurite's `http://127.0.0.1:10000`), `<endpoint>/<account>` as Azurite serves it.
 */
export function blobServiceUrl(spec: { account_name: string; endpoint: string }): string {
  if (/^https?:\/\//i.test(spec.endpoint)) return `${spec.endpoint.replace(/\/+$/, '')}/${spec.account_name}`;
  return `https://${spec.account_name}.blob.${spec.endpoint}`;
}
