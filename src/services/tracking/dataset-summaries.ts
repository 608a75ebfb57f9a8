import { mlflowError } from '../../core/tracking/mlflow-error.js';
import type { Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';

/** What search-datasets answers for each dataset a run of the experiments used. */
export interface DatasetSummary {
  experiment_id: string;
  name: string;
  digest: string;
  context?: string;
}

/** MLflow's bounds: at most 20 experiments a call, at most 1,000 summaries an answer. */
export const datasetSummaryLimits = { experimentIds: 20, results: 1000 };

/**
 * search-datasets (the web UI's dataset filter): the distinct datasets the runs of up to 20
 * experiments used, each with its context. An id that is no experiment of this workspace
 * matches nothing.
 */
export async function searchDatasetSummaries(context: Context, workspace: string, experimentIds: string[]): Promise<DatasetSummary[]> {
  if (experimentIds.length === 0)
    throw mlflowError('INVALID_PARAMETER_VALUE', 'SearchDatasets request must specify at least one experiment_id.');
  if (experimentIds.length > datasetSummaryLimits.experimentIds)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `SearchDatasets request cannot specify more than ${datasetSummaryLimits.experimentIds} experiment_ids. Received ${experimentIds.length} experiment_ids.`,
    );
  await requireWorkspace(context, workspace);
  const ids = experimentIds.filter((id) => /^\d+$/.test(id)).map(Number);
  const rows = await context.store.repositories.datasets.summaries(workspace, ids, datasetSummaryLimits.results);
  return rows.map((row) => ({
    experiment_id: String(row.experiment_id),
    name: row.name,
    digest: row.digest,
    ...(row.context !== null ? { context: row.context } : {}),
  }));
}
