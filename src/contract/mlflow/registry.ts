import { z } from 'zod';
import type { MlflowTable } from './route.js';
import { emptyResponse, int64Field, keyValueSchema, modelVersionSchema, nextPageToken, registeredModelSchema } from './schemas.js';

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
const tagFields = { key: z.string(), value: z.string() };

/** MLflow's model registry API: every endpoint of model_registry.proto the clients use. */
export const mlflowRegistryRoutes = {
  createRegisteredModel: {
    method: 'POST',
    path: '/mlflow/registered-models/create',
    summary: 'Create a registered model',
    request: name.extend({ tags: z.array(keyValueSchema).optional(), description: z.string().optional() }),
    response: registeredModelResponse,
  },
  getRegisteredModel: {
    method: 'GET',
    path: '/mlflow/registered-models/get',
    summary: 'Get a registered model',
    request: name,
    response: registeredModelResponse,
  },
  renameRegisteredModel: {
    method: 'POST',
    path: '/mlflow/registered-models/rename',
    summary: 'Rename a registered model',
    request: name.extend({ new_name: z.string() }),
    response: registeredModelResponse,
  },
  updateRegisteredModel: {
    method: 'PATCH',
    path: '/mlflow/registered-models/update',
    summary: "Update a registered model's description",
    request: name.extend({ description: z.string().optional() }),
    response: registeredModelResponse,
  },
  deleteRegisteredModel: {
    method: 'DELETE',
    path: '/mlflow/registered-models/delete',
    summary: 'Delete a registered model and its versions',
    request: name,
    response: emptyResponse,
  },
  searchRegisteredModels: {
    method: ['GET', 'POST'],
    path: '/mlflow/registered-models/search',
    summary: 'Search registered models',
    request: searchRequest,
    response: z.object({ registered_models: z.array(registeredModelSchema), next_page_token: nextPageToken }),
  },
  getLatestVersions: {
    method: ['POST', 'GET'],
    path: '/mlflow/registered-models/get-latest-versions',
    summary: 'The latest version of a model per stage',
    request: name.extend({ stages: z.array(z.string()).optional() }),
    response: z.object({ model_versions: z.array(modelVersionSchema) }),
  },
  setRegisteredModelTag: {
    method: 'POST',
    path: '/mlflow/registered-models/set-tag',
    summary: 'Set a tag on a registered model',
    request: name.extend(tagFields),
    response: emptyResponse,
  },
  deleteRegisteredModelTag: {
    method: 'DELETE',
    path: '/mlflow/registered-models/delete-tag',
    summary: 'Delete a tag of a registered model',
    request: name.extend({ key: z.string() }),
    response: emptyResponse,
  },
  setRegisteredModelAlias: {
    method: 'POST',
    path: '/mlflow/registered-models/alias',
    summary: 'Point an alias at a version',
    request: name.extend({ alias: z.string(), version: z.string() }),
    response: emptyResponse,
  },
  deleteRegisteredModelAlias: {
    method: 'DELETE',
    path: '/mlflow/registered-models/alias',
    summary: 'Delete an alias',
    request: name.extend({ alias: z.string() }),
    response: emptyResponse,
  },
  getModelVersionByAlias: {
    method: 'GET',
    path: '/mlflow/registered-models/alias',
    summary: 'The version an alias points at',
    request: name.extend({ alias: z.string() }),
    response: modelVersionResponse,
  },
  createModelVersion: {
    method: 'POST',
    path: '/mlflow/model-versions/create',
    summary: 'Register a model version from a source',
    request: name.extend({
      source: z.string(),
      run_id: z.string().optional(),
      run_link: z.string().optional(),
      model_id: z.string().optional(),
      tags: z.array(keyValueSchema).optional(),
      description: z.string().optional(),
    }),
    response: modelVersionResponse,
  },
  getModelVersion: {
    method: 'GET',
    path: '/mlflow/model-versions/get',
    summary: 'Get a model version',
    request: nameVersion,
    response: modelVersionResponse,
  },
  updateModelVersion: {
    method: 'PATCH',
    path: '/mlflow/model-versions/update',
    summary: "Update a model version's description",
    request: nameVersion.extend({ description: z.string().optional() }),
    response: modelVersionResponse,
  },
  deleteModelVersion: {
    method: 'DELETE',
    path: '/mlflow/model-versions/delete',
    summary: 'Delete a model version',
    request: nameVersion,
    response: emptyResponse,
  },
  transitionModelVersionStage: {
    method: 'POST',
    path: '/mlflow/model-versions/transition-stage',
    summary: 'Move a model version to a stage',
    request: nameVersion.extend({
      stage: z.string(),
      archive_existing_versions: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
    }),
    response: modelVersionResponse,
  },
  searchModelVersions: {
    method: ['GET', 'POST'],
    path: '/mlflow/model-versions/search',
    summary: 'Search model versions',
    request: searchRequest,
    response: z.object({ model_versions: z.array(modelVersionSchema), next_page_token: nextPageToken }),
  },
  getModelVersionDownloadUri: {
    method: 'GET',
    path: '/mlflow/model-versions/get-download-uri',
    summary: "Where a model version's files are",
    request: nameVersion,
    response: z.object({ artifact_uri: z.string() }),
  },
  setModelVersionTag: {
    method: 'POST',
    path: '/mlflow/model-versions/set-tag',
    summary: 'Set a tag on a model version',
    request: nameVersion.extend(tagFields),
    response: emptyResponse,
  },
  deleteModelVersionTag: {
    method: 'DELETE',
    path: '/mlflow/model-versions/delete-tag',
    summary: 'Delete a tag of a model version',
    request: nameVersion.extend({ key: z.string() }),
    response: emptyResponse,
  },
} satisfies MlflowTable;
