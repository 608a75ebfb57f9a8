import { experimentKeyLimit } from '../../core/tracking/series-limits.js';
import type { Context } from '../context.js';
import { getExperiment } from './experiment-service.js';

export interface ExperimentKeys {
  experimentId: string;
  metrics: string[];
  params: string[];
  tags: string[];
}

/** The metric, param and tag keys an experiment's active runs use (a run table's column choices). */
export async function experimentKeys(context: Context, workspace: string, experimentId: string): Promise<ExperimentKeys> {
  const experiment = await getExperiment(context, workspace, experimentId);
  const keys = await context.store.repositories.runs.experimentKeys(workspace, Number(experiment.experiment_id), experimentKeyLimit);
  return { experimentId: experiment.experiment_id, ...keys };
}
