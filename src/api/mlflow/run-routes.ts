import { runStatuses, type RunStatus } from '../../core/tracking/entities.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { mlflowRunRoutes } from '../../contract/mlflow/runs.js';
import type { Context } from '../../services/context.js';
import {
  bulkHistoryLimits,
  createRun,
  deleteRunTag,
  getRun,
  logBatch,
  logInputs,
  metricHistory,
  metricHistoryBulkInterval,
  setRunLifecycle,
  updateRun,
} from '../../services/tracking/run-service.js';
import {
  datasetInputs,
  type Fields,
  fieldsOf,
  keyValues,
  metricPoint,
  metricPoints,
  optionalInteger,
  optionalString,
  requiredRunId,
  requiredString,
  scalarText,
  stringList,
  viewTypeField,
} from './request-fields.js';
import { logRunModelInputs } from '../../services/tracking/logged-model-service.js';
import { searchRuns, searchRunsLimits, type SearchRunsInput } from '../../services/tracking/search-runs.js';
import { type MlflowRoute, withHandlers } from './mlflow-route.js';
import { workspaceOf } from './workspace-of.js';

/** What metricHistoryBulkInterval takes. */
type BulkIntervalInput = Parameters<typeof metricHistoryBulkInterval>[2];

/** The handlers of runs/* and metrics/get-history (src/contract/mlflow/runs.ts). */
export function runRoutes(context: Context): MlflowRoute[] {
  type Handler = MlflowRoute['handler'];
  const create: Handler = async (request) => {
    const fields = fieldsOf(request);
    const run = await createRun(context, workspaceOf(request), {
      experimentId: optionalString(fields, 'experiment_id') ?? '0',
      userId: optionalString(fields, 'user_id') ?? '',
      runName: optionalString(fields, 'run_name') || undefined,
      startTime: optionalInteger(fields, 'start_time'),
      tags: keyValues(fields, 'tags'),
    });
    return { run };
  };

  const get: Handler = async (request) => {
    const fields = fieldsOf(request);
    const runId = requiredRunId(fields);
    return { run: await getRun(context, workspaceOf(request), runId) };
  };

  const update: Handler = async (request) => {
    const fields = fieldsOf(request);
    const runId = requiredRunId(fields);
    const status = optionalString(fields, 'status');
    if (status !== undefined && !(runStatuses as readonly string[]).includes(status)) {
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Invalid value '${status}' for parameter 'status'; use one of ${runStatuses.join(', ')}`,
      );
    }
    const endTime = optionalInteger(fields, 'end_time');
    const runName = optionalString(fields, 'run_name');
    const info = await updateRun(context, workspaceOf(request), runId, {
      ...(status ? { status: status as RunStatus } : {}),
      ...(endTime !== undefined ? { endTime } : {}),
      ...(runName ? { runName } : {}),
    });
    return { run_info: info };
  };

  const remove: Handler = async (request) => {
    await setRunLifecycle(context, workspaceOf(request), requiredString(fieldsOf(request), 'run_id'), 'deleted');
    return {};
  };

  const restore: Handler = async (request) => {
    await setRunLifecycle(context, workspaceOf(request), requiredString(fieldsOf(request), 'run_id'), 'active');
    return {};
  };

  const logMetric: Handler = async (request) => {
    const fields = fieldsOf(request);
    const runId = requiredRunId(fields);
    await logBatch(context, workspaceOf(request), runId, { metrics: [metricPoint(fields)], params: [], tags: [] });
    return {};
  };

  const logParameter: Handler = async (request) => {
    const fields = fieldsOf(request);
    const runId = requiredRunId(fields);
    await logBatch(context, workspaceOf(request), runId, {
      metrics: [],
      params: [{ key: requiredString(fields, 'key'), value: scalarText(fields, 'value') }],
      tags: [],
    });
    return {};
  };

  const setTag: Handler = async (request) => {
    const fields = fieldsOf(request);
    const runId = requiredRunId(fields);
    await logBatch(context, workspaceOf(request), runId, {
      metrics: [],
      params: [],
      tags: [{ key: requiredString(fields, 'key'), value: optionalString(fields, 'value') ?? '' }],
    });
    return {};
  };

  const deleteTag: Handler = async (request) => {
    const fields = fieldsOf(request);
    await deleteRunTag(context, workspaceOf(request), requiredString(fields, 'run_id'), requiredString(fields, 'key'));
    return {};
  };

  const logBatchCall: Handler = async (request) => {
    const fields = fieldsOf(request);
    await logBatch(context, workspaceOf(request), requiredString(fields, 'run_id'), {
      metrics: metricPoints(fields, 'metrics'),
      params: keyValues(fields, 'params'),
      tags: keyValues(fields, 'tags'),
    });
    return {};
  };

  const search: Handler = async (request) => {
    const result = await searchRuns(context, workspaceOf(request), searchRunsRequest(fieldsOf(request)));
    return { runs: result.runs, ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}) };
  };

  const logInputsCall: Handler = async (request) => {
    const fields = fieldsOf(request);
    const runId = requiredString(fields, 'run_id');
    const models = Array.isArray(fields.models)
      ? fields.models.map((entry: unknown) => requiredString((entry ?? {}) as Record<string, unknown>, 'model_id'))
      : [];
    await logInputs(context, workspaceOf(request), runId, datasetInputs(fields, 'datasets'));
    await logRunModelInputs(context, workspaceOf(request), runId, models);
    return {};
  };

  // The MLflow UI's older bulk history: up to 100 runs, up to 25,000 points each, in time order.
  const historyBulk: Handler = async (request) => {
    const fields = fieldsOf(request);
    const runIds = [...new Set(stringList(fields, 'run_id'))].sort();
    if (runIds.length === 0) throw mlflowError('INVALID_PARAMETER_VALUE', 'GetMetricHistoryBulk request must specify at least one run_id.');
    if (runIds.length > bulkHistoryLimits.runIds)
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `GetMetricHistoryBulk request cannot specify more than ${bulkHistoryLimits.runIds} run_ids. Received ${runIds.length} run_ids.`,
      );
    const key = optionalString(fields, 'metric_key');
    if (key === undefined) throw mlflowError('INVALID_PARAMETER_VALUE', 'GetMetricHistoryBulk request must specify a metric_key.');
    const requested = optionalInteger(fields, 'max_results') ?? 25_000;
    if (requested < 1)
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Invalid value ${requested} for parameter 'max_results' supplied: it must be a positive integer (at most 25000 points per run are returned).`,
      );
    const maxResults = Math.min(requested, 25_000);
    const metrics = [];
    for (const runId of runIds) {
      const history = await metricHistory(context, workspaceOf(request), runId, key, maxResults, undefined);
      const points = [...history.metrics].sort((a, b) => a.timestamp - b.timestamp || a.step - b.step || a.value - b.value);
      metrics.push(...points.map((point) => ({ ...point, run_id: runId })));
    }
    return { metrics };
  };

  const historyBulkInterval: Handler = async (request) => ({
    metrics: await metricHistoryBulkInterval(context, workspaceOf(request), bulkIntervalRequest(fieldsOf(request))),
  });

  const history: Handler = async (request) => {
    const fields = fieldsOf(request);
    const runId = requiredRunId(fields);
    const maxResults = optionalInteger(fields, 'max_results');
    if (maxResults !== undefined && maxResults < 1) {
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Invalid value ${maxResults} for parameter 'max_results' supplied: it must be a positive integer, or left out for the whole history.`,
      );
    }
    const result = await metricHistory(
      context,
      workspaceOf(request),
      runId,
      requiredString(fields, 'metric_key'),
      maxResults,
      optionalString(fields, 'page_token'),
    );
    return { metrics: result.metrics, ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}) };
  };

  return withHandlers(mlflowRunRoutes, {
    createRun: create,
    getRun: get,
    updateRun: update,
    deleteRun: remove,
    restoreRun: restore,
    logMetric,
    logParam: logParameter,
    setTag,
    deleteTag,
    logBatch: logBatchCall,
    searchRuns: search,
    logInputs: logInputsCall,
    getMetricHistoryBulk: historyBulk,
    getMetricHistoryBulkInterval: historyBulkInterval,
    getMetricHistory: history,
  });
}

/** runs/search's fields, checked in MLflow's words: what searchRuns takes (the GraphQL API's mlflowSearchRuns too). */
export function searchRunsRequest(fields: Fields): SearchRunsInput {
  const filter = fields.filter;
  if (filter !== undefined && filter !== null && typeof filter !== 'string')
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${JSON.stringify(filter)} for parameter 'filter' supplied: expected a string.`,
    );
  return {
    experimentIds: stringList(fields, 'experiment_ids'),
    filter: filter ?? undefined,
    viewType: viewTypeField(fields, 'run_view_type'),
    maxResults: optionalInteger(fields, 'max_results') ?? searchRunsLimits.defaultMaxResults,
    orderBy: stringList(fields, 'order_by'),
    pageToken: optionalString(fields, 'page_token') || undefined,
  };
}

/** metrics/get-history-bulk-interval's fields, checked in MLflow's words (the GraphQL API's mlflowGetMetricHistoryBulkInterval too). */
export function bulkIntervalRequest(fields: Fields): BulkIntervalInput {
  const runIds = stringList(fields, 'run_ids');
  if (runIds.length === 0)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'run_ids'. See the API docs for more information about request parameters.",
    );
  if (runIds.length > bulkHistoryLimits.runIds) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `GetMetricHistoryBulkInterval request must specify at most ${bulkHistoryLimits.runIds} run_ids. Received ${runIds.length} run_ids.`,
    );
  }
  const maxResults = optionalInteger(fields, 'max_results') ?? bulkHistoryLimits.resultsPerRun;
  if (maxResults < 1 || maxResults > bulkHistoryLimits.resultsPerRun)
    throw mlflowError('INVALID_PARAMETER_VALUE', `max_results must be between 1 and ${bulkHistoryLimits.resultsPerRun}.`);
  const start = optionalInteger(fields, 'start_step');
  const end = optionalInteger(fields, 'end_step');
  if ((start === undefined) !== (end === undefined))
    throw mlflowError('INVALID_PARAMETER_VALUE', 'If either start step or end step are specified, both must be specified.');
  if (start !== undefined && end !== undefined && start > end) {
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `end_step must be greater than start_step. Found start_step=${start} and end_step=${end}.`,
    );
  }
  return {
    runIds,
    key: requiredString(fields, 'metric_key'),
    maxResults,
    ...(start !== undefined && end !== undefined ? { range: { start, end } } : {}),
  };
}
