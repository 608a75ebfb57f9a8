import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { mlflowRootDownloadRoutes, mlflowWebUiArtifactRoutes } from '../../contract/mlflow/web-ui.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { mlflowSafePath } from '../../core/tracking/safe-artifact-path.js';
import type { Context } from '../../services/context.js';
import { getLoggedModel } from '../../services/tracking/logged-model-service.js';
import { pathUnderRoot, uploadArtifact } from '../../services/tracking/mlflow-artifacts.js';
import { getDownloadUri } from '../../services/tracking/model-version-service.js';
import { getRun } from '../../services/tracking/run-service.js';
import { sendArtifact } from './artifact-download.js';
import { type MlflowRoute, withHandlers } from './mlflow-route.js';
import { type Fields, requiredString } from './request-fields.js';
import { workspaceOf } from './workspace-of.js';

/** The web UI's uploads are small files dropped in the browser; MLflow's server takes at most 10 MB. */
const maxUiUploadBytes = 10 * 1024 * 1024;

/**
 * The web UI's downloads at the workspace's root: a run's file (`/get-artifact`) and a model
 * version's (`/model-versions/get-artifact`), each resolved under its artifact root, so a path
 * can never reach outside it (MLflow's path check first, then the store's key rules).
 */
export function rootDownloadRoutes(context: Context): MlflowRoute[] {
  return withHandlers(mlflowRootDownloadRoutes, {
    getRunArtifact: async (request, reply) => {
      const fields = queryOf(request);
      const path = safePath(requiredString(fields, 'path'));
      const runId = stringOf(fields, 'run_id') || requiredString(fields, 'run_uuid');
      const workspace = workspaceOf(request);
      const run = await getRun(context, workspace, runId);
      return sendArtifact(context, request, reply, workspace, pathUnderRoot(run.info.artifact_uri, path));
    },
    getModelVersionArtifact: async (request, reply) => {
      const fields = queryOf(request);
      const path = safePath(requiredString(fields, 'path'));
      const workspace = workspaceOf(request);
      const uri = await getDownloadUri(context, workspace, requiredString(fields, 'name'), requiredString(fields, 'version'));
      return sendArtifact(context, request, reply, workspace, pathUnderRoot(uri, path));
    },
  });
}

/** The web UI's artifact calls under /ajax-api/2.0: adding a file to a run, and reading a logged model's file. */
export function webUiArtifactRoutes(context: Context): MlflowRoute[] {
  return withHandlers(mlflowWebUiArtifactRoutes, {
    uploadRunArtifact: async (request, reply) => {
      // Checked in MLflow's order, with its messages: run, path, size, data; then the run itself.
      const fields = queryOf(request);
      const runId = stringOf(fields, 'run_uuid');
      if (!runId) throw mlflowError('INVALID_PARAMETER_VALUE', 'Request must specify run_uuid.');
      const rawPath = stringOf(fields, 'path');
      if (!rawPath) throw mlflowError('INVALID_PARAMETER_VALUE', 'Request must specify path.');
      const path = safePath(rawPath);
      if (Number(request.headers['content-length'] ?? 0) > maxUiUploadBytes) throw tooLarge();
      const data = await readBounded(request);
      if (data.length === 0) throw mlflowError('INVALID_PARAMETER_VALUE', 'Request must specify data.');
      const workspace = workspaceOf(request);
      const run = await getRun(context, workspace, runId);
      await uploadArtifact(context, workspace, pathUnderRoot(run.info.artifact_uri, path), Readable.from([data]), maxUiUploadBytes);
      // MLflow answers an empty body typed as JSON.
      return reply.type('application/json').send('');
    },
    getLoggedModelArtifact: async (request, reply) => {
      const { model_id: modelId } = request.params as { model_id: string };
      const rawPath = stringOf(queryOf(request), 'artifact_file_path');
      if (!rawPath) throw mlflowError('BAD_REQUEST', 'Request must include the "artifact_file_path" query parameter.');
      const path = safePath(rawPath);
      const workspace = workspaceOf(request);
      const model = await getLoggedModel(context, workspace, modelId);
      return sendArtifact(context, request, reply, workspace, pathUnderRoot(model.info.artifact_uri, path));
    },
  });
}

/** These routes take their fields from the query string only, as MLflow's do (the body, if any, is a file). */
function queryOf(request: FastifyRequest): Fields {
  return (request.query ?? {}) as Fields;
}

/** A query value as a string; a repeated parameter counts by its first value, as Flask's args.get. */
function stringOf(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/** MLflow's check and the path it uses (decoded); refused as MLflow refuses it, "Invalid path". */
function safePath(path: string): string {
  const safe = mlflowSafePath(path);
  if (safe === undefined) throw mlflowError('INVALID_PARAMETER_VALUE', 'Invalid path');
  return safe;
}

function tooLarge(): Error {
  return mlflowError('INVALID_PARAMETER_VALUE', 'Artifact size is too large. Max size is 10MB.');
}

/** The body's bytes, refused once they pass 10 MB (a chunked body has no content-length to check first). */
async function readBounded(request: FastifyRequest): Promise<Buffer> {
  if (!(request.body instanceof Readable)) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += (chunk as Buffer).length;
    if (size > maxUiUploadBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
