import { AzureBlobBucket, type AzureBlobCredential } from '../../artifacts/azure-blob/azure-blob-bucket.js';
import type { ObjectBucket } from '../../artifacts/object-store/object-bucket.js';
import { S3Bucket } from '../../artifacts/s3/s3-bucket.js';
import type { Datastore } from '../../core/datastores/datastore.js';
import {
  blobServiceUrl,
  builtInDatastores,
  isBuiltInDatastore,
  parseDatastoreDocument,
  type DatastoreSecret,
  type DatastoreSpec,
} from '../../core/datastores/datastore-schema.js';
import { isTrellisError, TrellisError } from '../../core/errors.js';
import { checkName } from '../../core/resources/names.js';
import { parseYaml } from '../../core/yaml/parse-yaml.js';
import type { Caller, Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';
import { artifactStoreFiles, bucketFiles, type DatastoreFiles } from './datastore-files.js';

/** Where each built-in datastore lives in the workspace's artifact store. */
const builtInPrefixes: Readonly<Record<(typeof builtInDatastores)[number], string>> = {
  // Azure's default datastore for data: its own folder, so nothing written there lands among runs' artifacts.
  workspaceblobstore: 'datastores/workspaceblobstore/',
  // Azure's store of run artifacts and collected data: the workspace's named objects themselves (as monitor-data reads them).
  workspaceartifactstore: '',
};

function builtIn(workspace: string, name: (typeof builtInDatastores)[number], createdAt: number): Datastore {
  return {
    workspace,
    name,
    description: `the workspace's own artifact store${builtInPrefixes[name] === '' ? '' : `, under ${builtInPrefixes[name]}`}`,
    tags: {},
    spec: { type: 'trellis', prefix: builtInPrefixes[name] },
    credentials: { type: 'none' },
    isBuiltIn: true,
    createdBy: 'trellis',
    createdAt,
    updatedAt: createdAt,
  };
}

function notFound(workspace: string, name: string): TrellisError {
  return new TrellisError(
    'DatastoreNotFound',
    404,
    `datastore '${name}' does not exist in workspace '${workspace}'; list them with: trellis datastore list --workspace ${workspace}`,
  );
}

/** The workspace's datastores: the built-in ones first, then the others by name. */
export async function listDatastores(context: Context, workspace: string): Promise<Datastore[]> {
  const found = await requireWorkspace(context, workspace);
  const made = found.createdAt ? Date.parse(found.createdAt) : 0;
  return [
    ...builtInDatastores.map((name) => builtIn(workspace, name, made)),
    ...(await context.store.repositories.datastores.list(workspace)),
  ];
}

/** One datastore (never its secret), or DatastoreNotFound. */
export async function getDatastore(context: Context, workspace: string, name: string): Promise<Datastore> {
  const found = await requireWorkspace(context, workspace);
  if (name === 'workspaceblobstore' || name === 'workspaceartifactstore')
    return builtIn(workspace, name, found.createdAt ? Date.parse(found.createdAt) : 0);
  const datastore = await context.store.repositories.datastores.get(workspace, name);
  if (!datastore) throw notFound(workspace, name);
  return datastore;
}

/**
 * Creates (or replaces) a datastore from its YAML. Trellis first reaches the storage with the
 * credentials given (lists one object of the container or bucket): wrong credentials or an
 * unreachable account are refused, 400 with the service's reason, and nothing is stored.
 * The credentials are sealed with the workspace's data key; the audit record holds none.
 */
export async function createDatastore(
  context: Context,
  caller: Caller,
  input: { workspace: string; text: string; fileName: string; name?: string | undefined },
): Promise<Datastore> {
  await requireWorkspace(context, input.workspace);
  const yaml = parseYaml(input.text, input.fileName);
  if (input.name !== undefined) yaml.value.name = input.name;
  const parsed = parseDatastoreDocument(yaml, input.fileName);
  if (isBuiltInDatastore(parsed.name))
    throw new TrellisError(
      'DatastoreReserved',
      409,
      `'${parsed.name}' is the workspace's built-in datastore over its own artifact store; name yours otherwise`,
    );
  const files = openExternal(parsed.spec, parsed.secret, parsed.name);
  await verifyReachable(parsed.name, files);
  const repositories = context.store.repositories;
  const before = await repositories.datastores.get(input.workspace, parsed.name);
  const at = context.clock().getTime();
  await repositories.datastores.put({
    workspace: input.workspace,
    name: parsed.name,
    description: parsed.description,
    tags: parsed.tags,
    spec: parsed.spec,
    secret: parsed.secret,
    createdBy: caller.actor,
    at,
  });
  await repositories.audit.append({
    workspace: input.workspace,
    at: new Date(at).toISOString(),
    actor: caller.actor,
    action: before ? 'update' : 'create',
    kind: 'datastore',
    name: parsed.name,
    version: null,
    beforeDigest: null,
    afterDigest: null,
    requestId: caller.requestId,
    summary: `${parsed.spec.type} datastore, credentials: ${parsed.secret?.type ?? 'none'}`,
  });
  return getDatastore(context, input.workspace, parsed.name);
}

/** Deletes a datastore (not the files it points at); the built-in ones cannot be deleted. */
export async function deleteDatastore(context: Context, caller: Caller, workspace: string, name: string): Promise<void> {
  await requireWorkspace(context, workspace);
  if (isBuiltInDatastore(name))
    throw new TrellisError(
      'DatastoreBuiltIn',
      409,
      `'${name}' is built into every workspace (its own artifact store) and cannot be deleted`,
    );
  if (!(await context.store.repositories.datastores.delete(workspace, name))) throw notFound(workspace, name);
  await context.store.repositories.audit.append({
    workspace,
    at: context.clock().toISOString(),
    actor: caller.actor,
    action: 'delete',
    kind: 'datastore',
    name,
    version: null,
    beforeDigest: null,
    afterDigest: null,
    requestId: caller.requestId,
    summary: null,
  });
}

/** The files of a datastore of the workspace, to read inputs from and write outputs to. */
export async function openDatastoreFiles(context: Context, workspace: string, name: string): Promise<DatastoreFiles> {
  if (name === 'workspaceblobstore' || name === 'workspaceartifactstore')
    return artifactStoreFiles(context.artifactsFor(workspace), builtInPrefixes[name], `datastore '${name}' of workspace '${workspace}'`);
  const datastore = await context.store.repositories.datastores.get(workspace, name);
  if (!datastore || datastore.spec.type === 'trellis') throw notFound(workspace, name);
  return openExternal(datastore.spec, await context.store.repositories.datastores.secretOf(workspace, name), name);
}

/** Checks a datastore name as a job input names it, and that it exists: a problem message, or undefined. */
export async function datastoreProblem(context: Context, workspace: string, name: string): Promise<string | undefined> {
  if (isBuiltInDatastore(name)) return undefined;
  const problem = checkName(name);
  if (problem) return problem.message;
  if (await context.store.repositories.datastores.get(workspace, name)) return undefined;
  const names = (await listDatastores(context, workspace)).map((datastore) => datastore.name).join(', ');
  return `datastore '${name}' does not exist in workspace '${workspace}'; datastores here: ${names}`;
}

function openExternal(spec: DatastoreSpec, secret: DatastoreSecret | null, name: string): DatastoreFiles {
  return bucketFiles(bucketOf(spec, secret, name));
}

function bucketOf(spec: DatastoreSpec, secret: DatastoreSecret | null, name: string): ObjectBucket {
  switch (spec.type) {
    case 'azure_blob': {
      const credential: AzureBlobCredential | undefined =
        secret?.type === 'account_key'
          ? { accountKey: secret.account_key, accountName: spec.account_name }
          : secret?.type === 'sas'
            ? { sasToken: secret.sas_token }
            : undefined;
      if (credential === undefined)
        throw new TrellisError(
          'DatastoreCredentialsRequired',
          400,
          `datastore '${name}' has no credentials: Trellis has no Azure identity of its own to reach account '${spec.account_name}' with; add credentials.account_key or credentials.sas_token`,
        );
      return new AzureBlobBucket({ accountUrl: blobServiceUrl(spec), container: spec.container_name, credential });
    }
    case 's3':
      return new S3Bucket({
        bucket: spec.bucket,
        region: spec.region,
        endpoint: spec.endpoint_url,
        // An S3-compatible service at its own URL (MinIO, Ceph, moto) names the bucket in the path.
        forcePathStyle: spec.endpoint_url !== undefined,
        credentials:
          secret?.type === 's3_keys' ? { accessKeyId: secret.access_key_id, secretAccessKey: secret.secret_access_key } : undefined,
      });
    case 'azure_data_lake_gen2':
      throw new TrellisError(
        'DatastoreUnsupported',
        400,
        `datastore '${name}' is ADLS Gen2 (type azure_data_lake_gen2), which Trellis reads through the DFS endpoint with a service principal; this server has neither an Entra ID to sign in with nor a DFS endpoint to test against (Azurite serves blobs only), so it cannot be used here; point an azure_blob datastore at the same account and container (filesystem) instead (see docs/datastores.md)`,
      );
    case 'azure_file':
      throw new TrellisError(
        'DatastoreUnsupported',
        400,
        `datastore '${name}' is an Azure file share (type azure_file), which Trellis does not read; copy the files to a blob container and use an azure_blob datastore (see docs/datastores.md)`,
      );
  }
}

/** Lists one object, as Azure ML checks a datastore when it is made; 400 with the service's reason when that fails. */
async function verifyReachable(name: string, files: DatastoreFiles): Promise<void> {
  try {
    await files.check();
  } catch (error) {
    if (!isTrellisError(error)) throw error;
    // The storage service's own words (e.g. `403 AuthenticationFailed: ...`), not the artifact store's framing.
    const reason = typeof error.details.reason === 'string' ? error.details.reason : error.message;
    throw new TrellisError(
      'DatastoreUnreachable',
      400,
      `datastore '${name}' was not created: ${files.description} answered: ${reason}; check its account, container or bucket, endpoint and credentials`,
      { cause: error },
    );
  }
}
