import type { Pillar, Recommendation, Severity } from '../api/advisor.js';
import { pillars } from '../api/advisor.js';
import type { PolicyState } from '../api/policy.js';
import type { Tone } from './policy-states.js';

/** A pillar as Azure Advisor names it. */
export const pillarLabels: Record<Pillar, string> = {
  reliability: 'Reliability',
  security: 'Security',
  cost: 'Cost',
  operations: 'Operational excellence',
  performance: 'Performance',
};

/** How a severity is coloured: high red, medium amber, low quiet. */
export const severityTones: Record<Severity, Tone> = { high: 'bad', medium: 'busy', low: 'idle' };

/** `?pillar=` as the page reads it: one of the five pillars, anything else no filter. */
export function parsePillar(value: string | null): Pillar | undefined {
  return pillars.find((pillar) => pillar === value);
}

/** A score as Azure shows it: a whole percentage, or '—' for a pillar with nothing passed or failed (no score, not zero). */
export function formatScore(score: number | null): string {
  return score === null ? '—' : `${Math.round(score)}%`;
}

/** A score's colour: green from 80, amber from 50, red below; quiet when there is none. */
export function scoreTone(score: number | null): Tone {
  if (score === null) return 'idle';
  return score >= 80 ? 'ok' : score >= 50 ? 'busy' : 'bad';
}

/** How many recommendations each pillar has (every pillar present, zero when none). */
export function recommendationCounts(items: readonly Recommendation[]): Record<Pillar, number> {
  const counts: Record<Pillar, number> = { reliability: 0, security: 0, cost: 0, operations: 0, performance: 0 };
  for (const item of items) counts[item.pillar] += 1;
  return counts;
}

/** A key unique among recommendations: one rule fires once per resource. */
export function recommendationKey(item: Recommendation): string {
  return `${item.ruleId}|${item.resource.kind}|${item.resource.name}`;
}

/**
 * The studio's page for a recommendation's resource: a compute's, an endpoint's for its
 * deployments (named endpoint/deployment), a job's; none for the server, tokens and the like.
 */
export function recommendationPagePath(workspace: string, resource: { kind: string; name: string }): string | undefined {
  const name = encodeURIComponent(resource.name.split('/')[0] ?? resource.name);
  if (resource.kind === 'compute') return `/w/${workspace}/computes/${name}`;
  if (resource.kind.endsWith('-deployment')) return `/w/${workspace}/endpoints/${name}`;
  if (resource.kind === 'job' || resource.kind === 'sweep-job') return `/w/${workspace}/jobs/${name}`;
  return undefined;
}

/** The pillar of a rule by its id (TRL-<REL|SEC|COST|OPS|PERF>-NNN); undefined for an id of no pillar. */
export function pillarOfRule(ruleId: string): Pillar | undefined {
  const codes: Record<string, Pillar> = { REL: 'reliability', SEC: 'security', COST: 'cost', OPS: 'operations', PERF: 'performance' };
  return codes[ruleId.split('-')[1] ?? ''];
}

/** A resource that violates at least one policy assignment, and which. */
export interface NonCompliantResource {
  resourceId: string;
  resourceType: string;
  assignments: string[];
}

/** The non-compliant resources of the policy states, by resource id, each with the assignments it violates (sorted). */
export function nonCompliantResources(states: readonly PolicyState[]): NonCompliantResource[] {
  const byResource = new Map<string, NonCompliantResource>();
  for (const state of states) {
    if (state.compliance !== 'NonCompliant') continue;
    const key = `${state.resourceId}|${state.resourceType}`;
    const entry = byResource.get(key) ?? { resourceId: state.resourceId, resourceType: state.resourceType, assignments: [] };
    if (!entry.assignments.includes(state.assignment)) entry.assignments.push(state.assignment);
    byResource.set(key, entry);
  }
  return [...byResource.values()]
    .map((entry) => ({ ...entry, assignments: [...entry.assignments].sort() }))
    .sort((left, right) => left.resourceId.localeCompare(right.resourceId) || left.resourceType.localeCompare(right.resourceType));
}
