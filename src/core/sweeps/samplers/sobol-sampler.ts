import type { Sampler, SearchSpace } from '../sweep-types.js';
import { defaultSeed } from './random-sampler.js';
import { randomStream } from './random-stream.js';
import { layOutSpace, parametersAt } from './search-space-cube.js';
import { sobolDimensions, sobolPoint } from './sobol-sequence.js';

/**
 * Sobol sampling (`rule: sobol`): trial i is point i of a Sobol sequence over the space's cube,
 * one coordinate per expression (nested ones included), each mapped through the expression's
 * inverse distribution function (a choice by floor(u · n)). The sequence is scrambled by a
 * random digital shift drawn from the seed (`defaultSeed` when none is given): it keeps the
 * even spread, and differs from seed to seed. searchSpaceProblems refuses a space with more
 * expressions than the direction numbers cover.
 */
export function sobolSampler(space: SearchSpace, options: { seed?: number } = {}): Sampler {
  const cube = layOutSpace(space);
  const dimensions = cube.dimensions.length;
  if (dimensions > sobolDimensions)
    throw new RangeError(`sobol sampling covers at most ${sobolDimensions} expressions; this space has ${dimensions}`);
  const shiftStream = randomStream(options.seed ?? defaultSeed, dimensions, 0x50b01);
  const shifts = Uint32Array.from(cube.dimensions, () => Math.floor(shiftStream.uniform() * 2 ** 32));
  return {
    size: Number.POSITIVE_INFINITY,
    next: (index) => {
      const point = sobolPoint(index, dimensions);
      // The middle of the 2^-32 cell, so no coordinate is exactly 0 (a normal expression's -Infinity).
      return parametersAt(
        cube,
        Array.from(point, (coordinate, dimension) => (((coordinate ^ shifts[dimension]!) >>> 0) + 0.5) / 2 ** 32),
      );
    },
  };
}
