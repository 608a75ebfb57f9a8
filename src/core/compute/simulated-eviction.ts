/**
 * Simulated evictions of low-priority nodes, so a team can see its training resume before the
 * cloud does it for real. Evictions arrive as a Poisson process at `ratePerNodeHour` per node: over
 * `elapsedMs`, each node is evicted with probability 1 − e^(−rate × hours). Pure: the caller
 * passes the random source, applies the evictions, and says in each job's history why.
 */

export function evictionProbability(ratePerNodeHour: number, elapsedMs: number): number {
  if (ratePerNodeHour <= 0 || elapsedMs <= 0) return 0;
  return 1 - Math.exp(-ratePerNodeHour * (elapsedMs / 3_600_000));
}

/** The nodes to evict this time, each drawn independently. */
export function drawEvictions<T>(nodes: readonly T[], ratePerNodeHour: number, elapsedMs: number, random: () => number = Math.random): T[] {
  const probability = evictionProbability(ratePerNodeHour, elapsedMs);
  if (probability === 0) return [];
  return nodes.filter(() => random() < probability);
}
