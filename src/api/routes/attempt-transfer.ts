import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { packFolder, unpackResults } from '../../backends/kubernetes/attempt-archive.js';
import { checkAttemptToken, loadAttemptSecret, type AttemptIdentity } from '../../backends/kubernetes/attempt-token.js';
import { resultFolders } from '../../backends/kubernetes/pod-transfer.js';
import { attemptTransferRoutes as routes } from '../../contract/attempt-transfer.js';
import { hasCode } from '../../core/error-codes.js';
import { TrellisError } from '../../core/errors.js';
import { attemptFolder } from '../../services/jobs/prepare-attempt.js';
import type { RouteOptions } from '../route-options.js';

type AttemptParams = z.output<typeof routes.bundle.schema.params>;

/**
 * What the pods of an attempt on a remote compute (Kubernetes) exchange with Trellis: they
 * download the attempt's prepared folder as a tar, and upload its logs, outputs and
 * checkpoints as a tar that is unpacked into the same folder, where finalize-attempt reads them
 * as after a local run. The token in the URL (attempt-token.ts) is the pod's only credential;
 * a wrong one is refused with 403 before anything is read or written.
 */
export const attemptTransferRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { config, jobs }) => {
  const secret = await loadAttemptSecret(config.home);
  // The pods send tar; the body stays a stream that is unpacked as it arrives.
  app.addContentTypeParser('application/x-tar', (_request, payload, done) => done(null, payload));

  /** The attempt's folder, once the token is checked. */
  const folderOf = async (params: AttemptParams, token: string | undefined): Promise<string> => {
    const identity: AttemptIdentity = { workspace: params.workspace, jobName: params.name, attempt: params.attempt };
    checkAttemptToken(secret, identity, token);
    const folder = jobs
      ? attemptFolder(jobs.jobsRoot, { workspace: params.workspace, name: params.name, attempt: params.attempt })
      : undefined;
    if (!folder || !(await isFolder(folder))) {
      throw new TrellisError(
        'AttemptNotFound',
        404,
        `attempt ${params.attempt} of job '${params.name}' has no folder on this server: it was never prepared here, or a later attempt replaced it`,
      );
    }
    return folder;
  };

  app.get(routes.bundle.path, { schema: routes.bundle.schema }, async (request, reply) => {
    const folder = await folderOf(request.params, request.query.token);
    return reply.type('application/x-tar').send(packFolder(folder));
  });

  app.put(routes.results.path, { schema: routes.results.schema }, async (request) => {
    const folder = await folderOf(request.params, request.query.token);
    if (!(request.body instanceof Readable))
      throw new TrellisError('UnsupportedMediaType', 415, 'send the tar archive as the raw body with Content-Type: application/x-tar');
    return unpackResults(request.body, folder, { folders: resultFolders, maxBytes: config.maxUploadBytes });
  });
};

/** Whether `path` is a folder; false when nothing is there. */
async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if (hasCode(error, 'ENOENT', 'ENOTDIR')) return false;
    throw error;
  }
}
