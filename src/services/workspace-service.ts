import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TrellisError } from '../core/errors.js';
import { checkName } from '../core/resources/names.js';
import type { Resource, Tags } from '../core/resources/resource.js';
import { auditChange } from './audit-change.js';
import type { RewrappedKey } from '../store/secrets/workspace-keys.js';
import type { Caller, Context } from './context.js';

export const defaultWorkspace = 'default';

export interface WorkspaceInput {
  name: string;
  spec?: Record<string, unknown>;
  tags?: Tags;
  description?: string | null;
  notes?: unknown[];
}

/** Creates a workspace; an existing one with the same name is a 409. */
export async function createWorkspace(context: Context, caller: Caller, input: WorkspaceInput): Promise<Resource> {
  const problem = checkName(input.name);
  if (problem) throw new TrellisError('InvalidName', 400, `workspace name ${problem.message}`);
  const now = context.clock().toISOString();
  return context.store.transaction(async (repositories) => {
    const created = await repositories.workspaces.insert(
      {
        name: input.name,
        spec: input.spec ?? {},
        status: { notes: input.notes ?? [] },
        tags: input.tags ?? {},
        description: input.description ?? null,
      },
      caller.actor,
      now,
    );
    await auditChange(repositories, caller, now, 'create', undefined, created);
    return created;
  });
}

/** Makes the `default` workspace on first start; does nothing when it exists. */
export async function ensureDefaultWorkspace(context: Context, caller: Caller): Promise<void> {
  if (await context.store.repositories.workspaces.get(defaultWorkspace)) return;
  try {
    await createWorkspace(context, caller, { name: defaultWorkspace, description: 'Made by Trellis at first start' });
  } catch (error) {
    // Another replica may have made it between our read and write: that is fine.
    if ((error as TrellisError).code !== 'ResourceAlreadyExists') throw error;
  }
}

export async function updateWorkspace(
  context: Context,
  caller: Caller,
  name: string,
  changes: { spec?: Record<string, unknown>; tags?: Tags; description?: string | null; status?: Record<string, unknown> },
  ifMatch: string | undefined,
): Promise<Resource> {
  const now = context.clock().toISOString();
  return context.store.transaction(async (repositories) => {
    const before = await repositories.workspaces.get(name);
    const after = await repositories.workspaces.update(name, changes, now, ifMatch);
    await auditChange(repositories, caller, now, 'update', before, after);
    return after;
  });
}

/**
 * Deletes a workspace. Without `force` only an empty one: otherwise 409 listing what it holds.
 * With `force` everything in it goes too, rows in one transaction and then its artifacts, so a
 * new workspace of the same name starts empty. Unfinished jobs refuse even `force`: the job runner
 * holds their processes and nodes by their rows, so they are canceled first and seen through.
 * Endpoints need no such care: the serving controller stops serving deployments whose rows are gone.
 */
export async function deleteWorkspace(
  context: Context,
  caller: Caller,
  name: string,
  ifMatch: string | undefined,
  options: { force?: boolean; jobsRoot?: string | undefined } = {},
): Promise<Resource> {
  const now = context.clock().toISOString();
  const deleted = await context.store.transaction(async (repositories) => {
    if (options.force) {
      const unfinished = (await repositories.workspaces.holdings(name)).find((holding) => holding.kind === 'unfinished job');
      if (unfinished) {
        throw new TrellisError(
          'WorkspaceHasRunningJobs',
          409,
          `workspace '${name}' has ${unfinished.count} unfinished job${unfinished.count === 1 ? '' : 's'}; cancel ${unfinished.count === 1 ? 'it' : 'them'} (trellis job list -w ${name}, then trellis job cancel -w ${name} --name <job>) and delete the workspace when ${unfinished.count === 1 ? 'it has' : 'they have'} ended`,
        );
      }
      // A stale If-Match (or a missing workspace) must refuse before anything is deleted.
      const current = await repositories.workspaces.get(name);
      if (!current || (ifMatch !== undefined && ifMatch !== current.etag)) return repositories.workspaces.delete(name, ifMatch);
      await repositories.workspaces.deleteContents(name);
    }
    const removed = await repositories.workspaces.delete(name, ifMatch);
    // Roles at a deleted workspace go with it: a new workspace of the same name starts with none.
    await repositories.identity.deleteAssignmentsAt(`/workspaces/${name}`);
    await auditChange(repositories, caller, now, 'delete', removed, undefined);
    return removed;
  });
  // After the commit: a failure here leaves files no row points to, never rows without their files.
  // Its data keys go first: whatever of its sealed files or secrets is left anywhere (a backup, a failed delete) never opens again.
  await context.store.destroyWorkspaceKeys(name);
  if (options.force) {
    await context.artifactsFor(name).deleteAll();
    // The attempts' folders of its (finished) jobs: their logs, outputs and checkpoints.
    if (options.jobsRoot) await rm(join(options.jobsRoot, name), { recursive: true, force: true });
  }
  return deleted;
}

/**
 * Re-wraps the workspace's data key under a new version of its key-encryption key (a new key
 * file, or a new key in its PKCS#11 token): nothing sealed is re-encrypted, everything still reads.
 */
export async function rotateWorkspaceKey(context: Context, caller: Caller, name: string, label?: string): Promise<RewrappedKey[]> {
  const workspace = await context.store.repositories.workspaces.get(name);
  if (!workspace)
    throw new TrellisError(
      'WorkspaceNotFound',
      404,
      `workspace '${name}' does not exist; create it with: trellis workspace create --name ${name}`,
    );
  const rewrapped = await context.store.rotateKeys({ workspace: name, ...(label ? { label } : {}) });
  await context.store.repositories.audit.append({
    workspace: name,
    at: context.clock().toISOString(),
    actor: caller.actor,
    action: 'update',
    kind: 'workspaceKey',
    name,
    version: null,
    beforeDigest: null,
    afterDigest: null,
    requestId: caller.requestId,
    summary:
      rewrapped.map((key) => `data key ${key.dataKeyId} re-wrapped from ${key.fromKekId} to ${key.toKekId}`).join('; ') ||
      'no data key to re-wrap',
  });
  return rewrapped;
}
