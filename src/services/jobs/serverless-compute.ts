import { stringify } from 'yaml';
import type { Caller, Context } from '../context.js';
import { applyResource } from '../apply-resource.js';

/** The cluster a job without `compute:` runs on, as Azure ML's serverless compute: made on first use, scales to zero. */
export const serverlessComputeName = 'serverless';

export const serverlessClusterFile = {
  name: serverlessComputeName,
  type: 'amlcompute',
  size: 'Standard_DS3_v2',
  min_instances: 0,
  max_instances: 4,
  idle_time_before_scale_down: 120,
  tier: 'dedicated',
  description: 'Serverless compute: jobs that name no compute run here. Made by Trellis on first use; change it like any compute.',
};

/** Makes the workspace's serverless cluster if it is not there; leaves it alone if it is (the user may have changed it). */
export async function ensureServerlessCompute(context: Context, caller: Caller, workspace: string): Promise<void> {
  const existing = await context.store.repositories.resources.get({
    workspace,
    kind: 'compute',
    name: serverlessComputeName,
    version: null,
  });
  if (existing) return;
  try {
    await applyResource(context, caller, {
      workspace,
      fileName: 'serverless compute',
      text: stringify(serverlessClusterFile),
      expectedKind: 'compute',
      uploads: {},
      inlined: {},
      dryRun: false,
    });
  } catch (error) {
    // Two first jobs at once: the other one made it.
    if (!(await context.store.repositories.resources.get({ workspace, kind: 'compute', name: serverlessComputeName, version: null })))
      throw error;
  }
}
