import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { canonicalManifestJson, parseFolderManifest } from '../../artifacts/folder-manifest.js';
import { TrellisError, type Problem, invalidInput } from '../../core/errors.js';
import { requireWorkspace } from '../../services/resource-service.js';
import { problemSchema } from '../problem.js';
import type { RouteOptions } from '../route-options.js';
import { workspaceParams } from '../schemas.js';

const uploaded = z.object({ digest: z.string(), size: z.number().int(), isNew: z.boolean() }).meta({ id: 'UploadedContent' });
const errors = { 400: problemSchema, 404: problemSchema, 413: problemSchema, 422: problemSchema };

/**
 * Content uploads: bytes stream straight into the workspace's artifact store (never buffered
 * whole), addressed by sha256 so the same bytes are stored once. A folder is a manifest of
 * uploaded files, itself stored as content.
 */
export const uploadRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, config }) => {
  const tags = ['uploads'];

  app.post(
    '/api/v1/workspaces/:workspace/uploads',
    {
      schema: {
        tags,
        summary: 'Upload one file (Content-Type: application/octet-stream); returns its sha256 digest',
        params: workspaceParams,
        querystring: z.object({ digest: z.string().optional().describe('sha256:<hex> the bytes must hash to; refused if they do not') }),
        response: { 200: uploaded, 201: uploaded, ...errors },
      },
    },
    async (request, reply) => {
      await requireWorkspace(context, request.params.workspace);
      if (!(request.body instanceof Readable)) {
        throw new TrellisError('UnsupportedMediaType', 415, 'send the file as the raw body with Content-Type: application/octet-stream');
      }
      const result = await context.artifactsFor(request.params.workspace).putContent(request.body, {
        maxBytes: config.maxUploadBytes,
        ...(request.query.digest ? { expectedDigest: request.query.digest } : {}),
      });
      return reply.status(result.isNew ? 201 : 200).send(result);
    },
  );

  app.post(
    '/api/v1/workspaces/:workspace/uploads/folders',
    {
      schema: {
        tags,
        summary: 'Declare a folder from files already uploaded; returns the digest of its manifest',
        params: workspaceParams,
        body: z.object({ files: z.array(z.object({ path: z.string(), digest: z.string(), size: z.number().int().nonnegative() })) }),
        response: {
          200: uploaded.extend({ fileCount: z.number().int() }),
          201: uploaded.extend({ fileCount: z.number().int() }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      await requireWorkspace(context, request.params.workspace);
      const artifacts = context.artifactsFor(request.params.workspace);
      const manifest = parseFolderManifest(request.body);
      const problems: Problem[] = [];
      for (const [index, file] of manifest.files.entries()) {
        const stored = await artifacts.hasContent(file.digest);
        if (!stored)
          problems.push({ path: `files.${index}`, message: `'${file.path}' (${file.digest}) was not uploaded; upload it first` });
        else if (stored.size !== file.size)
          problems.push({ path: `files.${index}.size`, message: `'${file.path}' is ${stored.size} bytes in the store, not ${file.size}` });
      }
      if (problems.length > 0) throw invalidInput('folder manifest', problems);
      const stored = await artifacts.putContent(Readable.from([canonicalManifestJson(manifest)]));
      const size = manifest.files.reduce((total, file) => total + file.size, 0);
      return reply
        .status(stored.isNew ? 201 : 200)
        .send({ digest: stored.digest, size, isNew: stored.isNew, fileCount: manifest.files.length });
    },
  );

  app.get(
    '/api/v1/workspaces/:workspace/contents/:digest',
    {
      schema: {
        tags,
        summary: 'Download content by digest (HEAD tells whether it is stored)',
        params: workspaceParams.extend({ digest: z.string() }),
      },
    },
    async (request, reply) => {
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
    },
  );
};
