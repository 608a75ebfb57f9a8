import { computeDefaults } from '../../core/azureml/compute-schema.js';
import { findSku } from '../../core/compute/sku-catalogue.js';
import type { ResourceFileOf } from '../../core/resources/resource-spec.js';
import { applyResourceFields } from '../apply-resource-fields.js';
import type { Caller, Context } from '../context.js';

/** The cluster a job without `compute:` runs on, as Azure ML's serverless compute: made on first use, scales to zero. */
export const serverlessComputeName = 'serverless';

/** The serverless cluster: an amlcompute with Azure's defaults, its size spelled as the catalogue spells it. */
export const serverlessClusterFile = {
  name: serverlessComputeName,
  type: 'amlcompute',
  size: findSku(computeDefaults.size)?.name ?? computeDefaults.size,
  min_instances: computeDefaults.min_instances,
  max_instances: computeDefaults.max_instances,
  idle_time_before_scale_down: computeDefaults.idle_time_before_scale_down,
  tier: computeDefaults.tier,
  description: 'Serverless compute: jobs that name no compute run here. Made by Trellis on first use; change it like any compute.',
} satisfies ResourceFileOf<'compute'>;

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
    await applyResourceFields(context, caller, {
      workspace,
      kind: 'compute',
      fields: serverlessClusterFile,
      fileName: 'serverless compute',
    });
  } catch (error) {
    // Two first jobs at once: the other one made it.
    if (!(await context.store.repositories.resources.get({ workspace, kind: 'compute', name: serverlessComputeName, version: null })))
      throw error;
  }
}
