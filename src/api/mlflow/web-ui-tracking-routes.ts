import { mlflowWebUiTrackingRoutes } from '../../contract/mlflow/web-ui.js';
import type { Context } from '../../services/context.js';
import { searchDatasetSummaries } from '../../services/tracking/dataset-summaries.js';
import { type MlflowRoute, withHandlers } from './mlflow-route.js';
import { fieldsOf, stringList } from './request-fields.js';
import { workspaceOf } from './workspace-of.js';

/** The web UI's tracking calls under /ajax-api/2.0 only: search-datasets, for the runs table's dataset filter. */
export function webUiTrackingRoutes(context: Context): MlflowRoute[] {
  return withHandlers(mlflowWebUiTrackingRoutes, {
    searchDatasets: async (request) => ({
      dataset_summaries: await searchDatasetSummaries(context, workspaceOf(request), stringList(fieldsOf(request), 'experiment_ids')),
    }),
  });
}
