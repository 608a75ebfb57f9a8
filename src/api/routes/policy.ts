import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { policyRoutes as routes } from '../../contract/policy.js';
import type { PolicyAssignment, PolicyExemption } from '../../core/policy/policy-assignment.js';
import { policyAliases } from '../../core/policy/policy-aliases.js';
import { allDefinitions, type CatalogueEntry, findDefinition } from '../../services/policy/policy-catalogue.js';
import {
  createPolicyAssignment,
  createPolicyExemption,
  deletePolicyAssignment,
  deletePolicyDefinition,
  deletePolicyExemption,
  putPolicyDefinition,
  requirePolicyAssignment,
  scopeOf,
  workspaceOfPolicyScope,
} from '../../services/policy/policy-service.js';
import { policyStates } from '../../services/policy/policy-states.js';
import { principalOf, requireAction } from '../auth/auth-hooks.js';
import { callerOf } from '../caller.js';
import type { RouteOptions } from '../route-options.js';

const authorization = 'Microsoft.Authorization';

/**
 * Azure Policy on Trellis. Definitions are readable by anyone signed in and written by whoever
 * may write them at the server; assignments and exemptions are checked at their scope (from the
 * body or the stored assignment), as role assignments are.
 */
export const policyRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { context, access }) => {
  app.get(routes.listDefinitions.path, { schema: routes.listDefinitions.schema }, async () => ({
    items: (await allDefinitions(context.store.repositories)).map(definitionView),
  }));
  app.get(routes.getDefinition.path, { schema: routes.getDefinition.schema }, async (request) =>
    definitionView(await findDefinition(context.store.repositories, request.params.name)),
  );
  app.post(routes.putDefinition.path, { schema: routes.putDefinition.schema }, async (request, reply) => {
    const { entry, created } = await putPolicyDefinition(context, callerOf(request), request.body);
    return reply.status(created ? 201 : 200).send(definitionView(entry));
  });
  app.delete(routes.deleteDefinition.path, { schema: routes.deleteDefinition.schema }, async (request) => {
    await deletePolicyDefinition(context, callerOf(request), request.params.name);
    return { deleted: request.params.name };
  });
  app.get(routes.listAliases.path, { schema: routes.listAliases.schema }, async () => ({
    items: policyAliases.map((alias) => ({
      name: alias.name,
      type: alias.type,
      meaning: alias.meaning,
      modifiable: alias.write !== undefined,
    })),
  }));

  app.get(routes.listAssignments.path, { schema: routes.listAssignments.schema }, async (request) => {
    const scope = request.query.scope ?? '/';
    const workspace = workspaceOfPolicyScope(scope);
    await requireAction(request, access, `${authorization}/policyAssignments/read`, scopeOf({ workspace }));
    const all = await context.store.repositories.policies.assignments(workspace);
    const entries = await definitionsByName();
    return { items: all.map((assignment) => assignmentView(assignment, entries)) };
  });
  app.post(routes.createAssignment.path, { schema: routes.createAssignment.schema }, async (request, reply) => {
    const workspace = workspaceOfPolicyScope(request.body.scope);
    await requireAction(request, access, `${authorization}/policyAssignments/write`, scopeOf({ workspace }));
    const created = await createPolicyAssignment(context, callerOf(request), request.body);
    return reply.status(201).send(assignmentView(created, await definitionsByName()));
  });
  app.get(routes.getAssignment.path, { schema: routes.getAssignment.schema }, async (request) => {
    const assignment = await requirePolicyAssignment(context, request.params.name);
    await requireAction(request, access, `${authorization}/policyAssignments/read`, scopeOf(assignment));
    return assignmentView(assignment, await definitionsByName());
  });
  app.delete(routes.deleteAssignment.path, { schema: routes.deleteAssignment.schema }, async (request) => {
    const assignment = await requirePolicyAssignment(context, request.params.name);
    await requireAction(request, access, `${authorization}/policyAssignments/delete`, scopeOf(assignment));
    await deletePolicyAssignment(context, callerOf(request), request.params.name);
    return { deleted: request.params.name };
  });

  app.get(routes.listExemptions.path, { schema: routes.listExemptions.schema }, async (request) => {
    const repositories = context.store.repositories;
    const assignments = request.query.assignment
      ? [await requirePolicyAssignment(context, request.query.assignment)]
      : await repositories.policies.assignments();
    const readable: PolicyAssignment[] = [];
    for (const assignment of assignments)
      if ((await access.check(principalOf(request), `${authorization}/policyExemptions/read`, scopeOf(assignment))) === 'allowed')
        readable.push(assignment);
    return { items: (await repositories.policies.exemptions(readable.map((assignment) => assignment.name))).map(exemptionView) };
  });
  app.post(routes.createExemption.path, { schema: routes.createExemption.schema }, async (request, reply) => {
    const workspace = /^\/workspaces\/([^/]+)/.exec(request.body.scope)?.[1];
    await requireAction(request, access, `${authorization}/policyExemptions/write`, scopeOf({ workspace }));
    return reply.status(201).send(exemptionView(await createPolicyExemption(context, callerOf(request), request.body)));
  });
  app.delete(routes.deleteExemption.path, { schema: routes.deleteExemption.schema }, async (request) => {
    const exemption = await context.store.repositories.policies.getExemption(request.params.name);
    const workspace = exemption && /^\/workspaces\/([^/]+)/.exec(exemption.scope)?.[1];
    await requireAction(request, access, `${authorization}/policyExemptions/delete`, scopeOf({ workspace }));
    await deletePolicyExemption(context, callerOf(request), request.params.name);
    return { deleted: request.params.name };
  });

  app.get(routes.states.path, { schema: routes.states.schema }, async (request) => {
    const all = await policyStates(context, request.params.workspace);
    const items = request.query.compliance ? all.filter((state) => state.compliance === request.query.compliance) : all;
    const resources = new Set(all.map((state) => state.resourceId));
    const failing = new Set(all.filter((state) => state.compliance === 'NonCompliant').map((state) => state.resourceId));
    return { items, summary: { resources: resources.size, nonCompliant: failing.size, compliant: resources.size - failing.size } };
  });

  async function definitionsByName(): Promise<Map<string, CatalogueEntry>> {
    return new Map((await allDefinitions(context.store.repositories)).map((entry) => [entry.policy.definition.name, entry]));
  }
};

function definitionView(entry: CatalogueEntry) {
  const definition = entry.policy.definition;
  return {
    name: definition.name,
    displayName: definition.displayName ?? null,
    description: definition.description ?? null,
    policyType: entry.policyType,
    mode: definition.mode,
    file: entry.file ?? null,
    parameters: definition.parameters,
    policyRule: definition.policyRule,
  };
}

function assignmentView(assignment: PolicyAssignment, entries: Map<string, CatalogueEntry>) {
  return {
    name: assignment.name,
    scope: scopeOf(assignment),
    definition: assignment.definition,
    displayName: entries.get(assignment.definition)?.policy.definition.displayName ?? null,
    parameters: assignment.parameters,
    enforcementMode: assignment.enforcementMode,
    description: assignment.description ?? null,
    createdBy: assignment.createdBy,
    createdAt: assignment.createdAt,
  };
}

function exemptionView(exemption: PolicyExemption) {
  return { ...exemption, expiresAt: exemption.expiresAt ?? null };
}
