import type { z } from 'zod';
import { TrellisError, invalidInput } from '../../core/errors.js';
import { compilePolicy } from '../../core/policy/evaluate-policy.js';
import {
  type AssignmentInput,
  assignmentInputSchema,
  effectParameterOf,
  type ExemptionInput,
  exemptionInputSchema,
  type PolicyAssignment,
  type PolicyExemption,
} from '../../core/policy/policy-assignment.js';
import { parsePolicyDefinition, resolveParameterValues } from '../../core/policy/policy-definition.js';
import { signingKeyProblems } from '../../core/policy/signing-key-setting.js';
import { checkName } from '../../core/resources/names.js';
import type { Caller, Context } from '../context.js';
import { auditIdentityChange } from '../identity/identity-audit.js';
import { builtInDefinitions, type CatalogueEntry, findDefinition } from './policy-catalogue.js';
import { plainObjectOr } from '../../core/azureml/schema-helpers.js';

/**
 * Policy definitions, assignments and exemptions: every write checked in full before anything is
 * stored, and audited (server-scope changes in the server's log, a workspace's in its own).
 */

/** Writes a custom definition from Azure Policy JSON; a built-in's name or display name is refused. Returns whether it was new. */
export async function putPolicyDefinition(
  context: Context,
  caller: Caller,
  input: { name: string; definition: unknown },
): Promise<{ entry: CatalogueEntry; created: boolean }> {
  const badName = checkName(input.name);
  if (badName) throw invalidInput('the policy definition', [badName]);
  const definition = parsePolicyDefinition(input.definition, { name: input.name, what: `policy definition '${input.name}'` });
  const policy = compilePolicy({ ...definition, name: input.name });
  const clash = builtInDefinitions().find(
    (entry) =>
      entry.policy.definition.name.toLowerCase() === input.name.toLowerCase() ||
      (definition.displayName !== undefined && entry.policy.definition.displayName?.toLowerCase() === definition.displayName.toLowerCase()),
  );
  if (clash)
    throw new TrellisError(
      'PolicyDefinitionIsBuiltIn',
      409,
      `'${input.name}' clashes with Azure's built-in definition '${clash.policy.definition.displayName}' (${clash.policy.definition.name}); give yours another name and display name`,
    );
  const now = context.clock();
  const body = plainObjectOr(input.definition);
  const properties = plainObjectOr(body?.properties) ?? body;
  return context.store.transaction(async (repositories) => {
    const created = await repositories.policies.putDefinition(input.name, properties, caller.actor, now.getTime());
    await auditIdentityChange(
      repositories,
      caller,
      {
        scope: '/',
        action: created ? 'create' : 'update',
        kind: 'policyDefinition',
        name: input.name,
        summary: `${created ? 'created' : 'updated'} policy definition '${input.name}'${definition.displayName ? ` (${definition.displayName})` : ''}`,
      },
      now,
    );
    return { entry: { policy, policyType: 'Custom', createdBy: caller.actor }, created };
  });
}

/** Deletes a custom definition; one that is assigned is refused (delete its assignments first). */
export async function deletePolicyDefinition(context: Context, caller: Caller, name: string): Promise<void> {
  const entry = await findDefinition(context.store.repositories, name);
  if (entry.policyType === 'BuiltIn')
    throw new TrellisError('PolicyDefinitionIsBuiltIn', 409, `'${name}' is Azure's built-in definition; built-ins cannot be deleted`);
  const now = context.clock();
  await context.store.transaction(async (repositories) => {
    const assigned = await repositories.policies.countAssignmentsOf(entry.policy.definition.name);
    if (assigned > 0)
      throw new TrellisError(
        'PolicyDefinitionAssigned',
        409,
        `policy definition '${entry.policy.definition.name}' has ${assigned} assignment${assigned === 1 ? '' : 's'}; delete them first (trellis policy assignment list)`,
      );
    await repositories.policies.deleteDefinition(entry.policy.definition.name);
    await auditIdentityChange(
      repositories,
      caller,
      {
        scope: '/',
        action: 'delete',
        kind: 'policyDefinition',
        name: entry.policy.definition.name,
        summary: `deleted policy definition '${entry.policy.definition.name}'`,
      },
      now,
    );
  });
}

/**
 * Assigns a definition at the server scope or a workspace's, with parameter values (each checked
 * against its declaration) and optionally the effect (written into the parameter the definition's
 * effect names). Nothing is stored unless everything is right.
 */
export async function createPolicyAssignment(context: Context, caller: Caller, body: AssignmentInput): Promise<PolicyAssignment> {
  const input = parseOrRefuse(assignmentInputSchema, body, 'the assignment');
  const workspace = workspaceOfPolicyScope(input.scope);
  if (workspace !== undefined && !(await context.store.repositories.workspaces.get(workspace)))
    throw new TrellisError(
      'ScopeNotFound',
      404,
      `scope '${input.scope}' names workspace '${workspace}', which does not exist; list them with: trellis workspace list`,
    );
  const entry = await findDefinition(context.store.repositories, input.definition);
  const definition = entry.policy.definition;
  const parameters = { ...input.parameters };
  if (input.effect !== undefined) {
    const parameter = effectParameterOf(definition.policyRule.then.effect);
    if (parameter === undefined)
      throw invalidInput('the assignment', [
        {
          path: 'effect',
          message: `definition '${definition.name}' fixes its effect (${definition.policyRule.then.effect}); it takes no effect parameter`,
        },
      ]);
    parameters[parameter] = input.effect;
  }
  const { values, problems } = resolveParameterValues(definition, parameters);
  if (problems.length === 0) problems.push(...signingKeyProblems(definition, values));
  if (problems.length > 0) throw invalidInput('the assignment', problems);
  const now = context.clock();
  const assignment: PolicyAssignment = {
    name: input.name,
    workspace,
    definition: definition.name,
    parameters,
    enforcementMode: input.enforcement_mode,
    description: input.description,
    createdBy: caller.actor,
    createdAt: now.getTime(),
  };
  return context.store.transaction(async (repositories) => {
    if (await repositories.policies.getAssignment(input.name))
      throw new TrellisError(
        'PolicyAssignmentExists',
        409,
        `policy assignment '${input.name}' exists; delete it first or choose another name`,
      );
    await repositories.policies.insertAssignment(assignment);
    await auditIdentityChange(
      repositories,
      caller,
      {
        scope: input.scope,
        action: 'create',
        kind: 'policyAssignment',
        name: input.name,
        summary: `assigned policy '${definition.displayName ?? definition.name}' at ${scopeOf(assignment)} (${assignment.enforcementMode})`,
      },
      now,
    );
    return assignment;
  });
}

export async function requirePolicyAssignment(context: Context, name: string): Promise<PolicyAssignment> {
  const found = await context.store.repositories.policies.getAssignment(name);
  if (!found)
    throw new TrellisError(
      'PolicyAssignmentNotFound',
      404,
      `policy assignment '${name}' does not exist; list them with: trellis policy assignment list`,
    );
  return found;
}

export async function deletePolicyAssignment(context: Context, caller: Caller, name: string): Promise<void> {
  const assignment = await requirePolicyAssignment(context, name);
  const now = context.clock();
  await context.store.transaction(async (repositories) => {
    await repositories.policies.deleteAssignment(name);
    await auditIdentityChange(
      repositories,
      caller,
      {
        scope: scopeOf(assignment),
        action: 'delete',
        kind: 'policyAssignment',
        name,
        summary: `deleted policy assignment '${name}' (its exemptions with it)`,
      },
      now,
    );
  });
}

/** Exempts a resource (or a workspace) from an assignment, with a reason; the scope must lie inside the assignment's. */
export async function createPolicyExemption(context: Context, caller: Caller, body: ExemptionInput): Promise<PolicyExemption> {
  const input = parseOrRefuse(exemptionInputSchema, body, 'the exemption');
  const assignment = await requirePolicyAssignment(context, input.assignment);
  const now = context.clock();
  const expiresAt = input.expires_at === undefined ? undefined : Date.parse(input.expires_at);
  const problems = [];
  if (expiresAt !== undefined && expiresAt <= now.getTime())
    problems.push({ path: 'expires_at', message: `${input.expires_at} has passed; an exemption expires in the future` });
  const workspace = /^\/workspaces\/([^/]+)(\/.*)?$/.exec(input.scope)?.[1];
  if (workspace === undefined)
    problems.push({
      path: 'scope',
      message: `'${input.scope}' is not a resource id: /workspaces/<ws> or /workspaces/<ws>/computes/<name> (see trellis policy state list)`,
    });
  else if (assignment.workspace !== undefined && assignment.workspace !== workspace)
    problems.push({
      path: 'scope',
      message: `'${input.scope}' is outside assignment '${assignment.name}', which applies to workspace '${assignment.workspace}'`,
    });
  if (problems.length > 0) throw invalidInput('the exemption', problems);
  if (workspace !== undefined && !(await context.store.repositories.workspaces.get(workspace)))
    throw new TrellisError('ScopeNotFound', 404, `workspace '${workspace}' does not exist; list them with: trellis workspace list`);
  const exemption: PolicyExemption = {
    name: input.name,
    assignment: assignment.name,
    scope: input.scope.replace(/\/+$/, ''),
    category: input.category,
    reason: input.reason,
    expiresAt,
    createdBy: caller.actor,
    createdAt: now.getTime(),
  };
  return context.store.transaction(async (repositories) => {
    if (await repositories.policies.getExemption(input.name))
      throw new TrellisError(
        'PolicyExemptionExists',
        409,
        `policy exemption '${input.name}' exists; delete it first or choose another name`,
      );
    await repositories.policies.insertExemption(exemption);
    await auditIdentityChange(
      repositories,
      caller,
      {
        scope: `/workspaces/${workspace}`,
        action: 'create',
        kind: 'policyExemption',
        name: input.name,
        summary: `exempted ${exemption.scope} from '${assignment.name}' (${exemption.category}${expiresAt === undefined ? '' : `, until ${new Date(expiresAt).toISOString()}`}): ${exemption.reason}`,
      },
      now,
    );
    return exemption;
  });
}

export async function deletePolicyExemption(context: Context, caller: Caller, name: string): Promise<void> {
  const exemption = await context.store.repositories.policies.getExemption(name);
  if (!exemption)
    throw new TrellisError(
      'PolicyExemptionNotFound',
      404,
      `policy exemption '${name}' does not exist; list them with: trellis policy exemption list`,
    );
  const now = context.clock();
  await context.store.transaction(async (repositories) => {
    await repositories.policies.deleteExemption(name);
    await auditIdentityChange(
      repositories,
      caller,
      {
        scope: exemption.scope.split('/').slice(0, 3).join('/'),
        action: 'delete',
        kind: 'policyExemption',
        name,
        summary: `deleted policy exemption '${name}' of ${exemption.scope}`,
      },
      now,
    );
  });
}

/** '/' → undefined (the server); '/workspaces/<name>' → the name; anything else is refused. */
export function workspaceOfPolicyScope(scope: string): string | undefined {
  const text = scope.trim().replace(/\/+$/, '') || '/';
  if (text === '/') return undefined;
  const match = /^\/workspaces\/([^/]+)$/.exec(text);
  if (!match?.[1])
    throw invalidInput('the assignment', [
      { path: 'scope', message: `'${scope}' is not a scope: '/' for the whole server or /workspaces/<name>` },
    ]);
  return match[1];
}

export function scopeOf(assignment: Pick<PolicyAssignment, 'workspace'>): string {
  return assignment.workspace === undefined ? '/' : `/workspaces/${assignment.workspace}`;
}

/** The body parsed by `schema`, or InvalidInput (422) naming every field at fault. */
function parseOrRefuse<T extends z.ZodType>(schema: T, body: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw invalidInput(
      what,
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  return parsed.data;
}
