import { type Compliance, compliances, type PolicyState } from '../api/policy.js';

/** A badge's colour (the classes of components/status-badge.tsx). */
export type Tone = 'ok' | 'bad' | 'busy' | 'idle';

/** How each outcome is coloured: a violation red, an exemption amber (a waiver someone owns), the rest quiet. */
export const complianceTones: Record<Compliance, Tone> = { NonCompliant: 'bad', Exempt: 'busy', Compliant: 'ok', NotApplicable: 'idle' };

/** `?compliance=` as the page reads it: one of the four outcomes, anything else no filter. */
export function parseCompliance(value: string | null): Compliance | undefined {
  return compliances.find((compliance) => compliance === value);
}

/** How many states have each outcome (every outcome present, zero when none). */
export function complianceCounts(states: readonly PolicyState[]): Record<Compliance, number> {
  const counts: Record<Compliance, number> = { NonCompliant: 0, Exempt: 0, Compliant: 0, NotApplicable: 0 };
  for (const state of states) counts[state.compliance] += 1;
  return counts;
}

/** The states, non-compliant first (then exempt, compliant, not applicable), by resource and assignment within each. */
export function orderStates(states: readonly PolicyState[]): PolicyState[] {
  const rank = (state: PolicyState) => compliances.indexOf(state.compliance);
  return [...states].sort(
    (left, right) =>
      rank(left) - rank(right) ||
      left.resourceId.localeCompare(right.resourceId) ||
      left.resourceType.localeCompare(right.resourceType) ||
      left.assignment.localeCompare(right.assignment),
  );
}

/** A key unique among a workspace's states: a deployment and the model it serves share their resource id. */
export function stateKey(state: PolicyState): string {
  return `${state.resourceId}|${state.resourceType}|${state.assignment}`;
}

/**
 * The studio's page for a resource id of the policy states: a compute's page for
 * /workspaces/<ws>/computes/<name>, the endpoint's for an online endpoint and its deployments;
 * none for the workspace itself.
 */
export function resourcePagePath(workspace: string, resourceId: string): string | undefined {
  const [, , inWorkspace, collection, name] = resourceId.split('/');
  if (inWorkspace !== workspace || !name) return undefined;
  if (collection === 'computes') return `/w/${workspace}/computes/${encodeURIComponent(name)}`;
  if (collection === 'onlineEndpoints') return `/w/${workspace}/endpoints/${encodeURIComponent(name)}`;
  if (collection === 'jobs') return `/w/${workspace}/jobs/${encodeURIComponent(name)}`;
  return undefined;
}

/** The resource type in a word or two: Azure's type names share a long prefix. */
export function resourceKind(resourceType: string): string {
  if (resourceType === 'Microsoft.MachineLearningServices.v2.Data/workspaces/deployments') return "deployment's model";
  const kinds: Record<string, string> = {
    workspaces: 'workspace',
    computes: 'compute',
    onlineEndpoints: 'online endpoint',
    deployments: 'online deployment',
    jobs: 'job',
  };
  const last = resourceType.split('/').at(-1) ?? resourceType;
  return kinds[last] ?? resourceType;
}

/** Why a state is what it is: what matched (non-compliant), or the note (not applicable, exempt). */
export function whyOf(state: PolicyState): string {
  if (state.compliance === 'NonCompliant' || !state.note) return state.reasons.join('; ');
  return state.note;
}

/** The effect each assignment has, as its states report it (the definition's default or the assignment's --effect). */
export function effectsByAssignment(states: readonly PolicyState[]): Map<string, string> {
  const effects = new Map<string, string>();
  for (const state of states) if (!effects.has(state.assignment)) effects.set(state.assignment, state.effect);
  return effects;
}

/** An assignment's parameter values in words (`name=value`), JSON for anything not a string. */
export function formatParameters(parameters: Record<string, unknown>): string {
  return Object.entries(parameters)
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}
