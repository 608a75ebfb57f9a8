import type { Goal } from '../sweep-types.js';

/**
 * Ordering primary-metric values by the sweep's goal, shared by every policy, so "worse" and
 * "best" mean the same thing in each of them.
 */

/**
 * A reported value ready to compare: NaN (a diverged loss, a metric over an empty set) counts as
 * the worst value possible for the goal, so a trial that reports one ranks last instead of
 * slipping through every comparison (NaN compares false with everything).
 */
export function comparableValue(goal: Goal, value: number): number {
  if (!Number.isNaN(value)) return value;
  return goal === 'maximize' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/**
 * A computed figure (a mean, a median, a slack threshold) rounded to 12 significant digits, so
 * float noise cannot decide a comparison: 0.8 − 0.1 is 0.7000000000000001, which would make a
 * trial at exactly 0.7 "worse than 0.7".
 */
export function withoutFloatNoise(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(12)) : value;
}

/** Whether `value` is strictly worse than `than` for the goal (equal values are not worse). */
export function isWorse(goal: Goal, value: number, than: number): boolean {
  return goal === 'maximize' ? value < than : value > than;
}

/** The better of two values for the goal. */
export function better(goal: Goal, first: number, second: number): number {
  return isWorse(goal, first, second) ? second : first;
}

/**
 * The value a trial must match to be among the best `keepCount` of `values` (1 ≤ keepCount ≤
 * values.length): the keepCount-th best. A value strictly worse than it is outside; a value equal
 * to it is inside, so trials tied across the boundary are all kept.
 */
export function worstKept(goal: Goal, values: readonly number[], keepCount: number): number {
  const bestFirst = [...values].sort((first, second) => (isWorse(goal, first, second) ? 1 : isWorse(goal, second, first) ? -1 : 0));
  const kept = bestFirst[keepCount - 1];
  if (kept === undefined || keepCount < 1) throw new Error(`cannot keep ${keepCount} of ${values.length} values`);
  return kept;
}
