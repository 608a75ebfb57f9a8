import type { Goal, SampledTrial } from '../sweep-types.js';
import { dimensionValues, type SpaceCube } from './search-space-cube.js';

/** A trial with an objective, as a model-based sampler learns from it. */
export interface Observation {
  index: number;
  /** The number per coordinate of the cube (a choice's index), null where its branch was not chosen. */
  values: Array<number | null>;
  /** The objective as a loss: lower is better whatever the goal. */
  loss: number;
}

/** A running trial: where it is, not yet how it did. */
export interface PendingTrial {
  index: number;
  values: Array<number | null>;
}

/**
 * What the model-based samplers learn from the trials so far: completed trials with an
 * objective, and stopped ones with their last value (a policy stopped them for doing badly,
 * which is worth knowing); running trials as pending points, to be kept away from; failed
 * trials, trials without an objective and trials whose parameters are not of this space
 * (the space was edited) left out. In the order of their index.
 */
export function readHistory(
  cube: SpaceCube,
  history: readonly SampledTrial[],
  goal: Goal,
): { observations: Observation[]; pending: PendingTrial[] } {
  const observations: Observation[] = [];
  const pending: PendingTrial[] = [];
  for (const trial of [...history].sort((a, b) => a.index - b.index)) {
    const values = dimensionValues(cube, trial.parameters);
    if (!values) continue;
    if (trial.state === 'running') pending.push({ index: trial.index, values });
    else if ((trial.state === 'completed' || trial.state === 'stopped') && trial.objective !== null && Number.isFinite(trial.objective)) {
      observations.push({ index: trial.index, values, loss: goal === 'maximize' ? -trial.objective : trial.objective });
    }
  }
  return { observations, pending };
}
