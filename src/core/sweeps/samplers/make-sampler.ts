// STUB (replaced by the sweep-samplers branch)
import type { Goal, SamplingAlgorithm, Sampler, SearchSpace } from '../sweep-types.js';
export function makeSampler(_algorithm: SamplingAlgorithm, space: SearchSpace, _goal: Goal): Sampler {
  return { size: Number.POSITIVE_INFINITY, next: (index) => Object.fromEntries(Object.keys(space).map((name) => [name, index + 0.5])) };
}
