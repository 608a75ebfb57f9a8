import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
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
import type { MlflowRoute } from './mlflow-route.js';
import { emptyResponse, int64Field, keyValueSchema, modelVersionSchema, nextPageToken, registeredModelSchema } from './mlflow-schemas.js';
import { workspaceOf } from './workspace-of.js';

const name = z.object({ name: z.string() });
const nameVersion = z.object({ name: z.string(), version: z.string() });
const registeredModelResponse = z.object({ registered_model: registeredModelSchema });
const modelVersionResponse = z.object({ model_version: modelVersionSchema });
const searchRequest = z.object({
  filter: z.string().optional(),
  max_results: int64Field.optional(),
  order_by: z.array(z.string()).optional(),
  page_token: z.string().optional(),
});

/** MLflow's model registry API (every endpoint of model_registry.proto the clients use), over Trellis model assets. */
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

  const models = '/registered-models';
  const versions = '/model-versions';
  const route = (
    method: MlflowRoute['method'],
    path: string,
    operationId: string,
    summary: string,
    rest: Pick<MlflowRoute, 'request' | 'response' | 'handler'>,
  ): MlflowRoute => ({ method, path, operationId, summary, ...rest });
  const tagFields = { key: z.string(), value: z.string() };
  return [
    route('POST', `${models}/create`, 'createRegisteredModel', 'Create a registered model', {
      request: name.extend({ tags: z.array(keyValueSchema).optional(), description: z.string().optional() }),
      response: registeredModelResponse,
      handler: createModel,
    }),
    route('GET', `${models}/get`, 'getRegisteredModel', 'Get a registered model', {
      request: name,
      response: registeredModelResponse,
      handler: getModel,
    }),
    route('POST', `${models}/rename`, 'renameRegisteredModel', 'Rename a registered model', {
      request: name.extend({ new_name: z.string() }),
      response: registeredModelResponse,
      handler: renameModel,
    }),
    route('PATCH', `${models}/update`, 'updateRegisteredModel', "Update a registered model's description", {
      request: name.extend({ description: z.string().optional() }),
      response: registeredModelResponse,
      handler: updateModel,
    }),
    route('DELETE', `${models}/delete`, 'deleteRegisteredModel', 'Delete a registered model and its versions', {
      request: name,
      response: emptyResponse,
      handler: deleteModel,
    }),
    route(['GET', 'POST'], `${models}/search`, 'searchRegisteredModels', 'Search registered models', {
      request: searchRequest,
      response: z.object({ registered_models: z.array(registeredModelSchema), next_page_token: nextPageToken }),
      handler: searchModels,
    }),
    route(['POST', 'GET'], `${models}/get-latest-versions`, 'getLatestVersions', 'The latest version of a model per stage', {
      request: name.extend({ stages: z.array(z.string()).optional() }),
      response: z.object({ model_versions: z.array(modelVersionSchema) }),
      handler: latest,
    }),
    route('POST', `${models}/set-tag`, 'setRegisteredModelTag', 'Set a tag on a registered model', {
      request: name.extend(tagFields),
      response: emptyResponse,
      handler: setModelTag,
    }),
    route('DELETE', `${models}/delete-tag`, 'deleteRegisteredModelTag', 'Delete a tag of a registered model', {
      request: name.extend({ key: z.string() }),
      response: emptyResponse,
      handler: deleteModelTag,
    }),
    route('POST', `${models}/alias`, 'setRegisteredModelAlias', 'Point an alias at a version', {
      request: name.extend({ alias: z.string(), version: z.string() }),
      response: emptyResponse,
      handler: setModelAlias,
    }),
    route('DELETE', `${models}/alias`, 'deleteRegisteredModelAlias', 'Delete an alias', {
      request: name.extend({ alias: z.string() }),
      response: emptyResponse,
      handler: deleteModelAlias,
    }),
    route('GET', `${models}/alias`, 'getModelVersionByAlias', 'The version an alias points at', {
      request: name.extend({ alias: z.string() }),
      response: modelVersionResponse,
      handler: getByAlias,
    }),
    route('POST', `${versions}/create`, 'createModelVersion', 'Register a model version from a source', {
      request: name.extend({
        source: z.string(),
        run_id: z.string().optional(),
        run_link: z.string().optional(),
        model_id: z.string().optional(),
        tags: z.array(keyValueSchema).optional(),
        description: z.string().optional(),
      }),
      response: modelVersionResponse,
      handler: createVersion,
    }),
    route('GET', `${versions}/get`, 'getModelVersion', 'Get a model version', {
      request: nameVersion,
      response: modelVersionResponse,
      handler: getVersion,
    }),
    route('PATCH', `${versions}/update`, 'updateModelVersion', "Update a model version's description", {
      request: nameVersion.extend({ description: z.string().optional() }),
      response: modelVersionResponse,
      handler: updateVersion,
    }),
    route('DELETE', `${versions}/delete`, 'deleteModelVersion', 'Delete a model version', {
      request: nameVersion,
      response: emptyResponse,
      handler: deleteVersion,
    }),
    route('POST', `${versions}/transition-stage`, 'transitionModelVersionStage', 'Move a model version to a stage', {
      request: nameVersion.extend({
        stage: z.string(),
        archive_existing_versions: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
      }),
      response: modelVersionResponse,
      handler: transition,
    }),
    route(['GET', 'POST'], `${versions}/search`, 'searchModelVersions', 'Search model versions', {
      request: searchRequest,
      response: z.object({ model_versions: z.array(modelVersionSchema), next_page_token: nextPageToken }),
      handler: searchVersions,
    }),
    route('GET', `${versions}/get-download-uri`, 'getModelVersionDownloadUri', "Where a model version's files are", {
      request: nameVersion,
      response: z.object({ artifact_uri: z.string() }),
      handler: downloadUri,
    }),
    route('POST', `${versions}/set-tag`, 'setModelVersionTag', 'Set a tag on a model version', {
      request: nameVersion.extend(tagFields),
      response: emptyResponse,
      handler: setVersionTag,
    }),
    route('DELETE', `${versions}/delete-tag`, 'deleteModelVersionTag', 'Delete a tag of a model version', {
      request: nameVersion.extend({ key: z.string() }),
      response: emptyResponse,
      handler: deleteVersionTag,
    }),
  ];
}
