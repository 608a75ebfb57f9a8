import type { Check, Finding } from '../advisor-rule.js';
import { findingsOf } from '../static-rule.js';
import { liveCostRules } from './live-cost-rules.js';
import { liveOperationsRules } from './live-operations-rules.js';
import { livePerformanceRules } from './live-performance-rules.js';
import { liveReliabilityRules } from './live-reliability-rules.js';
import type { LiveRule } from './live-rule.js';
import { liveSecurityRules } from './live-security-rules.js';
import type { LiveSnapshot } from './live-snapshot.js';

/** Every live rule, by pillar, in id order. */
export const liveRules: readonly LiveRule[] = [
  ...liveReliabilityRules,
  ...liveSecurityRules,
  ...liveCostRules,
  ...liveOperationsRules,
  ...livePerformanceRules,
];

export interface LiveCheckResult {
  /** Every rule checked against every resource of the snapshot it applies to. */
  checks: Check[];
  /** The failed checks' findings, most severe first. */
  findings: Finding[];
}

/** Checks a snapshot of a workspace against the live rules. Pure. */
export function checkLive(snapshot: LiveSnapshot, rules: readonly LiveRule[] = liveRules): LiveCheckResult {
  const checks: Check[] = rules.flatMap((rule) => rule.evaluate(snapshot));
  return { checks, findings: findingsOf(checks) };
}
