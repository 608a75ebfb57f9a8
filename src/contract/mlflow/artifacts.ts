import { z } from 'zod';
import type { MlflowTable } from './route.js';
import { emptyResponse, fileInfoSchema, int64Field, mlflowErrorSchema } from './schemas.js';

const artifactPath = z.object({ '*': z.string().describe('the artifact path') });
const fileList = z.object({ root_uri: z.string(), files: z.array(fileInfoSchema) });
/** Any bytes: a file is stored as it comes, whatever its content type. */
const anyBytes = ['application/octet-stream', '*/*'];
const binary = z.string().meta({ format: 'binary' });

/**
 * The artifact proxy that `mlflow-artifacts:` URIs resolve to (PUT, GET with Range, list and
 * DELETE of files, as `mlflow server --serve-artifacts`), its multipart uploads, and the tracking
 * API's artifacts/list and a logged model's directory listing (under /mlflow, not /mlflow-artifacts).
 */
export const mlflowArtifactRoutes = {
  uploadArtifact: {
    method: 'PUT',
    path: '/mlflow-artifacts/artifacts/*',
    summary: 'Upload a file (the body, streamed to the store)',
    params: artifactPath,
    consumes: anyBytes,
    request: binary,
    response: emptyResponse,
  },
  downloadArtifact: {
    method: 'GET',
    path: '/mlflow-artifacts/artifacts/*',
    summary: 'Download a file, or the one byte range asked for (206)',
    params: artifactPath,
    response: { description: 'the file, with a content type guessed from its name', content: { '*/*': { schema: binary } } },
    otherResponses: {
      206: { description: 'the byte range asked for (Range: bytes=a-b)', content: { '*/*': { schema: binary } } },
      416: mlflowErrorSchema,
    },
  },
  listProxiedArtifacts: {
    method: 'GET',
    path: '/mlflow-artifacts/artifacts',
    summary: 'List one folder of the artifact store',
    request: z.object({ path: z.string().optional() }),
    response: z.object({ files: z.array(fileInfoSchema) }),
  },
  deleteArtifact: {
    method: 'DELETE',
    path: '/mlflow-artifacts/artifacts/*',
    summary: 'Delete a file or a folder',
    params: artifactPath,
    response: emptyResponse,
  },
  // With MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD the client fetches a URL here and reads it in
  // ranges; this server is the storage, so the URL is the download route itself.
  getPresignedDownload: {
    method: 'GET',
    path: '/mlflow-artifacts/presigned/*',
    summary: 'Where to download a file from, and its size',
    params: artifactPath,
    response: z.object({ url: z.string(), headers: z.record(z.string(), z.string()), file_size: z.number().int() }),
  },
  createMultipartUpload: {
    method: 'POST',
    path: '/mlflow-artifacts/mpu/create/*',
    summary: 'Start a multipart upload: one URL per part',
    params: artifactPath,
    request: z.object({ path: z.string(), num_parts: int64Field.optional() }),
    response: z.object({
      upload_id: z.string(),
      credentials: z.array(z.object({ url: z.string(), part_number: z.number().int(), headers: z.record(z.string(), z.string()) })),
    }),
  },
  uploadPart: {
    method: 'PUT',
    path: '/mlflow-artifacts/mpu/parts/:upload_id/:part_number',
    summary: 'Upload one part; its etag comes back in the ETag header',
    params: z.object({ upload_id: z.string(), part_number: z.string() }),
    consumes: anyBytes,
    request: binary,
    response: emptyResponse,
  },
  completeMultipartUpload: {
    method: 'POST',
    path: '/mlflow-artifacts/mpu/complete/*',
    summary: 'Join the uploaded parts into the file',
    params: artifactPath,
    request: z.object({
      path: z.string(),
      upload_id: z.string(),
      parts: z.array(z.object({ part_number: int64Field, etag: z.string().optional() })),
    }),
    response: emptyResponse,
  },
  abortMultipartUpload: {
    method: 'POST',
    path: '/mlflow-artifacts/mpu/abort/*',
    summary: 'Abandon a multipart upload and its parts',
    params: artifactPath,
    request: z.object({ path: z.string().optional(), upload_id: z.string() }),
    response: emptyResponse,
  },
  listArtifacts: {
    method: 'GET',
    path: '/mlflow/artifacts/list',
    summary: "List one folder of a run's artifacts",
    request: z.object({ run_id: z.string().optional(), run_uuid: z.string().optional(), path: z.string().optional() }),
    response: fileList,
  },
  listLoggedModelArtifacts: {
    method: 'GET',
    path: '/mlflow/logged-models/:model_id/artifacts/directories',
    summary: "List one folder of a logged model's artifacts",
    params: z.object({ model_id: z.string() }),
    request: z.object({ artifact_directory_path: z.string().optional() }),
    response: fileList,
  },
} satisfies MlflowTable;
