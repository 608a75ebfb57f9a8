import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { TrellisConfig } from '../../config/config.js';
import { mlflowArtifactRoutes } from '../../contract/mlflow/artifacts.js';
import { TrellisError } from '../../core/errors.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import type { Context } from '../../services/context.js';
import { getLoggedModel } from '../../services/tracking/logged-model-service.js';
import {
  artifactSize,
  deleteArtifacts,
  listArtifactFolder,
  listUnderRoot,
  uploadArtifact,
} from '../../services/tracking/mlflow-artifacts.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  uploadPart,
  type CompletedPart,
} from '../../services/tracking/mlflow-multipart-upload.js';
import { getRun } from '../../services/tracking/run-service.js';
import { publicUrlOf } from '../public-url.js';
import { sendArtifact } from './artifact-download.js';
import { parseLenientJson } from './mlflow-json.js';
import { type MlflowHandlers, type MlflowRoute, withHandlers } from './mlflow-route.js';
import { type Fields, fieldsOf, optionalInteger, optionalString, requiredString } from './request-fields.js';
import { workspaceOf } from './workspace-of.js';

/**
 * Largest JSON body of an mpu/* call. These routes take every body as a raw stream, so JSON is
 * read here with its own bound: a complete call lists up to 10,000 parts of ~250 bytes each.
 */
const maxJsonBodyBytes = 8 * 1024 * 1024;

/** Handlers of some rows of the artifact table. */
type Handlers = Partial<MlflowHandlers<typeof mlflowArtifactRoutes>>;

/**
 * The artifact proxy that `mlflow-artifacts:` URIs resolve to (`<tracking URI>/api/2.0/
 * mlflow-artifacts/...`; the MLflow client keeps the tracking URI's path, so a workspace's
 * artifacts go through /workspaces/{ws}/mlflow and land in that workspace's store), and the
 * tracking API's artifacts/list. Bodies arrive as raw streams, whatever their content type (a
 * .json artifact is a file, not a request), and go to the store unbuffered: Fastify's bodyLimit
 * only bounds bodies it buffers, so an upload is bounded by `maxUploadBytes`
 * (TRELLIS_MAX_UPLOAD_BYTES, 50 GiB by default) as the store writes it.
 */
export function artifactRoutes(context: Context, config: Pick<TrellisConfig, 'maxUploadBytes' | 'publicUrl'>): MlflowRoute[] {
  return withHandlers(mlflowArtifactRoutes, {
    ...proxyHandlers(context, config),
    ...multipartHandlers(context, config),
    ...listingHandlers(context),
  });
}

/** Handlers of the tracking API's artifacts/list and a logged model's directory listing (under /mlflow, not /mlflow-artifacts). */
function listingHandlers(context: Context) {
  return {
    listArtifacts: async (request) => {
      const fields = fieldsOf(request);
      const runId = optionalString(fields, 'run_id') || requiredString(fields, 'run_uuid');
      const run = await getRun(context, workspaceOf(request), runId);
      const files = await listUnderRoot(context, workspaceOf(request), run.info.artifact_uri, optionalString(fields, 'path') || undefined);
      return { root_uri: run.info.artifact_uri, files };
    },
    listLoggedModelArtifacts: async (request) => {
      const { model_id: modelId } = request.params as { model_id: string };
      const model = await getLoggedModel(context, workspaceOf(request), modelId);
      const files = await listUnderRoot(
        context,
        workspaceOf(request),
        model.info.artifact_uri,
        optionalString(fieldsOf(request), 'artifact_directory_path') || undefined,
      );
      return { root_uri: model.info.artifact_uri, files };
    },
  } satisfies Handlers;
}

/** Handlers of PUT, GET (Range too), list and DELETE of files, as `mlflow server --serve-artifacts`. */
function proxyHandlers(context: Context, config: Pick<TrellisConfig, 'maxUploadBytes' | 'publicUrl'>) {
  const { maxUploadBytes } = config;
  return {
    uploadArtifact: async (request) => {
      await uploadArtifact(context, workspaceOf(request), pathOf(request), bodyStream(request), maxUploadBytes);
      return {};
    },
    downloadArtifact: async (request, reply) => sendArtifact(context, request, reply, workspaceOf(request), pathOf(request)),
    listProxiedArtifacts: async (request) => ({
      files: await listArtifactFolder(context, workspaceOf(request), optionalString(fieldsOf(request), 'path') || undefined),
    }),
    deleteArtifact: async (request) => {
      await deleteArtifacts(context, workspaceOf(request), pathOf(request));
      return {};
    },
    getPresignedDownload: async (request) => {
      const path = pathOf(request);
      const size = await artifactSize(context, workspaceOf(request), path);
      return {
        url: `${serviceUrlOf(config, request)}/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`,
        headers: {},
        file_size: size,
      };
    },
  } satisfies Handlers;
}

/** Handlers of mpu/create, mpu/complete and mpu/abort, and the part URLs that create hands out. */
function multipartHandlers(context: Context, config: Pick<TrellisConfig, 'maxUploadBytes' | 'publicUrl'>) {
  const { maxUploadBytes } = config;
  return {
    createMultipartUpload: async (request) => {
      const fields = await jsonFieldsOf(request);
      const numParts = optionalInteger(fields, 'num_parts') ?? 1;
      const { uploadId } = await createMultipartUpload(
        context,
        workspaceOf(request),
        pathOf(request),
        requiredString(fields, 'path'),
        numParts,
      );
      const partsUrl = `${serviceUrlOf(config, request)}/mpu/parts/${uploadId}`;
      const credentials = Array.from({ length: numParts }, (_, index) => ({
        url: `${partsUrl}/${index + 1}`,
        part_number: index + 1,
        headers: {},
      }));
      return { upload_id: uploadId, credentials };
    },
    uploadPart: async (request, reply) => {
      const { upload_id: uploadId, part_number: partNumber } = request.params as { upload_id: string; part_number: string };
      const etag = await uploadPart(
        context,
        workspaceOf(request),
        uploadId,
        /^\d+$/.test(partNumber) ? Number(partNumber) : Number.NaN,
        bodyStream(request),
        maxUploadBytes,
      );
      return reply.header('etag', etag).send({});
    },
    completeMultipartUpload: async (request) => {
      const fields = await jsonFieldsOf(request);
      await completeMultipartUpload(
        context,
        workspaceOf(request),
        pathOf(request),
        requiredString(fields, 'path'),
        requiredString(fields, 'upload_id'),
        partsOf(fields),
        maxUploadBytes,
      );
      return {};
    },
    abortMultipartUpload: async (request) => {
      const fields = await jsonFieldsOf(request);
      pathOf(request); // required, as in MLflow, though the upload id alone names the upload
      await abortMultipartUpload(context, workspaceOf(request), requiredString(fields, 'upload_id'));
      return {};
    },
  } satisfies Handlers;
}

/** The artifact path after `/artifacts/` (or `/mpu/create/`, ...), as the router decoded it. */
function pathOf(request: FastifyRequest): string {
  const path = (request.params as { '*'?: string })['*'] ?? '';
  if (path === '') throw mlflowError('INVALID_PARAMETER_VALUE', 'An artifact path is required after the endpoint.');
  return path;
}

function bodyStream(request: FastifyRequest): Readable {
  // No body at all (an empty file sent without a content type) arrives as undefined.
  return request.body instanceof Readable ? request.body : Readable.from([]);
}

/**
 * `<public URL><workspace prefix>/<api|ajax-api>/2.0/mlflow-artifacts` of the route this request
 * came in by, for URLs the client calls back with plain HTTP (part uploads, presigned): the
 * configured public URL, never the request's Host header (public-url.ts).
 */
function serviceUrlOf(config: Pick<TrellisConfig, 'publicUrl'>, request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? '';
  return `${publicUrlOf(config, request.server)}${path.slice(0, path.indexOf('/mlflow-artifacts/') + '/mlflow-artifacts'.length)}`;
}

/** The JSON object body of an mpu/* call, read from the raw stream with a bound. */
async function jsonFieldsOf(request: FastifyRequest): Promise<Fields> {
  if (!(request.body instanceof Readable)) return fieldsOf(request);
  let text = '';
  for await (const chunk of request.body) {
    text += (chunk as Buffer).toString();
    if (text.length > maxJsonBodyBytes)
      throw new TrellisError('INVALID_PARAMETER_VALUE', 413, `The request body is larger than ${maxJsonBodyBytes} bytes.`);
  }
  let body: unknown;
  try {
    body = text === '' ? {} : parseLenientJson(text);
  } catch (error) {
    // Only a body that is not JSON is the client's to fix; anything else is the server's (a 500, logged).
    if (!(error instanceof SyntaxError)) throw error;
    throw mlflowError('INVALID_PARAMETER_VALUE', 'The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw mlflowError('INVALID_PARAMETER_VALUE', 'The request body must be a JSON object.');
  return { ...(request.query as Fields), ...(body as Fields) };
}

function partsOf(fields: Fields): CompletedPart[] {
  const parts = fields.parts;
  if (!Array.isArray(parts)) throw mlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'parts'.");
  return parts.map((part: unknown, index) => {
    if (typeof part !== 'object' || part === null)
      throw mlflowError('INVALID_PARAMETER_VALUE', `parts[${index}] must be an object with part_number and etag.`);
    const partNumber = optionalInteger(part as Fields, 'part_number');
    if (partNumber === undefined) throw mlflowError('INVALID_PARAMETER_VALUE', `parts[${index}] has no part_number.`);
    const etag = optionalString(part as Fields, 'etag');
    return etag ? { partNumber, etag } : { partNumber };
  });
}
