import type { Check, Finding } from './advisor-rule.js';
import { costRules } from './rules/cost-rules.js';
import { operationsRules } from './rules/operations-rules.js';
import { performanceRules } from './rules/performance-rules.js';
import { reliabilityRules } from './rules/reliability-rules.js';
import { securityRules } from './rules/security-rules.js';
import { checkStaticRules, findingsOf, type StaticRule } from './static-rule.js';
import type { StaticSubject } from './static-subject.js';

/** Every static rule, by pillar, in id order. */
export const staticRules: readonly StaticRule[] = [
  ...reliabilityRules,
  ...securityRules,
  ...costRules,
  ...operationsRules,
  ...performanceRules,
];

/** The static rule with that id (ids are matched ignoring case), if there is one. */
export function ruleById(id: string): StaticRule | undefined {
  return staticRules.find((rule) => rule.id.toLowerCase() === id.trim().toLowerCase());
}

export interface StaticCheckResult {
  /** Every rule checked against every subject it applies to: passed, failed or unknown. */
  checks: Check[];
  /** The failed checks' findings, most severe first. */
  findings: Finding[];
}

/** Checks subjects read from files (subjectsFromFile) against the static rules. Pure. */
export function checkFiles(subjects: readonly StaticSubject[], rules: readonly StaticRule[] = staticRules): StaticCheckResult {
  const checks = checkStaticRules(subjects, rules);
  return { checks, findings: findingsOf(checks) };
}
