import type { PolicyAssignmentBody, PolicyStateBody, TrellisClient } from '../../../src/client/trellis-client.js';
import { trellis } from './client.js';

/**
 * Azure Policy on Trellis, as one workspace sees it: each resource's compliance with each
 * assignment reaching it (/api/v1/workspaces/{ws}/policy-states), the assignments themselves (the
 * server's and the workspace's) and the exemptions that take its resources out of them. Types are
 * the client's, inferred from the routes.
 */

export type PolicyState = PolicyStateBody;
export type Compliance = PolicyState['compliance'];
export type PolicyAssignment = PolicyAssignmentBody;
export type PolicyExemption = Awaited<ReturnType<TrellisClient['listPolicyExemptions']>>['items'][number];
export type PolicyStates = Awaited<ReturnType<TrellisClient['listPolicyStates']>>;

/** The four outcomes, in the order the page lists them: what needs fixing first. */
export const compliances: readonly Compliance[] = ['NonCompliant', 'Exempt', 'Compliant', 'NotApplicable'];

/** Every resource's compliance with every assignment reaching the workspace, with the counts. */
export const getPolicyStates = (workspace: string): Promise<PolicyStates> => trellis.listPolicyStates(workspace);

/** The assignments reaching the workspace: the server's (scope '/') and the workspace's own. */
export async function listAssignmentsReaching(workspace: string): Promise<PolicyAssignment[]> {
  return (await trellis.listPolicyAssignments({ scope: workspaceScope(workspace) })).items;
}

/** The exemptions of the workspace or of one of its resources (those the caller may read). */
export async function listWorkspaceExemptions(workspace: string): Promise<PolicyExemption[]> {
  const scope = workspaceScope(workspace);
  return (await trellis.listPolicyExemptions()).items.filter(
    (exemption) => exemption.scope === scope || exemption.scope.startsWith(`${scope}/`),
  );
}

/** A workspace as a policy scope: /workspaces/<name>. */
export function workspaceScope(workspace: string): string {
  return `/workspaces/${workspace}`;
}

export function policyPagePath(workspace: string, compliance?: Compliance): string {
  return `/w/${workspace}/policy${compliance ? `?compliance=${compliance}` : ''}`;
}
