import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { extname, posix } from 'node:path';
import { Readable } from 'node:stream';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import type { Context } from '../../services/context.js';
import { getLoggedModel } from '../../services/tracking/logged-model-service.js';
import { deleteArtifacts, listArtifactFolder, listUnderRoot, openArtifact, uploadArtifact } from '../../services/tracking/mlflow-artifacts.js';
import { getRun } from '../../services/tracking/run-service.js';
import { fieldsOf, optionalString, requiredString } from './request-fields.js';
import { workspaceOf } from './workspace-of.js';

const contentTypes: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json',
  '.yaml': 'text/yaml; charset=utf-8',
  '.yml': 'text/yaml; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.html': 'text/plain; charset=utf-8', // never rendered as a page from this origin
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'text/plain; charset=utf-8',
};

/**
 * The artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/...`) that `mlflow-artifacts:` URIs
 * resolve to, and the tracking API's artifacts/list. Uploads of any content type arrive as a raw
 * stream (a .json artifact is a file, not a request body), bounded by TRELLIS_MAX_UPLOAD_BYTES.
 */
export function artifactRoutes(app: FastifyInstance, context: Context, prefix: string, maxUploadBytes: number): void {
  const proxy = `${prefix}/api/2.0/mlflow-artifacts/artifacts`;

  app.put(`${proxy}/*`, async (request) => {
    const body = request.body;
    const stream = body instanceof Readable ? body : Readable.from(body === undefined ? [] : [Buffer.from(String(body))]);
    await uploadArtifact(context, workspaceOf(request), pathOf(request), stream, maxUploadBytes);
    return {};
  });

  app.get(`${proxy}/*`, async (request, reply) => download(context, request, reply));

  app.get(proxy, async (request) => ({ files: await listArtifactFolder(context, workspaceOf(request), optionalString(fieldsOf(request), 'path') || undefined) }));

  app.delete(`${proxy}/*`, async (request) => {
    await deleteArtifacts(context, workspaceOf(request), pathOf(request));
    return {};
  });

  for (const base of [`${prefix}/api/2.0/mlflow`, `${prefix}/ajax-api/2.0/mlflow`]) {
    app.get(`${base}/artifacts/list`, async (request) => {
      const fields = fieldsOf(request);
      const runId = optionalString(fields, 'run_id') || requiredString(fields, 'run_uuid');
      const run = await getRun(context, workspaceOf(request), runId);
      const files = await listUnderRoot(context, workspaceOf(request), run.info.artifact_uri, optionalString(fields, 'path') || undefined);
      return { root_uri: run.info.artifact_uri, files };
    });

    app.get(`${base}/logged-models/:model_id/artifacts/directories`, async (request) => {
      const { model_id: modelId } = request.params as { model_id: string };
      const model = await getLoggedModel(context, workspaceOf(request), modelId);
      const files = await listUnderRoot(context, workspaceOf(request), model.info.artifact_uri, optionalString(fieldsOf(request), 'artifact_directory_path') || undefined);
      return { root_uri: model.info.artifact_uri, files };
    });
  }
}

function pathOf(request: FastifyRequest): string {
  const path = (request.params as { '*'?: string })['*'] ?? '';
  if (path === '') throw mlflowError('INVALID_PARAMETER_VALUE', 'An artifact path is required after /artifacts/.');
  return path;
}

async function download(context: Context, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const path = pathOf(request);
  const { stream, size } = await openArtifact(context, workspaceOf(request), path);
  const name = posix.basename(path);
  return reply
    .header('content-type', contentTypes[extname(name).toLowerCase()] ?? 'application/octet-stream')
    .header('content-length', String(size))
    .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(name)}`)
    .header('x-content-type-options', 'nosniff')
    .send(stream);
}
