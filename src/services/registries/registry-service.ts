import { describeIssue, problemsFromIssues } from '../../core/azureml/zod-problems.js';
import { invalidInput, TrellisError } from '../../core/errors.js';
import { registryStorageOf } from '../../core/registries/registry-asset-id.js';
import { type Registry, registrySchema, registrySpecOf } from '../../core/registries/registry-schema.js';
import { digestOf } from '../../core/resources/digest.js';
import { checkName } from '../../core/resources/names.js';
import type { Repositories } from '../../store/store.js';
import type { Caller, Context } from '../context.js';
import { deleteWorkspace } from '../workspace-service.js';

/** The scope roles are assigned at for a registry, as Azure writes the registry's resource id (its tail). */
export function registryScope(name: string): string {
  return `/registries/${name}`;
}

/**
 * Creates a registry from its Azure ML file (as JSON): the record, and the storage space its
 * assets live in, in one transaction. 409 when it exists; 422 naming each field to fix.
 */
export async function createRegistry(context: Context, caller: Caller, input: unknown): Promise<Registry> {
  const parsed = registrySchema.safeParse(input, { error: describeIssue });
  const name = typeof (input as { name?: unknown } | null)?.name === 'string' ? String((input as { name: string }).name) : '';
  const problems = parsed.success ? [] : problemsFromIssues(parsed.error.issues, () => ({}));
  const nameProblem = parsed.success ? checkName(parsed.data.name) : undefined;
  if (nameProblem) problems.push(nameProblem);
  if (!parsed.success || problems.length > 0) throw invalidInput(`registry${name ? ` '${name}'` : ''}`, problems);
  const file = parsed.data;
  const repositories = context.store.repositories;
  if (await repositories.registries.get(file.name))
    throw new TrellisError(
      'RegistryAlreadyExists',
      409,
      `registry '${file.name}' already exists; pick another name, or delete it first (trellis registry delete --name ${file.name})`,
    );
  const now = context.clock();
  const spec = registrySpecOf(file);
  const registry: Registry = {
    name: file.name,
    spec,
    tags: file.tags ?? {},
    description: file.description ?? null,
    createdBy: caller.actor,
    createdAt: now.getTime(),
    updatedAt: now.getTime(),
    etag: digestOf({ spec, tags: file.tags, description: file.description, at: now.getTime() }).slice(7, 23),
  };
  await context.store.transaction(async (transaction) => {
    await transaction.registries.insert(registry);
    await transaction.workspaces.insert(
      {
        name: registryStorageOf(registry.name),
        spec: {},
        status: { notes: [] },
        tags: {},
        description: `the assets of registry '${registry.name}'`,
      },
      caller.actor,
      now.toISOString(),
    );
    await transaction.audit.append(auditEvent(caller, now, 'create', registry));
  });
  return registry;
}

/** The registry by name, or 404 saying how to make it. */
export async function getRegistry(
  context: Context,
  name: string,
  repositories: Repositories = context.store.repositories,
): Promise<Registry> {
  const found = await repositories.registries.get(name);
  if (!found)
    throw new TrellisError(
      'RegistryNotFound',
      404,
      `registry '${name}' does not exist; create it with: trellis registry create --file registry.yml`,
    );
  return found;
}

/**
 * Deletes a registry. Without `force` only an empty one (409 listing what it holds, as for a
 * workspace); with it, its assets and their content go too. Roles at the registry go with it.
 */
export async function deleteRegistry(context: Context, caller: Caller, name: string, force = false): Promise<Registry> {
  const registry = await getRegistry(context, name);
  const space = registryStorageOf(name);
  const holdings = force ? [] : await context.store.repositories.workspaces.holdings(space);
  if (holdings.length > 0)
    throw new TrellisError(
      'RegistryNotEmpty',
      409,
      `registry '${name}' still holds ${holdings.map((holding) => `${holding.count} ${holding.kind}${holding.count === 1 ? '' : 's'}`).join(', ')}; delete it with everything in it, files included: trellis registry delete --name ${name} --force`,
    );
  await deleteWorkspace(context, caller, space, undefined, { force });
  const now = context.clock();
  await context.store.transaction(async (transaction) => {
    await transaction.registries.delete(name);
    await transaction.identity.deleteAssignmentsAt(registryScope(name));
    await transaction.audit.append(auditEvent(caller, now, 'delete', registry));
  });
  return registry;
}

function auditEvent(caller: Caller, now: Date, action: 'create' | 'delete', registry: Registry) {
  return {
    workspace: registryStorageOf(registry.name),
    at: now.toISOString(),
    actor: caller.actor,
    action,
    kind: 'registry',
    name: registry.name,
    version: null,
    beforeDigest: action === 'delete' ? digestOf(registry.spec) : null,
    afterDigest: action === 'create' ? digestOf(registry.spec) : null,
    requestId: caller.requestId,
    summary: action === 'create' ? `registry in ${registry.spec.location ?? 'no location'}` : null,
  };
}
