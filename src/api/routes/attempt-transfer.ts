import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { packFolder, unpackResults } from '../../backends/kubernetes/attempt-archive.js';
import { checkAttemptToken, loadAttemptSecret, type AttemptIdentity } from '../../backends/kubernetes/attempt-token.js';
import { resultFolders } from '../../backends/kubernetes/pod-transfer.js';
import { TrellisError } from '../../core/errors.js';
import { attemptFolder } from '../../services/jobs/prepare-attempt.js';
import { problemSchema } from '../problem.js';
import type { RouteOptions } from '../route-options.js';
import { workspaceParams } from '../schemas.js';

const attemptParams = workspaceParams.extend({
  name: z.string().describe('job name'),
  attempt: z.coerce.number().int().min(1).describe('attempt number, from 1'),
});
const tokenQuery = z.object({ token: z.string().optional().describe("the attempt's token, as given to its pods") });
const unpacked = z
  .object({ files: z.number().int(), bytes: z.number().int(), skipped: z.array(z.string()) })
  .meta({ id: 'AttemptResults' });
const errors = { 403: problemSchema, 404: problemSchema, 413: problemSchema, 415: problemSchema, 422: problemSchema };

/**
 * What the pods of an attempt on a remote compute (Kubernetes) exchange with Trellis: they
 * download the attempt's prepared folder as a tar, and upload its logs, outputs and
 * checkpoints as a tar that is unpacked into the same folder, where finalize-attempt reads them
 * as after a local run. The token in the URL (attempt-token.ts) is the pod's only credential;
 * a wrong one is refused with 403 before anything is read or written.
 */
export const attemptTransferRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { config, jobs }) => {
  const tags = ['jobs'];
  const secret = await loadAttemptSecret(config.home);
  // The pods send tar; the body stays a stream that is unpacked as it arrives.
  app.addContentTypeParser('application/x-tar', (_request, payload, done) => done(null, payload));

  /** The attempt's folder, once the token is checked. */
  const folderOf = async (params: z.infer<typeof attemptParams>, token: string | undefined): Promise<string> => {
    const identity: AttemptIdentity = { workspace: params.workspace, jobName: params.name, attempt: params.attempt };
    checkAttemptToken(secret, identity, token);
    const folder = jobs
      ? attemptFolder(jobs.jobsRoot, { workspace: params.workspace, name: params.name, attempt: params.attempt })
      : undefined;
    if (!folder || !(await stat(folder).catch(() => undefined))?.isDirectory()) {
      throw new TrellisError(
        'AttemptNotFound',
        404,
        `attempt ${params.attempt} of job '${params.name}' has no folder on this server: it was never prepared here, or a later attempt replaced it`,
      );
    }
    return folder;
  };

  app.get(
    '/api/v1/workspaces/:workspace/jobs/:name/attempts/:attempt/bundle.tar',
    {
      // No response schema: the answer is a tar stream (errors are problem details, 403 for a wrong token).
      schema: {
        tags,
        summary: "The attempt's prepared folder (code, inputs, checkpoints) as a tar, for its pods",
        params: attemptParams,
        querystring: tokenQuery,
      },
    },
    async (request, reply) => {
      const folder = await folderOf(request.params, request.query.token);
      return reply.type('application/x-tar').send(packFolder(folder));
    },
  );

  app.put(
    '/api/v1/workspaces/:workspace/jobs/:name/attempts/:attempt/results.tar',
    {
      schema: {
        tags,
        summary: `What an attempt's pod left (${resultFolders.map((folder) => `${folder}/`).join(', ')}) as a tar, unpacked into the attempt's folder`,
        params: attemptParams,
        querystring: tokenQuery,
        response: { 200: unpacked, ...errors },
      },
    },
    async (request) => {
      const folder = await folderOf(request.params, request.query.token);
      if (!(request.body instanceof Readable))
        throw new TrellisError('UnsupportedMediaType', 415, 'send the tar archive as the raw body with Content-Type: application/x-tar');
      return unpackResults(request.body, folder, { folders: resultFolders, maxBytes: config.maxUploadBytes });
    },
  );
};
