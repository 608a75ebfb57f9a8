import type { FastifyReply, FastifyRequest } from 'fastify';
import { posix } from 'node:path';
import type { Context } from '../../services/context.js';
import { artifactSize, openArtifact } from '../../services/tracking/mlflow-artifacts.js';
import { byteRangeOf } from '../http-range.js';
import { contentDispositionAttachment, guessMimeType } from './artifact-headers.js';

/**
 * Streams a file of the workspace's MLflow artifact store (`path` under the proxy's root), or the
 * one byte range asked for, with the headers MLflow's server sends: always as an attachment, with
 * the content type guessed from the name and nosniff, so no artifact renders in this origin.
 */
export async function sendArtifact(
  context: Context,
  request: FastifyRequest,
  reply: FastifyReply,
  workspace: string,
  path: string,
): Promise<FastifyReply> {
  const size = await artifactSize(context, workspace, path);
  const range = byteRangeOf(request.headers.range, size);
  if (range === 'unsatisfiable') {
    return reply
      .status(416)
      .header('content-range', `bytes */${size}`)
      .send({
        error_code: 'INVALID_PARAMETER_VALUE',
        message: `The range ${request.headers.range} starts past the end of '${path}' (${size} bytes).`,
      });
  }
  reply
    .header('content-type', guessMimeType(path))
    .header('content-disposition', contentDispositionAttachment(posix.basename(path)))
    .header('x-content-type-options', 'nosniff')
    .header('accept-ranges', 'bytes');
  if (!range) return reply.header('content-length', String(size)).send(await openArtifact(context, workspace, path));
  return reply
    .status(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
    .header('content-length', String(range.end - range.start + 1))
    .send(await openArtifact(context, workspace, path, range));
}
