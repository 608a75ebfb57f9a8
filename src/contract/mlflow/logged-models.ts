import { z } from 'zod';
import type { MlflowTable } from './route.js';
import { emptyResponse, int64Field, keyValueSchema, loggedModelSchema, nextPageToken } from './schemas.js';

const modelId = z.object({ model_id: z.string() });
const modelResponse = z.object({ model: loggedModelSchema });

/** MLflow 3 logged models (what log_model creates), runs/outputs and the older runs/log-model. */
export const mlflowLoggedModelRoutes = {
  createLoggedModel: {
    method: 'POST',
    path: '/mlflow/logged-models',
    summary: 'Create a logged model (PENDING until finalized)',
    request: z.object({
      experiment_id: z.string(),
      name: z.string().optional(),
      model_type: z.string().optional(),
      source_run_id: z.string().optional(),
      params: z.array(keyValueSchema).optional(),
      tags: z.array(keyValueSchema).optional(),
    }),
    response: modelResponse,
  },
  // A static segment: the router never takes 'search' for a model id.
  searchLoggedModels: {
    method: 'POST',
    path: '/mlflow/logged-models/search',
    summary: 'Search logged models of experiments',
    request: z.object({
      experiment_ids: z.array(z.string()).optional(),
      filter: z.string().optional(),
      max_results: int64Field.optional(),
      order_by: z.array(z.object({ field_name: z.string(), ascending: z.boolean().optional() })).optional(),
      page_token: z.string().optional(),
    }),
    response: z.object({ models: z.array(loggedModelSchema), next_page_token: nextPageToken }),
  },
  getLoggedModel: {
    method: 'GET',
    path: '/mlflow/logged-models/:model_id',
    summary: 'Get a logged model',
    params: modelId,
    request: z.object({ allow_deleted: z.enum(['true', 'false']).optional() }),
    response: modelResponse,
  },
  finalizeLoggedModel: {
    method: 'PATCH',
    path: '/mlflow/logged-models/:model_id',
    summary: 'Finalize a logged model: READY or UPLOAD_FAILED',
    params: modelId,
    request: z.object({ status: z.union([z.string(), z.number().int()]) }),
    response: modelResponse,
  },
  deleteLoggedModel: {
    method: 'DELETE',
    path: '/mlflow/logged-models/:model_id',
    summary: 'Delete a logged model',
    params: modelId,
    response: emptyResponse,
  },
  setLoggedModelTags: {
    method: 'PATCH',
    path: '/mlflow/logged-models/:model_id/tags',
    summary: 'Set tags on a logged model',
    params: modelId,
    request: z.object({ tags: z.array(keyValueSchema).optional() }),
    response: emptyResponse,
  },
  deleteLoggedModelTag: {
    method: 'DELETE',
    path: '/mlflow/logged-models/:model_id/tags/:tag_key',
    summary: 'Delete a tag of a logged model',
    params: modelId.extend({ tag_key: z.string() }),
    response: emptyResponse,
  },
  logLoggedModelParams: {
    method: 'POST',
    path: '/mlflow/logged-models/:model_id/params',
    summary: 'Log params of a logged model',
    params: modelId,
    request: z.object({ params: z.array(keyValueSchema).optional() }),
    response: emptyResponse,
  },
  logOutputs: {
    method: 'POST',
    path: '/mlflow/runs/outputs',
    summary: 'Record the logged models a run produced',
    request: z.object({ run_id: z.string(), models: z.array(z.object({ model_id: z.string(), step: int64Field.optional() })) }),
    response: emptyResponse,
  },
  logModel: {
    method: 'POST',
    path: '/mlflow/runs/log-model',
    summary: "Record an MLmodel file's content on a run (MLflow 2)",
    request: z.object({ run_id: z.string(), model_json: z.string() }),
    response: emptyResponse,
  },
} satisfies MlflowTable;
