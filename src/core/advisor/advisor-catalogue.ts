import type { AdvisorRule, Pillar } from './advisor-rule.js';
import { liveRules } from './live/live-rules.js';
import { staticRules } from './static-rules.js';

/** Static rules check files before they are applied; live rules check the running system. */
export type RuleKind = 'static' | 'live';

/** A rule as the catalogue lists it: what it is, without how it checks. */
export interface CatalogueRule extends AdvisorRule {
  kind: RuleKind;
}

function described(rule: AdvisorRule, kind: RuleKind): CatalogueRule {
  const { id, pillar, severity, title, seed, why, fix, appliesTo, alsoKnownAs } = rule;
  return { id, pillar, severity, title, seed, why, fix, appliesTo, ...(alsoKnownAs ? { alsoKnownAs } : {}), kind };
}

/** Every rule of the advisor, static then live, each by pillar in id order. */
export const advisorRules: readonly CatalogueRule[] = [
  ...staticRules.map((rule) => described(rule, 'static')),
  ...liveRules.map((rule) => described(rule, 'live')),
];

/** The rules of one pillar (all of them without one), static and live, in id order within each. */
export function rulesOf(pillar?: Pillar, kind?: RuleKind): CatalogueRule[] {
  return advisorRules.filter((rule) => (pillar === undefined || rule.pillar === pillar) && (kind === undefined || rule.kind === kind));
}
