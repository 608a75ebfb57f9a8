import type { Sampler, SearchSpace } from '../sweep-types.js';
import { randomStream } from './random-stream.js';
import { layOutSpace, parametersAt } from './search-space-cube.js';

/** The seed of a random sampler given none: fixed, so a sweep without a seed still samples reproducibly. */
export const defaultSeed = 0;

/**
 * Random sampling: each expression drawn from its own distribution, independently. Trial i's
 * parameters come from a stream seeded by (seed, i) alone, so they do not depend on the trials
 * asked for before it. Without a seed, the seed is `defaultSeed` (0): two sweeps over one
 * space without seeds sample the same trials; give each its own seed to sample differently.
 */
export function randomSampler(space: SearchSpace, options: { seed?: number } = {}): Sampler {
  const cube = layOutSpace(space);
  const seed = options.seed ?? defaultSeed;
  return {
    size: Number.POSITIVE_INFINITY,
    next: (index) => {
      const stream = randomStream(seed, index);
      return parametersAt(
        cube,
        cube.dimensions.map(() => stream.uniform()),
      );
    },
  };
}
