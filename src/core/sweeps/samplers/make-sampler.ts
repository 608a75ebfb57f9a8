import { invalidInput } from '../../errors.js';
import { searchSpaceProblems } from '../search-space.js';
import type { Goal, SamplingAlgorithm, Sampler, SearchSpace } from '../sweep-types.js';
import { bayesianSampler } from './bayesian-sampler.js';
import { gridSampler } from './grid-sampler.js';
import { randomSampler } from './random-sampler.js';
import { sobolSampler } from './sobol-sampler.js';
import { tpeSampler } from './tpe-sampler.js';

/**
 * The sampler of a sweep's `sampling_algorithm` over its search space, for its objective's goal
 * (what the model-based samplers improve). Throws InvalidInput (422) with searchSpaceProblems'
 * problems when the algorithm cannot sample the space (grid over a uniform, say).
 */
export function makeSampler(algorithm: SamplingAlgorithm, space: SearchSpace, goal: Goal): Sampler {
  const problems = searchSpaceProblems(space, algorithm);
  if (problems.length > 0) throw invalidInput('the sweep', problems);
  switch (algorithm.type) {
    case 'random':
      return algorithm.rule === 'sobol' ? sobolSampler(space, { seed: algorithm.seed }) : randomSampler(space, { seed: algorithm.seed });
    case 'grid':
      return gridSampler(space);
    case 'bayesian':
      return bayesianSampler(space, goal, { seed: algorithm.seed });
    case 'tpe':
      return tpeSampler(space, goal, { seed: algorithm.seed });
  }
}
