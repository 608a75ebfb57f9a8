import type { FastifyInstance } from 'fastify';
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
  setLoggedModelTags,
} from '../../services/tracking/logged-model-service.js';
import { fieldsOf, keyValues, optionalInteger, optionalString, requiredString } from './request-fields.js';
import { workspaceOf } from './workspace-of.js';

/** MLflow 3 logged models (what log_model creates), runs/outputs and the older runs/log-model. */
export function loggedModelRoutes(app: FastifyInstance, context: Context, base: string): void {
  app.post(`${base}/logged-models`, async (request) => {
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
  });

  app.get(`${base}/logged-models/:model_id`, async (request) => {
    const { model_id: modelId } = request.params as { model_id: string };
    const allowDeleted = String(optionalString(fieldsOf(request), 'allow_deleted') ?? 'false').toLowerCase() === 'true';
    return { model: await getLoggedModel(context, workspaceOf(request), modelId, allowDeleted) };
  });

  app.patch(`${base}/logged-models/:model_id`, async (request) => {
    const { model_id: modelId } = request.params as { model_id: string };
    const fields = fieldsOf(request);
    if (fields.status === undefined || fields.status === null) throw mlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'status'. See the API docs for more information about request parameters.");
    return { model: await finalizeLoggedModel(context, workspaceOf(request), modelId, parseLoggedModelStatus(fields.status)) };
  });

  app.delete(`${base}/logged-models/:model_id`, async (request) => {
    const { model_id: modelId } = request.params as { model_id: string };
    await deleteLoggedModel(context, workspaceOf(request), modelId);
    return {};
  });

  app.patch(`${base}/logged-models/:model_id/tags`, async (request) => {
    const { model_id: modelId } = request.params as { model_id: string };
    await setLoggedModelTags(context, workspaceOf(request), modelId, keyValues(fieldsOf(request), 'tags'));
    return {};
  });

  app.delete(`${base}/logged-models/:model_id/tags/:tag_key`, async (request) => {
    const { model_id: modelId, tag_key: key } = request.params as { model_id: string; tag_key: string };
    await deleteLoggedModelTag(context, workspaceOf(request), modelId, key);
    return {};
  });

  app.post(`${base}/logged-models/:model_id/params`, async (request) => {
    const { model_id: modelId } = request.params as { model_id: string };
    await logLoggedModelParams(context, workspaceOf(request), modelId, keyValues(fieldsOf(request), 'params'));
    return {};
  });

  app.post(`${base}/runs/outputs`, async (request) => {
    const fields = fieldsOf(request);
    const models = fields.models;
    if (!Array.isArray(models) || models.length === 0) throw mlflowError('INVALID_PARAMETER_VALUE', "Missing value for required parameter 'models'. See the API docs for more information about request parameters.");
    await logRunOutputs(
      context,
      workspaceOf(request),
      requiredString(fields, 'run_id'),
      models.map((entry: unknown) => ({ modelId: requiredString((entry ?? {}) as Record<string, unknown>, 'model_id'), step: optionalInteger((entry ?? {}) as Record<string, unknown>, 'step') ?? 0 })),
    );
    return {};
  });

  app.post(`${base}/runs/log-model`, async (request) => {
    const fields = fieldsOf(request);
    await recordLoggedModel(context, workspaceOf(request), requiredString(fields, 'run_id'), requiredString(fields, 'model_json'));
    return {};
  });
}
