import { assignedUserOf, type InstanceStatus, labPathOf, readInstanceStatus } from '../../core/compute/compute-instance.js';
import { isComputeOfType } from '../../core/compute/compute-spec.js';
import { TrellisError } from '../../core/errors.js';
import type { StoredResource } from '../../store/resource-from-row.js';
import type { Repositories } from '../../store/store.js';
import { auditChange } from '../audit-change.js';
import type { Caller, Context } from '../context.js';

/** A compute instance as `trellis compute show` and the start/stop/restart answers report it. */
export interface InstanceView {
  name: string;
  workspace: string;
  state: InstanceStatus['state'];
  desiredState: InstanceStatus['desiredState'];
  /** Where JupyterLab answers (through this server) while it runs. */
  labUrl: string | null;
  /** The path of the lab under the server, whether it runs or not. */
  labPath: string;
  assignedUser: string | null;
  lastActivity: number | null;
  reason: string | null;
}

export type InstanceOperation = 'start' | 'stop' | 'restart';

/** The stored compute instance, or 404 (a compute of another type: 400, naming its type). */
export async function getInstance(
  context: Context,
  workspace: string,
  name: string,
  repositories: Repositories = context.store.repositories,
): Promise<StoredResource<'compute'>> {
  const compute = await repositories.resources.get({ workspace, kind: 'compute', name, version: null });
  if (!compute)
    throw new TrellisError(
      'ComputeNotFound',
      404,
      `compute '${name}' does not exist in workspace '${workspace}'; list them with: trellis compute list`,
    );
  if (!isComputeOfType(compute.spec, 'computeinstance'))
    throw new TrellisError(
      'NotAComputeInstance',
      400,
      `compute '${name}' is of type ${compute.spec.type}; only a compute instance (type: computeinstance) starts, stops and serves JupyterLab`,
    );
  return compute;
}

/** What an instance is now, from its stored status. */
export function viewOf(compute: StoredResource<'compute'>): InstanceView {
  const status = readInstanceStatus(compute.status);
  const assignedUser =
    status.assignedUser ??
    (isComputeOfType(compute.spec, 'computeinstance') ? (assignedUserOf(compute.spec, compute.createdBy) ?? null) : null);
  return {
    name: compute.name,
    workspace: compute.workspace,
    state: status.state,
    desiredState: status.desiredState,
    labUrl: status.labUrl,
    labPath: labPathOf(compute.workspace, compute.name),
    assignedUser,
    lastActivity: status.lastActivity,
    reason: status.reason,
  };
}

/**
 * Asks for an instance to start, stop or restart (az ml compute start|stop|restart): records the
 * desired state in its status, audited; the controller, woken by the caller, does it.
 */
export async function requestInstanceOperation(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  operation: InstanceOperation,
): Promise<InstanceView> {
  const now = context.clock();
  return context.store.transaction(async (repositories) => {
    const compute = await getInstance(context, workspace, name, repositories);
    const status = readInstanceStatus(compute.status);
    // The state moves at once (Stopping, Starting), so a caller waiting for the end never sees the state from before.
    // A failed instance is started again only when someone asks, so a broken one does not restart forever.
    const changes: Partial<InstanceStatus> =
      operation === 'stop'
        ? {
            desiredState: 'Stopped',
            reason: `stopped by ${caller.actor}`,
            ...(status.state === 'Stopped' ? {} : { state: 'Stopping' as const }),
          }
        : {
            desiredState: 'Running',
            ...(operation === 'restart' || status.state !== 'Running' ? { state: 'Starting' as const } : {}),
            ...(operation === 'restart' ? { restartRequestedAt: now.getTime() } : {}),
          };
    const key = { workspace, kind: 'compute' as const, name, version: null };
    const updated = await repositories.resources.update(key, { status: { ...compute.status, ...changes } }, now.toISOString());
    await auditChange(repositories, caller, now.toISOString(), 'update', compute, updated, `compute instance ${operation}`);
    return viewOf(updated);
  });
}
