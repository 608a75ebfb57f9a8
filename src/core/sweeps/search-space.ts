// STUB (replaced by the sweep-samplers branch)
import { z } from 'zod';
import type { Problem } from '../errors.js';
import type { SamplingAlgorithm, SearchSpace } from './sweep-types.js';
export const searchSpaceSchema: z.ZodType<SearchSpace> = z.record(z.string(), z.any());
export function searchSpaceProblems(_space: SearchSpace, _sampling: SamplingAlgorithm): Problem[] {
  return [];
}
export function parameterNames(space: SearchSpace): Set<string> {
  return new Set(Object.keys(space));
}
