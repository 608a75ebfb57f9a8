import { z } from 'zod';
import type { MlflowTable } from './route.js';
import { emptyResponse, experimentSchema, int64Field, keyValueSchema, nextPageToken, viewTypeField as viewType } from './schemas.js';

const experimentId = z.object({ experiment_id: z.string() });
const experimentResponse = z.object({ experiment: experimentSchema });
const experimentsPage = z.object({ experiments: z.array(experimentSchema), next_page_token: nextPageToken });
const searchRequest = z.object({
  max_results: int64Field.optional(),
  page_token: z.string().optional(),
  filter: z.string().optional(),
  order_by: z.array(z.string()).optional(),
  view_type: viewType.optional(),
});

/** experiments/*: create, get, get-by-name, search, update, delete, restore, tags. */
export const mlflowExperimentRoutes = {
  createExperiment: {
    method: 'POST',
    path: '/mlflow/experiments/create',
    summary: 'Create an experiment',
    request: z.object({ name: z.string(), artifact_location: z.string().optional(), tags: z.array(keyValueSchema).optional() }),
    response: z.object({ experiment_id: z.string() }),
  },
  getExperiment: {
    method: 'GET',
    path: '/mlflow/experiments/get',
    summary: 'Get an experiment by id',
    request: experimentId,
    response: experimentResponse,
  },
  getExperimentByName: {
    method: 'GET',
    path: '/mlflow/experiments/get-by-name',
    summary: 'Get an experiment by name',
    request: z.object({ experiment_name: z.string() }),
    response: experimentResponse,
  },
  searchExperiments: {
    method: ['POST', 'GET'],
    path: '/mlflow/experiments/search',
    summary: 'Search experiments',
    request: searchRequest,
    response: experimentsPage,
  },
  // experiments/list was removed in MLflow 2.0; older clients (the npm `mlflow` package among them) still call it.
  listExperiments: {
    method: 'GET',
    path: '/mlflow/experiments/list',
    summary: 'List experiments (MLflow 1.x; use search)',
    request: z.object({ view_type: viewType.optional() }),
    response: z.object({ experiments: z.array(experimentSchema) }),
  },
  updateExperiment: {
    method: 'POST',
    path: '/mlflow/experiments/update',
    summary: 'Rename an experiment',
    request: experimentId.extend({ new_name: z.string() }),
    response: emptyResponse,
  },
  deleteExperiment: {
    method: 'POST',
    path: '/mlflow/experiments/delete',
    summary: 'Mark an experiment deleted',
    request: experimentId,
    response: emptyResponse,
  },
  restoreExperiment: {
    method: 'POST',
    path: '/mlflow/experiments/restore',
    summary: 'Restore a deleted experiment',
    request: experimentId,
    response: emptyResponse,
  },
  setExperimentTag: {
    method: 'POST',
    path: '/mlflow/experiments/set-experiment-tag',
    summary: 'Set a tag on an experiment',
    request: experimentId.extend({ key: z.string(), value: z.string() }),
    response: emptyResponse,
  },
  deleteExperimentTag: {
    method: 'POST',
    path: '/mlflow/experiments/delete-experiment-tag',
    summary: 'Delete a tag of an experiment',
    request: experimentId.extend({ key: z.string() }),
    response: emptyResponse,
  },
} satisfies MlflowTable;
