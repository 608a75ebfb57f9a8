import { createHash } from 'node:crypto';
import type { SweepJobSpec } from '../../core/sweeps/sweep-job.js';
import type { SamplingAlgorithm } from '../../core/sweeps/sweep-types.js';

/**
 * The sampling algorithm a sweep runs with, its seed fixed: the file's seed, else one made from
 * the sweep's name, so that a sweep samples the same trials again after a restart while two
 * sweeps without a seed sample differently.
 */
export function samplingAlgorithmOf(spec: SweepJobSpec): SamplingAlgorithm {
  const algorithm = spec.sampling_algorithm;
  if (algorithm.type === 'grid' || algorithm.seed !== undefined) return algorithm;
  return { ...algorithm, seed: seedFromName(spec.name) };
}

function seedFromName(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0);
}
