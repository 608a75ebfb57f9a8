import { TrellisError } from '../core/errors.js';
import { checkName } from '../core/resources/names.js';
import type { Resource, Tags } from '../core/resources/resource.js';
import { auditChange } from './audit-change.js';
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
      { name: input.name, spec: input.spec ?? {}, status: { notes: input.notes ?? [] }, tags: input.tags ?? {}, description: input.description ?? null },
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

export async function deleteWorkspace(context: Context, caller: Caller, name: string, ifMatch: string | undefined): Promise<Resource> {
  const now = context.clock().toISOString();
  return context.store.transaction(async (repositories) => {
    const count = await repositories.resources.countInWorkspace(name);
    const deleted = await repositories.workspaces.delete(name, count, ifMatch);
    await auditChange(repositories, caller, now, 'delete', deleted, undefined);
    return deleted;
  });
}
