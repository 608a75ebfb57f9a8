import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError } from '../client/api-error.js';
import type { DeploymentBody, TrellisClient } from '../client/trellis-client.js';

/**
 * What `az ml online-deployment create|update` does unless given --no-wait: wait for the
 * deployment's provisioning state to end, and fail when it ends Failed, so a script's next line
 * does not run against a deployment that never came up.
 */

export interface WaitOptions {
  /** A line whenever the state or its reason changes (stderr, in table mode). */
  onProgress?: (line: string) => void;
  /** Between polls; the default suits a person watching. */
  intervalMs?: number;
}

/** Polls until the deployment is Succeeded (returned) or Failed (a DeploymentFailed error with the reason and where to look). */
export async function waitForDeployment(
  client: TrellisClient,
  workspace: string,
  endpoint: string,
  name: string,
  options: WaitOptions = {},
): Promise<DeploymentBody> {
  let shown = '';
  for (;;) {
    const deployment = await client.getOnlineDeployment(workspace, endpoint, name);
    const line = `deployment ${name}: ${deployment.state}${deployment.reason ? ` (${deployment.reason})` : ''}`;
    if (line !== shown) options.onProgress?.(line);
    shown = line;
    if (deployment.state === 'Succeeded') return deployment;
    if (deployment.state === 'Failed') {
      throw new ApiError(
        422,
        'DeploymentFailed',
        `deployment '${name}' of endpoint '${endpoint}' failed: ${deployment.reason ?? 'no reason recorded'}; see why with: trellis online-deployment get-logs --name ${name} --endpoint-name ${endpoint}`,
      );
    }
    await sleep(options.intervalMs ?? 500);
  }
}
