import type { Compliance } from '../../core/policy/evaluate-policy.js';
import type { EnforcementMode } from '../../core/policy/policy-assignment.js';
import type { PolicyEffect } from '../../core/policy/policy-effect.js';
import {
  computeType,
  deploymentModelType,
  onlineDeploymentType,
  onlineEndpointType,
  type PolicyTarget,
  targetId,
  workspaceType,
} from '../../core/policy/policy-target.js';
import { modelSpaceOf } from '../../core/endpoints/endpoint.js';
import { assetIdOf } from '../../core/registries/registry-asset-id.js';
import type { Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';
import { loadPolicyScope, verdictsIn } from './policy-enforcement.js';

/** One assignment's verdict on one resource, as `trellis policy state list` shows it. */
export interface PolicyState {
  resourceId: string;
  resourceType: string;
  workspace: string;
  assignment: string;
  definition: string;
  displayName: string | null;
  effect: PolicyEffect;
  enforcementMode: EnforcementMode;
  /** Exempt when an exemption takes the resource out of a verdict of NonCompliant. */
  compliance: Compliance | 'Exempt';
  reasons: string[];
  note: string | null;
}

/** What each resource of a workspace looks like to a policy: the workspace, its computes, endpoints, deployments and their models. */
export async function policyTargetsOf(context: Context, workspace: string): Promise<PolicyTarget[]> {
  const repositories = context.store.repositories;
  const found = await requireWorkspace(context, workspace);
  const targets: PolicyTarget[] = [{ type: workspaceType, workspace, name: workspace, tags: found.tags, spec: found.spec }];
  for (const compute of await repositories.resources.listAll(workspace, 'compute'))
    targets.push({ type: computeType, workspace, name: compute.name, tags: compute.tags, spec: compute.spec });
  for (const endpoint of await repositories.endpoints.listEndpoints(workspace, 'online')) {
    targets.push({ type: onlineEndpointType, workspace, name: endpoint.name, tags: endpoint.tags, spec: { auth_mode: endpoint.authMode } });
    for (const deployment of await repositories.endpoints.listDeployments(workspace, endpoint.name)) {
      const common = { workspace, name: deployment.name, endpoint: endpoint.name, tags: deployment.spec.tags ?? {} };
      targets.push({ ...common, type: onlineDeploymentType, spec: { ...deployment.spec } });
      const model = deployment.lineage.model;
      if (model)
        targets.push({
          ...common,
          type: deploymentModelType,
          model: { assetId: assetIdOf(modelSpaceOf({ workspace, lineage: deployment.lineage }), 'model', model.name, model.version) },
        });
    }
  }
  return targets;
}

/** The compliance of every resource of `workspace` with every assignment reaching it. */
export async function policyStates(context: Context, workspace: string): Promise<PolicyState[]> {
  const targets = await policyTargetsOf(context, workspace);
  const scope = await loadPolicyScope(context, workspace);
  if (!scope) return [];
  const states: PolicyState[] = [];
  for (const target of targets) {
    for (const { assignment, entry, verdict, exemption } of verdictsIn(scope, target)) {
      const exempt = exemption !== undefined && verdict.compliance === 'NonCompliant';
      states.push({
        resourceId: targetId(target),
        resourceType: target.type,
        workspace,
        assignment: assignment.name,
        definition: entry.policy.definition.name,
        displayName: entry.policy.definition.displayName ?? null,
        effect: verdict.effect,
        enforcementMode: assignment.enforcementMode,
        compliance: exempt ? 'Exempt' : verdict.compliance,
        reasons: verdict.reasons,
        note: exempt ? `exempted by '${exemption.name}' (${exemption.category}): ${exemption.reason}` : (verdict.note ?? null),
      });
    }
  }
  return states;
}
