import { z } from 'zod';
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
import type { MlflowRoute } from './mlflow-route.js';
import { emptyResponse, int64Field, keyValueSchema, loggedModelSchema, nextPageToken } from './mlflow-schemas.js';
import { workspaceOf } from './workspace-of.js';

const modelId = z.object({ model_id: z.string() });
const modelResponse = z.object({ model: loggedModelSchema });

/** MLflow 3 logged models (what log_model creates), runs/outputs and the older runs/log-model. */
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

  return [
    {
      method: 'POST',
      path: '/logged-models',
      operationId: 'createLoggedModel',
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
      handler: create,
    },
    {
      // A static segment: the router never takes 'search' for a model id.
      method: 'POST',
      path: '/logged-models/search',
      operationId: 'searchLoggedModels',
      summary: 'Search logged models of experiments',
      request: z.object({
        experiment_ids: z.array(z.string()).optional(),
        filter: z.string().optional(),
        max_results: int64Field.optional(),
        order_by: z.array(z.object({ field_name: z.string(), ascending: z.boolean().optional() })).optional(),
        page_token: z.string().optional(),
      }),
      response: z.object({ models: z.array(loggedModelSchema), next_page_token: nextPageToken }),
      handler: search,
    },
    {
      method: 'GET',
      path: '/logged-models/:model_id',
      operationId: 'getLoggedModel',
      summary: 'Get a logged model',
      params: modelId,
      request: z.object({ allow_deleted: z.enum(['true', 'false']).optional() }),
      response: modelResponse,
      handler: get,
    },
    {
      method: 'PATCH',
      path: '/logged-models/:model_id',
      operationId: 'finalizeLoggedModel',
      summary: 'Finalize a logged model: READY or UPLOAD_FAILED',
      params: modelId,
      request: z.object({ status: z.union([z.string(), z.number().int()]) }),
      response: modelResponse,
      handler: finalize,
    },
    {
      method: 'DELETE',
      path: '/logged-models/:model_id',
      operationId: 'deleteLoggedModel',
      summary: 'Delete a logged model',
      params: modelId,
      response: emptyResponse,
      handler: remove,
    },
    {
      method: 'PATCH',
      path: '/logged-models/:model_id/tags',
      operationId: 'setLoggedModelTags',
      summary: 'Set tags on a logged model',
      params: modelId,
      request: z.object({ tags: z.array(keyValueSchema).optional() }),
      response: emptyResponse,
      handler: setTags,
    },
    {
      method: 'DELETE',
      path: '/logged-models/:model_id/tags/:tag_key',
      operationId: 'deleteLoggedModelTag',
      summary: 'Delete a tag of a logged model',
      params: modelId.extend({ tag_key: z.string() }),
      response: emptyResponse,
      handler: deleteTag,
    },
    {
      method: 'POST',
      path: '/logged-models/:model_id/params',
      operationId: 'logLoggedModelParams',
      summary: 'Log params of a logged model',
      params: modelId,
      request: z.object({ params: z.array(keyValueSchema).optional() }),
      response: emptyResponse,
      handler: logParams,
    },
    {
      method: 'POST',
      path: '/runs/outputs',
      operationId: 'logOutputs',
      summary: 'Record the logged models a run produced',
      request: z.object({ run_id: z.string(), models: z.array(z.object({ model_id: z.string(), step: int64Field.optional() })) }),
      response: emptyResponse,
      handler: logOutputs,
    },
    {
      method: 'POST',
      path: '/runs/log-model',
      operationId: 'logModel',
      summary: "Record an MLmodel file's content on a run (MLflow 2)",
      request: z.object({ run_id: z.string(), model_json: z.string() }),
      response: emptyResponse,
      handler: logModel,
    },
  ];
}
