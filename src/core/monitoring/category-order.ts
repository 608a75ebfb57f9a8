/**
 * Which category values a summary keeps by name. At most CATEGORY_CAP: the smallest keys in a
 * fixed order — numbers ascending, then strings by UTF-16 code units — and the rest are only
 * counted (otherCategories). Keeping the smallest, not the first seen, makes the kept set the same
 * however the rows were split and merged (the smallest N of a union are the smallest N of the
 * smallest N of each part), and tells a reader which keys the summary can answer for: every key up
 * to its largest kept key (see keptCategoryLimit).
 */

/** Distinct category values a summary keeps by name. */
export const CATEGORY_CAP = 10_000;

/** A category key, with its number when it is the String(n) of one. */
export interface CategoryKey {
  key: string;
  number: number | undefined;
}

export interface CategoryCount extends CategoryKey {
  count: number;
}

/**
 * The number a category key stands for, if any. Strings that parse as numbers are recorded as
 * numbers (keyed String(n)), so a key that parses is always a number's key.
 */
export function numberOfCategoryKey(key: string): number | undefined {
  if (key.trim() === '') return undefined;
  const number = Number(key);
  return Number.isFinite(number) ? number : undefined;
}

export function categoryKey(key: string): CategoryKey {
  return { key, number: numberOfCategoryKey(key) };
}

/** The order of category keys: numbers ascending, then strings by code units. */
export function compareCategoryKeys(first: CategoryKey, second: CategoryKey): number {
  if (first.number !== undefined && second.number !== undefined) return first.number - second.number;
  if (first.number !== undefined) return -1;
  if (second.number !== undefined) return 1;
  return first.key < second.key ? -1 : first.key > second.key ? 1 : 0;
}

/** A summary's categories as counts in category order. */
export function sortedCategoryCounts(categories: Record<string, number>): CategoryCount[] {
  return Object.entries(categories)
    .map(([key, count]) => ({ ...categoryKey(key), count }))
    .sort(compareCategoryKeys);
}

/** Counts in category order as a summary's record (Object.fromEntries: a key '__proto__' stays a key). */
export function categoryRecord(counts: readonly CategoryCount[]): Record<string, number> {
  return Object.fromEntries(counts.map((entry) => [entry.key, entry.count]));
}

/**
 * The largest key a summary keeps when it has dropped some (otherCategories > 0): it knows the
 * count of every key up to this one (a key it lacks there has count 0) and nothing of the keys
 * beyond. Undefined when it dropped none: it knows every key.
 */
export function keptCategoryLimit(summary: { categories: Record<string, number>; otherCategories: number }): CategoryKey | undefined {
  if (summary.otherCategories === 0) return undefined;
  // Below every key: a summary that dropped values but kept none knows no key's count.
  let limit: CategoryKey = { key: '', number: Number.NEGATIVE_INFINITY };
  for (const key of Object.keys(summary.categories)) {
    const candidate = categoryKey(key);
    if (compareCategoryKeys(candidate, limit) > 0) limit = candidate;
  }
  return limit;
}

/** The categories of the union of two summaries' values, capped as above. */
export function mergeCategoryCounts(
  first: { categories: Record<string, number>; otherCategories: number },
  second: { categories: Record<string, number>; otherCategories: number },
): { categories: Record<string, number>; otherCategories: number } {
  const counts = new Map<string, number>(Object.entries(first.categories));
  for (const [key, count] of Object.entries(second.categories)) counts.set(key, (counts.get(key) ?? 0) + count);
  const sorted = sortedCategoryCounts(Object.fromEntries(counts));
  let otherCategories = first.otherCategories + second.otherCategories;
  for (const dropped of sorted.slice(CATEGORY_CAP)) otherCategories += dropped.count;
  return { categories: categoryRecord(sorted.slice(0, CATEGORY_CAP)), otherCategories };
}
