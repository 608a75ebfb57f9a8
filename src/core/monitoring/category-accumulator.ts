/**
 * A summary's categories being counted, value by value for strings and a sorted chunk at a time
 * for numbers, keeping the CATEGORY_CAP smallest keys as category-order.ts defines them. Once it has
 * dropped a key it knows a limit: a later key beyond it can never be among the smallest, so it is
 * counted as other at once (for a continuous feature, most numbers; every string once the kept
 * keys are all numbers).
 */
import { CATEGORY_CAP, type CategoryCount, categoryRecord } from './category-order.js';
import type { SortedRuns } from './sorted-runs.js';

export class CategoryAccumulator {
  private readonly strings = new Map<string, number>();
  // Kept numbers in order with their counts, and the other half of a double buffer for merging:
  // made at the first number (a feature of strings needs none).
  private numbers = new Float64Array(0);
  private numberCounts = new Float64Array(0);
  private numberLength = 0;
  private spareNumbers = new Float64Array(0);
  private spareCounts = new Float64Array(0);
  private otherCategories = 0;
  /** Numbers above this are dropped (after a cut among the numbers). */
  private numberLimit = Number.POSITIVE_INFINITY;
  /** Strings above this are dropped (after a cut among the strings); every string once a cut fell among the numbers. */
  private stringLimit: string | undefined;
  private areStringsDropped = false;

  /** `chunkCapacity`: the most points one call of addNumbers brings. */
  constructor(private readonly chunkCapacity: number) {}

  addString(key: string): void {
    if (this.areStringsDropped || (this.stringLimit !== undefined && key > this.stringLimit)) {
      this.otherCategories++;
      return;
    }
    const count = this.strings.get(key);
    this.strings.set(key, (count ?? 0) + 1);
    // Cutting sorts the strings: let them grow to twice the cap between cuts.
    if (count === undefined && this.strings.size + this.numberLength > 2 * CATEGORY_CAP) this.cut();
  }

  /** Counts a chunk of numbers: distinct values in order, with their counts. */
  addNumbers(chunk: SortedRuns): void {
    if (this.numbers.length === 0) {
      const capacity = CATEGORY_CAP + this.chunkCapacity;
      this.numbers = new Float64Array(capacity);
      this.numberCounts = new Float64Array(capacity);
      this.spareNumbers = new Float64Array(capacity);
      this.spareCounts = new Float64Array(capacity);
    }
    // The chunk's numbers up to the limit are a prefix (it is sorted): the rest are other at once.
    const admitted = countAtMost(chunk, this.numberLimit);
    for (let index = admitted; index < chunk.length; index++) this.otherCategories += chunk.counts[index]!;
    if (admitted === 0) return;
    let i = 0;
    let j = 0;
    let length = 0;
    while (i < this.numberLength || j < admitted) {
      if (j >= admitted || (i < this.numberLength && this.numbers[i]! < chunk.values[j]!)) {
        this.spareNumbers[length] = this.numbers[i]!;
        this.spareCounts[length++] = this.numberCounts[i++]!;
      } else if (i < this.numberLength && this.numbers[i] === chunk.values[j]) {
        this.spareNumbers[length] = this.numbers[i]!;
        this.spareCounts[length++] = this.numberCounts[i++]! + chunk.counts[j++]!;
      } else {
        this.spareNumbers[length] = chunk.values[j]!;
        this.spareCounts[length++] = chunk.counts[j++]!;
      }
    }
    [this.numbers, this.spareNumbers] = [this.spareNumbers, this.numbers];
    [this.numberCounts, this.spareCounts] = [this.spareCounts, this.numberCounts];
    this.numberLength = length;
    if (this.numberLength + this.strings.size > CATEGORY_CAP) this.cut();
  }

  /** The counts so far: a summary's `categories` (in category order) and `otherCategories`. */
  snapshot(): { categories: Record<string, number>; otherCategories: number } {
    this.cut();
    const counts: CategoryCount[] = [];
    for (let index = 0; index < this.numberLength; index++) {
      const number = this.numbers[index]!;
      counts.push({ key: String(number), number, count: this.numberCounts[index]! });
    }
    for (const key of [...this.strings.keys()].sort()) counts.push({ key, number: undefined, count: this.strings.get(key)! });
    return { categories: categoryRecord(counts), otherCategories: this.otherCategories };
  }

  /** Drops every key beyond the CATEGORY_CAP smallest, counting them as other, and lowers the limits. */
  private cut(): void {
    if (this.numberLength + this.strings.size <= CATEGORY_CAP) return;
    if (this.numberLength >= CATEGORY_CAP) {
      for (let index = CATEGORY_CAP; index < this.numberLength; index++) this.otherCategories += this.numberCounts[index]!;
      for (const count of this.strings.values()) this.otherCategories += count;
      this.numberLength = CATEGORY_CAP;
      this.numberLimit = this.numbers[CATEGORY_CAP - 1]!;
      this.strings.clear();
      this.areStringsDropped = true;
      return;
    }
    const keys = [...this.strings.keys()].sort();
    const kept = CATEGORY_CAP - this.numberLength;
    for (const key of keys.slice(kept)) {
      this.otherCategories += this.strings.get(key)!;
      this.strings.delete(key);
    }
    this.stringLimit = keys[kept - 1];
  }
}

/** How many of the runs' values are at most `limit`. */
function countAtMost(runs: SortedRuns, limit: number): number {
  let low = 0;
  let high = runs.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (runs.values[middle]! <= limit) low = middle + 1;
    else high = middle;
  }
  return low;
}
