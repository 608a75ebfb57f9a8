import { mlflowLoggedModelRoutes } from '../../contract/mlflow/logged-models.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import type { Context } from '../../services/context.js';
import {
  createLoggedModel,
  deleteLoggedModel,
  deleteLoggedModelTag,
  finalizeLoggedModel,
  getLoggedModel,
  logLoggedModelParams,
  logRunOutputs,
  parseLoggedModelStatus,
  recordLoggedModel,
  searchLoggedModels,
  setLoggedModelTags,
} from '../../services/tracking/logged-model-service.js';
import { fieldsOf, keyValues, optionalInteger, optionalString, requiredString, stringList } from './request-fields.js';
import { type MlflowRoute, withHandlers } from './mlflow-route.js';
import { workspaceOf } from './workspace-of.js';

/** The handlers of MLflow 3 logged models, runs/outputs and runs/log-model (src/contract/mlflow/logged-models.ts). */
export function loggedModelRoutes(context: Context): MlflowRoute[] {
  type Handler = MlflowRoute['handler'];
  const create: Handler = async (request) => {
    const fields = fieldsOf(request);
    const model = await createLoggedModel(context, workspaceOf(request), {
      experimentId: requiredString(fields, 'experiment_id'),
      name: optionalString(fields, 'name') || undefined,
      modelType: optionalString(fields, 'model_type') || undefined,
      sourceRunId: optionalString(fields, 'source_run_id') || undefined,
      params: keyValues(fields, 'params'),
      tags: keyValues(fields, 'tags'),
    });
    return { model };
  };

  const search: Handler = async (request) => {
    const fields = fieldsOf(request);
    const orderBy = Array.isArray(fields.order_by)
      ? fields.order_by.map((entry: unknown) => {
          const order = (entry ?? {}) as Record<string, unknown>;
          return { fieldName: requiredString(order, 'field_name'), ascending: order.ascending !== false };
        })
      : [];
    const maxResults = optionalInteger(fields, 'max_results') ?? 100;
    if (maxResults < 1 || maxResults > 1000)
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be between 1 and 1000.`,
      );
    const result = await searchLoggedModels(context, workspaceOf(request), {
      experimentIds: stringList(fields, 'experiment_ids'),
      filter: optionalString(fields, 'filter') || undefined,
      maxResults,
      orderBy,
      pageToken: optionalString(fields, 'page_token') || undefined,
      datasets: datasetFilters(fields),
    });
    return { models: result.models, ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}) };
  };

  const get: Handler = async (request) => {
    const { model_id: modelId } = request.params as { model_id: string };
    const allowDeleted = String(optionalString(fieldsOf(request), 'allow_deleted') ?? 'false').toLowerCase() === 'true';
    return { model: await getLoggedModel(context, workspaceOf(request), modelId, allowDeleted) };
  };

  const finalize: Handler = async (request) => {
    const { model_id: modelId } = request.params as { model_id: string };
    const fields = fieldsOf(request);
    if (fields.status === undefined || fields.status === null)
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        "Missing value for required parameter 'status'. See the API docs for more information about request parameters.",
      );
    return { model: await finalizeLoggedModel(context, workspaceOf(request), modelId, parseLoggedModelStatus(fields.status)) };
  };

  const remove: Handler = async (request) => {
    const { model_id: modelId } = request.params as { model_id: string };
    await deleteLoggedModel(context, workspaceOf(request), modelId);
    return {};
  };

  const setTags: Handler = async (request) => {
    const { model_id: modelId } = request.params as { model_id: string };
    await setLoggedModelTags(context, workspaceOf(request), modelId, keyValues(fieldsOf(request), 'tags'));
    return {};
  };

  const deleteTag: Handler = async (request) => {
    const { model_id: modelId, tag_key: key } = request.params as { model_id: string; tag_key: string };
    await deleteLoggedModelTag(context, workspaceOf(request), modelId, key);
    return {};
  };

  const logParams: Handler = async (request) => {
    const { model_id: modelId } = request.params as { model_id: string };
    await logLoggedModelParams(context, workspaceOf(request), modelId, keyValues(fieldsOf(request), 'params'));
    return {};
  };

  const logOutputs: Handler = async (request) => {
    const fields = fieldsOf(request);
    const models = fields.models;
    if (!Array.isArray(models) || models.length === 0)
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        "Missing value for required parameter 'models'. See the API docs for more information about request parameters.",
      );
    await logRunOutputs(
      context,
      workspaceOf(request),
      requiredString(fields, 'run_id'),
      models.map((entry: unknown) => ({
        modelId: requiredString((entry ?? {}) as Record<string, unknown>, 'model_id'),
        step: optionalInteger((entry ?? {}) as Record<string, unknown>, 'step') ?? 0,
      })),
    );
    return {};
  };

  const logModel: Handler = async (request) => {
    const fields = fieldsOf(request);
    await recordLoggedModel(context, workspaceOf(request), requiredString(fields, 'run_id'), requiredString(fields, 'model_json'));
    return {};
  };

  return withHandlers(mlflowLoggedModelRoutes, {
    createLoggedModel: create,
    searchLoggedModels: search,
    getLoggedModel: get,
    finalizeLoggedModel: finalize,
    deleteLoggedModel: remove,
    setLoggedModelTags: setTags,
    deleteLoggedModelTag: deleteTag,
    logLoggedModelParams: logParams,
    logOutputs,
    logModel,
  });
}

/** search's `datasets`: [{dataset_name, dataset_digest?}], each naming a dataset the models' metrics were computed on. */
function datasetFilters(fields: Record<string, unknown>): Array<{ name: string; digest: string | undefined }> {
  const value = fields.datasets;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${JSON.stringify(value)} for parameter 'datasets' supplied: expected a list.`,
    );
  return value.map((entry: unknown, index) => {
    const dataset = (entry ?? {}) as Record<string, unknown>;
    return {
      name: requiredString(dataset, 'dataset_name', `datasets[${index}].dataset_name`),
      digest: optionalString(dataset, 'dataset_digest', `datasets[${index}].dataset_digest`) || undefined,
    };
  });
}
