import type { FastifyRequest } from 'fastify';
import { mlflowRegistryRoutes } from '../../contract/mlflow/registry.js';
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
import { type MlflowRoute, withHandlers } from './mlflow-route.js';
import { workspaceOf } from './workspace-of.js';

/** The handlers of MLflow's model registry API (src/contract/mlflow/registry.ts), over Trellis model assets. */
export function registryRoutes(context: Context, callerOf: (request: FastifyRequest) => Caller): MlflowRoute[] {
  type Handler = MlflowRoute['handler'];
  const ws = workspaceOf;
  const tag = (fields: Fields) => ({ key: requiredString(fields, 'key'), value: optionalString(fields, 'value') ?? '' });
  const flag = (fields: Fields, name: string) => {
    const value = fields[name];
    if (value === undefined || value === null || typeof value === 'boolean') return value === true;
    if (typeof value === 'string' && ['true', 'false'].includes(value.toLowerCase())) return value.toLowerCase() === 'true';
    throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid boolean value: ${String(value)}, must be 'true' or 'false'.`);
  };

  const createModel: Handler = async (request) => {
    const fields = fieldsOf(request);
    return {
      registered_model: await createRegisteredModel(context, ws(request), {
        name: requiredString(fields, 'name'),
        tags: keyValues(fields, 'tags'),
        description: optionalString(fields, 'description'),
      }),
    };
  };
  const getModel: Handler = async (request) => ({
    registered_model: await getRegisteredModel(context, ws(request), requiredString(fieldsOf(request), 'name')),
  });
  const renameModel: Handler = async (request) => {
    const fields = fieldsOf(request);
    return {
      registered_model: await renameRegisteredModel(
        context,
        callerOf(request),
        ws(request),
        requiredString(fields, 'name'),
        requiredString(fields, 'new_name'),
      ),
    };
  };
  const updateModel: Handler = async (request) => {
    const fields = fieldsOf(request);
    return {
      registered_model: await updateRegisteredModel(
        context,
        ws(request),
        requiredString(fields, 'name'),
        optionalString(fields, 'description'),
      ),
    };
  };
  const deleteModel: Handler = async (request) => {
    await deleteRegisteredModel(context, callerOf(request), ws(request), requiredString(fieldsOf(request), 'name'));
    return {};
  };
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
  const latest = async (request: FastifyRequest) => {
    const fields = fieldsOf(request);
    return { model_versions: await getLatestVersions(context, ws(request), requiredString(fields, 'name'), stringList(fields, 'stages')) };
  };
  const setModelTag: Handler = async (request) => {
    const fields = fieldsOf(request);
    await setRegisteredModelTag(context, ws(request), requiredString(fields, 'name'), tag(fields));
    return {};
  };
  const deleteModelTag: Handler = async (request) => {
    const fields = fieldsOf(request);
    await deleteRegisteredModelTag(context, ws(request), requiredString(fields, 'name'), requiredString(fields, 'key'));
    return {};
  };
  const setModelAlias: Handler = async (request) => {
    const fields = fieldsOf(request);
    await setAlias(
      context,
      ws(request),
      requiredString(fields, 'name'),
      requiredString(fields, 'alias'),
      requiredString(fields, 'version'),
    );
    return {};
  };
  const deleteModelAlias: Handler = async (request) => {
    const fields = fieldsOf(request);
    await deleteAlias(context, ws(request), requiredString(fields, 'name'), requiredString(fields, 'alias'));
    return {};
  };
  const getByAlias: Handler = async (request) => {
    const fields = fieldsOf(request);
    return {
      model_version: await getVersionByAlias(context, ws(request), requiredString(fields, 'name'), requiredString(fields, 'alias')),
    };
  };

  const createVersion: Handler = async (request) => {
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
  };
  const getVersion: Handler = async (request) => {
    const fields = fieldsOf(request);
    return {
      model_version: await getModelVersion(context, ws(request), requiredString(fields, 'name'), requiredString(fields, 'version')),
    };
  };
  const updateVersion: Handler = async (request) => {
    const fields = fieldsOf(request);
    return {
      model_version: await updateModelVersion(
        context,
        callerOf(request),
        ws(request),
        requiredString(fields, 'name'),
        requiredString(fields, 'version'),
        optionalString(fields, 'description'),
      ),
    };
  };
  const deleteVersion: Handler = async (request) => {
    const fields = fieldsOf(request);
    await deleteModelVersion(context, callerOf(request), ws(request), requiredString(fields, 'name'), requiredString(fields, 'version'));
    return {};
  };
  const transition: Handler = async (request) => {
    const fields = fieldsOf(request);
    const stage = parseStage(requiredString(fields, 'stage'));
    return {
      model_version: await transitionStage(
        context,
        callerOf(request),
        ws(request),
        requiredString(fields, 'name'),
        requiredString(fields, 'version'),
        stage,
        flag(fields, 'archive_existing_versions'),
      ),
    };
  };
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
  const downloadUri: Handler = async (request) => {
    const fields = fieldsOf(request);
    return { artifact_uri: await getDownloadUri(context, ws(request), requiredString(fields, 'name'), requiredString(fields, 'version')) };
  };
  const setVersionTag: Handler = async (request) => {
    const fields = fieldsOf(request);
    await setModelVersionTag(
      context,
      callerOf(request),
      ws(request),
      requiredString(fields, 'name'),
      requiredString(fields, 'version'),
      tag(fields),
    );
    return {};
  };
  const deleteVersionTag: Handler = async (request) => {
    const fields = fieldsOf(request);
    await deleteModelVersionTag(
      context,
      callerOf(request),
      ws(request),
      requiredString(fields, 'name'),
      requiredString(fields, 'version'),
      requiredString(fields, 'key'),
    );
    return {};
  };

  return withHandlers(mlflowRegistryRoutes, {
    createRegisteredModel: createModel,
    getRegisteredModel: getModel,
    renameRegisteredModel: renameModel,
    updateRegisteredModel: updateModel,
    deleteRegisteredModel: deleteModel,
    searchRegisteredModels: searchModels,
    getLatestVersions: latest,
    setRegisteredModelTag: setModelTag,
    deleteRegisteredModelTag: deleteModelTag,
    setRegisteredModelAlias: setModelAlias,
    deleteRegisteredModelAlias: deleteModelAlias,
    getModelVersionByAlias: getByAlias,
    createModelVersion: createVersion,
    getModelVersion: getVersion,
    updateModelVersion: updateVersion,
    deleteModelVersion: deleteVersion,
    transitionModelVersionStage: transition,
    searchModelVersions: searchVersions,
    getModelVersionDownloadUri: downloadUri,
    setModelVersionTag: setVersionTag,
    deleteModelVersionTag: deleteVersionTag,
  });
}
