import { compareValue } from './compare-value.js';
import type { Comparison } from './search-filter.js';

/**
 * Filtering and ordering for the searches whose candidates are few enough to load and sort in
 * memory (experiments, logged models, the registry); runs/search runs in SQL instead.
 */

export type FieldValue = string | number | undefined;

/** True when every comparison holds for the value `readValue` reads for it. */
export function matchesAll(comparisons: readonly Comparison[], readValue: (comparison: Comparison) => FieldValue): boolean {
  return comparisons.every((comparison) => compareValue(readValue(comparison), comparison.comparator, comparison.value));
}

export interface SortKey {
  key: string;
  ascending: boolean;
}

/**
 * Sorts by each order in turn (a missing value last, whichever the direction), then by
 * `fallback` — the search's default order.
 */
export function sortByOrders<T, Order extends SortKey>(
  items: readonly T[],
  orders: readonly Order[],
  field: (item: T, order: Order) => FieldValue,
  fallback: (a: T, b: T) => number = () => 0,
): T[] {
  return [...items].sort((a, b) => {
    for (const order of orders) {
      const left = field(a, order);
      const right = field(b, order);
      if (left === right) continue;
      if (left === undefined) return 1;
      if (right === undefined) return -1;
      return (left < right ? -1 : 1) * (order.ascending ? 1 : -1);
    }
    return fallback(a, b);
  });
}
