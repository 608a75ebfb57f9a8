import { z } from 'zod';
import { runStatuses } from '../../core/tracking/entities.js';
import type { MlflowTable } from './route.js';
import {
  datasetInputSchema,
  emptyResponse,
  int64Field,
  keyValueSchema,
  metricInput,
  metricSchema,
  nextPageToken,
  runInfoSchema,
  runSchema,
  viewTypeField as viewType,
} from './schemas.js';

// Older clients name a run by run_uuid; either does.
const runKey = z.object({ run_id: z.string().optional(), run_uuid: z.string().optional() });
const runId = z.object({ run_id: z.string() });
const metricsPage = z.object({ metrics: z.array(metricSchema), next_page_token: nextPageToken });

/** runs/* and metrics/get-history. */
export const mlflowRunRoutes = {
  createRun: {
    method: 'POST',
    path: '/mlflow/runs/create',
    summary: 'Create a run',
    request: z.object({
      experiment_id: z.string().optional(),
      user_id: z.string().optional(),
      run_name: z.string().optional(),
      start_time: int64Field.optional(),
      tags: z.array(keyValueSchema).optional(),
    }),
    response: z.object({ run: runSchema }),
  },
  getRun: {
    method: 'GET',
    path: '/mlflow/runs/get',
    summary: 'Get a run: its info, data, inputs and outputs',
    request: runKey,
    response: z.object({ run: runSchema }),
  },
  updateRun: {
    method: 'POST',
    path: '/mlflow/runs/update',
    summary: "Update a run's status, end time or name",
    request: runKey.extend({ status: z.enum(runStatuses).optional(), end_time: int64Field.optional(), run_name: z.string().optional() }),
    response: z.object({ run_info: runInfoSchema }),
  },
  deleteRun: {
    method: 'POST',
    path: '/mlflow/runs/delete',
    summary: 'Mark a run deleted',
    request: runId,
    response: emptyResponse,
  },
  restoreRun: {
    method: 'POST',
    path: '/mlflow/runs/restore',
    summary: 'Restore a deleted run',
    request: runId,
    response: emptyResponse,
  },
  logMetric: {
    method: 'POST',
    path: '/mlflow/runs/log-metric',
    summary: 'Log one metric point',
    request: runKey.extend(metricInput.shape),
    response: emptyResponse,
  },
  logParam: {
    method: 'POST',
    path: '/mlflow/runs/log-parameter',
    summary: 'Log one param',
    request: runKey.extend({ key: z.string(), value: z.string() }),
    response: emptyResponse,
  },
  setTag: {
    method: 'POST',
    path: '/mlflow/runs/set-tag',
    summary: 'Set a tag on a run',
    request: runKey.extend({ key: z.string(), value: z.string() }),
    response: emptyResponse,
  },
  deleteTag: {
    method: 'POST',
    path: '/mlflow/runs/delete-tag',
    summary: 'Delete a tag of a run',
    request: runId.extend({ key: z.string() }),
    response: emptyResponse,
  },
  logBatch: {
    method: 'POST',
    path: '/mlflow/runs/log-batch',
    summary: 'Log metrics, params and tags in one call',
    request: runId.extend({
      metrics: z.array(metricInput).optional(),
      params: z.array(keyValueSchema).optional(),
      tags: z.array(keyValueSchema).optional(),
    }),
    response: emptyResponse,
  },
  searchRuns: {
    method: 'POST',
    path: '/mlflow/runs/search',
    summary: 'Search runs of experiments',
    request: z.object({
      experiment_ids: z.array(z.string()).optional(),
      filter: z.string().optional(),
      run_view_type: viewType.optional(),
      max_results: int64Field.optional(),
      order_by: z.array(z.string()).optional(),
      page_token: z.string().optional(),
    }),
    response: z.object({ runs: z.array(runSchema), next_page_token: nextPageToken }),
  },
  logInputs: {
    method: 'POST',
    path: '/mlflow/runs/log-inputs',
    summary: 'Log the datasets and logged models a run read',
    request: runId.extend({
      datasets: z.array(datasetInputSchema).optional(),
      models: z.array(z.object({ model_id: z.string() })).optional(),
    }),
    response: emptyResponse,
  },
  getMetricHistoryBulk: {
    method: 'GET',
    path: '/mlflow/metrics/get-history-bulk',
    summary: "One metric's history for several runs",
    request: z.object({ run_id: z.array(z.string()), metric_key: z.string(), max_results: int64Field.optional() }),
    response: z.object({ metrics: z.array(metricSchema.extend({ run_id: z.string() })) }),
  },
  getMetricHistoryBulkInterval: {
    method: 'GET',
    path: '/mlflow/metrics/get-history-bulk-interval',
    summary: "One metric's history for several runs, sampled by step",
    request: z.object({
      run_ids: z.array(z.string()),
      metric_key: z.string(),
      start_step: int64Field.optional(),
      end_step: int64Field.optional(),
      max_results: int64Field.optional(),
    }),
    response: z.object({ metrics: z.array(metricSchema.extend({ run_id: z.string() })) }),
  },
  getMetricHistory: {
    method: 'GET',
    path: '/mlflow/metrics/get-history',
    summary: "A metric's history in one run",
    request: runKey.extend({ metric_key: z.string(), max_results: int64Field.optional(), page_token: z.string().optional() }),
    response: metricsPage,
  },
} satisfies MlflowTable;
