import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { uploadRoutes as routes } from '../../contract/uploads.js';
import { canonicalManifestJson, parseFolderManifest } from '../../artifacts/folder-manifest.js';
import { TrellisError, type Problem, invalidInput } from '../../core/errors.js';
import { requireWorkspace } from '../../services/resource-service.js';
import type { RouteOptions } from '../route-options.js';

/**
 * Content uploads: bytes stream straight into the workspace's artifact store (never buffered
 * whole), addressed by sha256 so the same bytes are stored once. A folder is a manifest of
 * uploaded files, itself stored as content.
 */
export const uploadRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config }) => {
  app.post(routes.file.path, { schema: routes.file.schema }, async (request, reply) => {
    await requireWorkspace(context, request.params.workspace);
    if (!(request.body instanceof Readable)) {
      throw new TrellisError('UnsupportedMediaType', 415, 'send the file as the raw body with Content-Type: application/octet-stream');
    }
    const result = await context.artifactsFor(request.params.workspace).putContent(request.body, {
      maxBytes: config.maxUploadBytes,
      ...(request.query.digest ? { expectedDigest: request.query.digest } : {}),
    });
    return reply.status(result.isNew ? 201 : 200).send(result);
  });

  app.post(routes.folder.path, { schema: routes.folder.schema }, async (request, reply) => {
    await requireWorkspace(context, request.params.workspace);
    const artifacts = context.artifactsFor(request.params.workspace);
    const manifest = parseFolderManifest(request.body);
    const problems: Problem[] = [];
    for (const [index, file] of manifest.files.entries()) {
      const stored = await artifacts.hasContent(file.digest);
      if (!stored) problems.push({ path: `files.${index}`, message: `'${file.path}' (${file.digest}) was not uploaded; upload it first` });
      else if (stored.size !== file.size)
        problems.push({ path: `files.${index}.size`, message: `'${file.path}' is ${stored.size} bytes in the store, not ${file.size}` });
    }
    if (problems.length > 0) throw invalidInput('folder manifest', problems);
    const stored = await artifacts.putContent(Readable.from([canonicalManifestJson(manifest)]));
    const size = manifest.files.reduce((total, file) => total + file.size, 0);
    return reply
      .status(stored.isNew ? 201 : 200)
      .send({ digest: stored.digest, size, isNew: stored.isNew, fileCount: manifest.files.length });
  });

  app.get(routes.content.path, { schema: routes.content.schema }, async (request, reply) => {
    await requireWorkspace(context, request.params.workspace);
    const artifacts = context.artifactsFor(request.params.workspace);
    const stored = await artifacts.hasContent(request.params.digest);
    if (!stored)
      throw new TrellisError(
        'ContentNotFound',
        404,
        `content ${request.params.digest} is not stored in workspace '${request.params.workspace}'`,
      );
    // HEAD answers carry no body, so the size also travels in its own header that nothing rewrites.
    reply
      .header('content-type', 'application/octet-stream')
      .header('x-trellis-content-size', String(stored.size))
      .header('etag', `"${request.params.digest}"`);
    if (request.method === 'HEAD') return reply.send('');
    return reply.send(await artifacts.openContent(request.params.digest));
  });
};
