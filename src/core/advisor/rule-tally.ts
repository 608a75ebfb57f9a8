import type { AdvisorRule, Check, Pillar, Severity } from './advisor-rule.js';

/** How one rule fared over the resources it applied to: its checks counted by outcome. */
export interface RuleTally {
  ruleId: string;
  pillar: Pillar;
  severity: Severity;
  passed: number;
  failed: number;
  unknown: number;
}

export interface RuleTallies {
  /** The rules that applied to at least one resource, in the order of `rules`. */
  rules: RuleTally[];
  /** The ids of the rules that applied to nothing, so are not in the score. */
  notApplicable: string[];
}

/**
 * The checks counted per rule: what a CI log needs beside the findings, without listing the tens of
 * thousands of checks that passed. Checks of a rule not in `rules` are not counted. Pure.
 */
export function tallyByRule(
  checks: readonly Pick<Check, 'ruleId' | 'outcome'>[],
  rules: readonly Pick<AdvisorRule, 'id' | 'pillar' | 'severity'>[],
): RuleTallies {
  const byId = new Map<string, RuleTally>();
  for (const rule of rules)
    byId.set(rule.id, { ruleId: rule.id, pillar: rule.pillar, severity: rule.severity, passed: 0, failed: 0, unknown: 0 });
  for (const check of checks) {
    const tally = byId.get(check.ruleId);
    if (tally) tally[check.outcome] += 1;
  }
  const tallies: RuleTally[] = [];
  const notApplicable: string[] = [];
  for (const tally of byId.values()) {
    if (tally.passed + tally.failed + tally.unknown === 0) notApplicable.push(tally.ruleId);
    else tallies.push(tally);
  }
  return { rules: tallies, notApplicable };
}
