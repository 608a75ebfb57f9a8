import { type Check, type Pillar, pillars, type Severity } from './advisor-rule.js';

/**
 * The advisor's score, after Azure Advisor's: a score per pillar from 0 to 100, and an overall
 * score that is the mean of the pillars that have something to assess. Azure weighs each
 * recommendation's share of healthy resources by their retail cost and the recommendation's
 * impact; Trellis has no cost for a file, so each check (one rule on one resource) weighs by its
 * severity instead:
 *
 *   pillar score = 100 × Σ weight(passed checks) / Σ weight(passed and failed checks)
 *   overall      = mean of the pillar scores that are not null
 *
 * A check whose outcome is unknown counts for neither; a pillar with no check that passed or
 * failed has no score (null), as Azure gives no score to a category with no assessed resources;
 * rules that apply to nothing are therefore not counted at all.
 */

export const severityWeights: Readonly<Record<Severity, number>> = { high: 3, medium: 2, low: 1 };

export interface PillarScore {
  /** 0–100, one decimal; null when no check of the pillar passed or failed. */
  score: number | null;
  passed: number;
  failed: number;
  unknown: number;
}

export interface AdvisorScore {
  /** 0–100, one decimal; null when no pillar has a score. */
  overall: number | null;
  pillars: Record<Pillar, PillarScore>;
}

/** Scores checks from static or live rules (only their pillar, severity and outcome are read). */
export function scoreChecks(checks: readonly Pick<Check, 'pillar' | 'severity' | 'outcome'>[]): AdvisorScore {
  // One pass over the checks (there may be tens of thousands): counts and weights per pillar and outcome.
  const tally = new Map<Pillar, Record<Check['outcome'], { count: number; weight: number }>>();
  for (const pillar of pillars)
    tally.set(pillar, { passed: { count: 0, weight: 0 }, failed: { count: 0, weight: 0 }, unknown: { count: 0, weight: 0 } });
  for (const check of checks) {
    const entry = tally.get(check.pillar)?.[check.outcome];
    if (!entry) continue;
    entry.count += 1;
    entry.weight += severityWeights[check.severity];
  }
  const scores = {} as Record<Pillar, PillarScore>;
  for (const pillar of pillars) {
    const { passed, failed, unknown } = tally.get(pillar)!;
    const assessed = passed.weight + failed.weight;
    scores[pillar] = {
      score: assessed === 0 ? null : oneDecimal((100 * passed.weight) / assessed),
      passed: passed.count,
      failed: failed.count,
      unknown: unknown.count,
    };
  }
  const scored = pillars.map((pillar) => scores[pillar].score).filter((score): score is number => score !== null);
  const overall = scored.length === 0 ? null : oneDecimal(scored.reduce((sum, score) => sum + score, 0) / scored.length);
  return { overall, pillars: scores };
}

function oneDecimal(value: number): number {
  return Math.round(value * 10) / 10;
}
