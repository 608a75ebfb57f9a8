import { mlflowError } from '../../core/tracking/mlflow-error.js';
import type { DatasetSummary } from '../../store/dataset-repository.js';
import type { Context } from '../context.js';

/** MLflow's limits for SearchDatasets (the web UI's dataset list): experiments per call, summaries per answer. */
export const searchDatasetsLimits = { experimentIds: 20, summaries: 1000 };

/** SearchDatasets: the datasets the runs of up to 20 experiments read, with their context, in MLflow's words on bad input. */
export async function searchDatasets(context: Context, workspace: string, experimentIds: string[]): Promise<DatasetSummary[]> {
  if (experimentIds.length === 0)
    throw mlflowError('INVALID_PARAMETER_VALUE', 'SearchDatasets request must specify at least one experiment_id.');
  if (experimentIds.length > searchDatasetsLimits.experimentIds)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `SearchDatasets request cannot specify more than ${searchDatasetsLimits.experimentIds} experiment_ids. Received ${experimentIds.length} experiment_ids.`,
    );
  const ids = experimentIds.map((id) => {
    if (!/^\d+$/.test(id)) throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid experiment ID: '${id}'`);
    return Number(id);
  });
  return context.store.repositories.datasets.summaries(workspace, ids, searchDatasetsLimits.summaries);
}
