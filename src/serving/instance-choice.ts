/**
 * Which instance takes the next call: the one with the fewest calls in flight, among those with
 * a free slot (fewer than `capacity` in flight). Ties go to the first one at or after `startAt`,
 * so a caller that moves `startAt` on spreads equal load round-robin instead of always picking
 * the first instance. Returns the index in `items`, or -1 when every one is full.
 */
export function chooseInstance<T>(items: readonly T[], loadOf: (item: T) => number, capacity: number, startAt = 0): number {
  const count = items.length;
  let chosen = -1;
  let least = capacity;
  for (let step = 0; step < count; step++) {
    const index = (startAt + step) % count;
    const load = loadOf(items[index]!);
    if (load < least) {
      least = load;
      chosen = index;
      if (load === 0) break;
    }
  }
  return chosen;
}
