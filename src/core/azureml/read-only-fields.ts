import { z } from 'zod';
import type { ResourceKind } from '../resources/kinds.js';

/**
 * Top-level fields the Azure ML service fills in. Azure's loader accepts them and drops them
 * (marshmallow dump_only fields), so the output of `az ml <kind> show` can be fed back to
 * `create`; Trellis does the same and notes that they were ignored.
 */
export const readOnlyFields: Readonly<Record<ResourceKind, readonly string[]>> = {
  workspace: ['id', 'mlflow_tracking_uri', 'associated_workspaces'],
  environment: ['id', 'creation_context', 'latest_version', 'intellectual_property'],
  data: ['id', 'creation_context', 'latest_version', 'properties'],
  code: ['id', 'creation_context', 'latest_version'],
  component: ['id', 'creation_context', 'latest_version'],
  model: ['id', 'creation_context', 'latest_version', 'job_name', 'utc_time_created', 'intellectual_property'],
  compute: [
    'id',
    'provisioning_state',
    'provisioning_errors',
    'created_on',
    // computeinstance
    'state',
    'last_operation',
    'services',
    'os_image_metadata',
    // virtualmachine
    'compute_location',
    // synapsespark
    'node_family',
    'node_size',
    'node_count',
    'spark_version',
  ],
};

/** Shape entries that accept any value for the kind's read-only fields. */
export function readOnlyShape(kind: ResourceKind): Record<string, z.ZodOptional<z.ZodUnknown>> {
  return Object.fromEntries(readOnlyFields[kind].map((field) => [field, z.unknown().optional()]));
}
