import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Deployment } from '../../core/endpoints/endpoint.js';

/** The folder of one version of a deployment: <root>/<workspace>/<endpoint>/<deployment>/<etag>/. */
export function deploymentFolder(
  servingRoot: string,
  deployment: Pick<Deployment, 'workspace' | 'endpoint' | 'name'>,
  etag: string,
): string {
  return join(servingRoot, deployment.workspace, deployment.endpoint, deployment.name, etag);
}

/**
 * The log files in the folders of a deployment's versions, in order: each folder's prepare.log,
 * then its instance logs by instance number. A folder without a logs/ folder (preparation failed
 * early, or it was removed) has only its prepare.log.
 */
export async function logFilesIn(folders: string[], logger: Logger): Promise<string[]> {
  const files: string[] = [];
  for (const folder of folders) {
    const instanceLogs = await readdir(join(folder, 'logs')).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT')
        logger.warn(
          { err: error, folder },
          `deployment logs: the instance logs under ${folder} could not be listed; get-logs leaves them out`,
        );
      return [] as string[];
    });
    files.push(
      join(folder, 'prepare.log'),
      ...instanceLogs
        .filter((name) => name.endsWith('.log'))
        .sort(byInstanceNumber)
        .map((name) => join(folder, 'logs', name)),
    );
  }
  return files;
}

/** instance-2.log before instance-10.log. */
function byInstanceNumber(a: string, b: string): number {
  return (Number(/(\d+)/.exec(a)?.[1]) || 0) - (Number(/(\d+)/.exec(b)?.[1]) || 0) || a.localeCompare(b);
}
