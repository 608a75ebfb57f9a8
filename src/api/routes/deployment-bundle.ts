import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { packFolder } from '../../backends/kubernetes/attempt-archive.js';
import { loadAttemptSecret } from '../../backends/kubernetes/attempt-token.js';
import { checkDeploymentBundleToken, deploymentBundleFolders } from '../../backends/kubernetes/deployment-bundle-token.js';
import { deploymentBundleRoutes as routes } from '../../contract/deployment-bundle.js';
import { deploymentFolder } from '../../controllers/serving/deployment-logs.js';
import { hasCode } from '../../core/error-codes.js';
import { TrellisError } from '../../core/errors.js';
import type { RouteOptions } from '../route-options.js';

/**
 * What the init container of an online deployment's instances on a Kubernetes compute
 * downloads: the prepared version's model and code (serving/<ws>/<endpoint>/<deployment>/<etag>/,
 * its azureml-models/ and code/ only) as a tar. The version's token (deployment-bundle-token.ts)
 * is checked before anything is read; the folder is on the server that prepared the version.
 */
export const deploymentBundleRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { config }) => {
  const secret = await loadAttemptSecret(config.home);

  app.get(routes.bundle.path, { schema: routes.bundle.schema }, async (request, reply) => {
    const { workspace, name, deployment, version } = request.params;
    checkDeploymentBundleToken(secret, { workspace, endpoint: name, deployment, version }, request.query.token);
    const folder = deploymentFolder(join(config.home, 'serving'), { workspace, endpoint: name, name: deployment }, version);
    if (!(await isFolder(folder)))
      throw new TrellisError(
        'DeploymentVersionNotFound',
        404,
        `version ${version} of deployment '${deployment}' of endpoint '${name}' has no prepared folder on this server: it was prepared by another server, or a later version replaced it`,
      );
    return reply.type('application/x-tar').send(packFolder(folder, { only: deploymentBundleFolders }));
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
