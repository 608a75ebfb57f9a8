import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import { parseStage } from '../../core/tracking/model-registry-rules.js';
import type { Caller, Context } from '../../services/context.js';
import {
  createRegisteredModel,
  deleteAlias,
  deleteRegisteredModel,
  deleteRegisteredModelTag,
  getLatestVersions,
  getRegisteredModel,
  getVersionByAlias,
  renameRegisteredModel,
  setAlias,
  setRegisteredModelTag,
  updateRegisteredModel,
} from '../../services/tracking/model-registry-service.js';
import { searchLimits, searchModelVersions, searchRegisteredModels } from '../../services/tracking/model-registry-search.js';
import {
  createModelVersion,
  deleteModelVersion,
  deleteModelVersionTag,
  getDownloadUri,
  getModelVersion,
  setModelVersionTag,
  transitionStage,
  updateModelVersion,
} from '../../services/tracking/model-version-service.js';
import { fieldsOf, keyValues, optionalInteger, optionalString, requiredString, stringList, type Fields } from './request-fields.js';
import { workspaceOf } from './workspace-of.js';

/** MLflow's model registry API (every endpoint of model_registry.proto the clients use), over Trellis model assets. */
export function registryRoutes(app: FastifyInstance, context: Context, base: string, callerOf: (request: FastifyRequest) => Caller): void {
  const models = `${base}/registered-models`;
  const versions = `${base}/model-versions`;
  const ws = workspaceOf;
  const tag = (fields: Fields) => ({ key: requiredString(fields, 'key'), value: optionalString(fields, 'value') ?? '' });
  const flag = (fields: Fields, name: string) => {
    const value = fields[name];
    if (value === undefined || value === null || typeof value === 'boolean') return value === true;
    if (typeof value === 'string' && ['true', 'false'].includes(value.toLowerCase())) return value.toLowerCase() === 'true';
    throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid boolean value: ${String(value)}, must be 'true' or 'false'.`);
  };

  app.post(`${models}/create`, async (request) => {
    const fields = fieldsOf(request);
    return { registered_model: await createRegisteredModel(context, ws(request), { name: requiredString(fields, 'name'), tags: keyValues(fields, 'tags'), description: optionalString(fields, 'description') }) };
  });
  app.get(`${models}/get`, async (request) => ({ registered_model: await getRegisteredModel(context, ws(request), requiredString(fieldsOf(request), 'name')) }));
  app.post(`${models}/rename`, async (request) => {
    const fields = fieldsOf(request);
    return { registered_model: await renameRegisteredModel(context, callerOf(request), ws(request), requiredString(fields, 'name'), requiredString(fields, 'new_name')) };
  });
  app.patch(`${models}/update`, async (request) => {
    const fields = fieldsOf(request);
    return { registered_model: await updateRegisteredModel(context, ws(request), requiredString(fields, 'name'), optionalString(fields, 'description')) };
  });
  app.delete(`${models}/delete`, async (request) => {
    await deleteRegisteredModel(context, callerOf(request), ws(request), requiredString(fieldsOf(request), 'name'));
    return {};
  });
  const searchModels = async (request: FastifyRequest) => {
    const fields = fieldsOf(request);
    const result = await searchRegisteredModels(context, ws(request), {
      filter: optionalString(fields, 'filter') || undefined,
      maxResults: optionalInteger(fields, 'max_results') ?? searchLimits.registeredModelsDefault,
      orderBy: stringList(fields, 'order_by'),
      pageToken: optionalString(fields, 'page_token') || undefined,
    });
    return { registered_models: result.items, ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}) };
  };
  app.get(`${models}/search`, searchModels);
  app.post(`${models}/search`, searchModels);
  const latest = async (request: FastifyRequest) => {
    const fields = fieldsOf(request);
    return { model_versions: await getLatestVersions(context, ws(request), requiredString(fields, 'name'), stringList(fields, 'stages')) };
  };
  app.post(`${models}/get-latest-versions`, latest);
  app.get(`${models}/get-latest-versions`, latest);
  app.post(`${models}/set-tag`, async (request) => {
    const fields = fieldsOf(request);
    await setRegisteredModelTag(context, ws(request), requiredString(fields, 'name'), tag(fields));
    return {};
  });
  app.delete(`${models}/delete-tag`, async (request) => {
    const fields = fieldsOf(request);
    await deleteRegisteredModelTag(context, ws(request), requiredString(fields, 'name'), requiredString(fields, 'key'));
    return {};
  });
  app.post(`${models}/alias`, async (request) => {
    const fields = fieldsOf(request);
    await setAlias(context, ws(request), requiredString(fields, 'name'), requiredString(fields, 'alias'), requiredString(fields, 'version'));
    return {};
  });
  app.delete(`${models}/alias`, async (request) => {
    const fields = fieldsOf(request);
    await deleteAlias(context, ws(request), requiredString(fields, 'name'), requiredString(fields, 'alias'));
    return {};
  });
  app.get(`${models}/alias`, async (request) => {
    const fields = fieldsOf(request);
    return { model_version: await getVersionByAlias(context, ws(request), requiredString(fields, 'name'), requiredString(fields, 'alias')) };
  });

  app.post(`${versions}/create`, async (request) => {
    const fields = fieldsOf(request);
    const version = await createModelVersion(context, callerOf(request), ws(request), {
      name: requiredString(fields, 'name'),
      source: requiredString(fields, 'source'),
      // Absent and empty differ here: MLflow checks a models:/ source against the run_id and model_id the request names.
      runId: optionalString(fields, 'run_id'),
      runLink: optionalString(fields, 'run_link') || undefined,
      modelId: optionalString(fields, 'model_id'),
      tags: keyValues(fields, 'tags'),
      description: optionalString(fields, 'description'),
    });
    return { model_version: version };
  });
  app.get(`${versions}/get`, async (request) => {
    const fields = fieldsOf(request);
    return { model_version: await getModelVersion(context, ws(request), requiredString(fields, 'name'), requiredString(fields, 'version')) };
  });
  app.patch(`${versions}/update`, async (request) => {
    const fields = fieldsOf(request);
    return { model_version: await updateModelVersion(context, callerOf(request), ws(request), requiredString(fields, 'name'), requiredString(fields, 'version'), optionalString(fields, 'description')) };
  });
  app.delete(`${versions}/delete`, async (request) => {
    const fields = fieldsOf(request);
    await deleteModelVersion(context, callerOf(request), ws(request), requiredString(fields, 'name'), requiredString(fields, 'version'));
    return {};
  });
  app.post(`${versions}/transition-stage`, async (request) => {
    const fields = fieldsOf(request);
    const stage = parseStage(requiredString(fields, 'stage'));
    return {
      model_version: await transitionStage(context, callerOf(request), ws(request), requiredString(fields, 'name'), requiredString(fields, 'version'), stage, flag(fields, 'archive_existing_versions')),
    };
  });
  const searchVersions = async (request: FastifyRequest) => {
    const fields = fieldsOf(request);
    const result = await searchModelVersions(context, ws(request), {
      filter: optionalString(fields, 'filter') || undefined,
      maxResults: optionalInteger(fields, 'max_results') ?? searchLimits.modelVersionsDefault,
      orderBy: stringList(fields, 'order_by'),
      pageToken: optionalString(fields, 'page_token') || undefined,
    });
    return { model_versions: result.items, ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}) };
  };
  app.get(`${versions}/search`, searchVersions);
  app.post(`${versions}/search`, searchVersions);
  app.get(`${versions}/get-download-uri`, async (request) => {
    const fields = fieldsOf(request);
    return { artifact_uri: await getDownloadUri(context, ws(request), requiredString(fields, 'name'), requiredString(fields, 'version')) };
  });
  app.post(`${versions}/set-tag`, async (request) => {
    const fields = fieldsOf(request);
    await setModelVersionTag(context, callerOf(request), ws(request), requiredString(fields, 'name'), requiredString(fields, 'version'), tag(fields));
    return {};
  });
  app.delete(`${versions}/delete-tag`, async (request) => {
    const fields = fieldsOf(request);
    await deleteModelVersionTag(context, callerOf(request), ws(request), requiredString(fields, 'name'), requiredString(fields, 'version'), requiredString(fields, 'key'));
    return {};
  });
}
