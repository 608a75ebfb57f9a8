/** Deterministic pseudo-random numbers for tests: the same seed, the same data on every run. */

/** A uniform sequence in [0, 1) (mulberry32). */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normal values with this mean and standard deviation (Box-Muller). */
export function seededNormal(seed: number, mean = 0, deviation = 1): () => number {
  const uniform = seededUniform(seed);
  return () => mean + deviation * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Exponential values with this mean. */
export function seededExponential(seed: number, mean = 1): () => number {
  const uniform = seededUniform(seed);
  return () => -mean * Math.log(1 - uniform());
}

/** Categories drawn with these weights. */
export function seededCategories<T>(seed: number, weights: ReadonlyArray<readonly [T, number]>): () => T {
  const uniform = seededUniform(seed);
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  return () => {
    let draw = uniform() * total;
    for (const [value, weight] of weights) {
      draw -= weight;
      if (draw < 0) return value;
    }
    return weights[weights.length - 1]![0];
  };
}

/** n draws of a generator. */
export function draw<T>(generator: () => T, count: number): T[] {
  return Array.from({ length: count }, generator);
}
