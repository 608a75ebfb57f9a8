import { z } from 'zod';
import type { Context } from '../../services/context.js';
import {
  createExperiment,
  deleteExperimentTag,
  getExperiment,
  getExperimentByName,
  listExperiments,
  renameExperiment,
  searchExperiments,
  setExperimentLifecycle,
  setExperimentTag,
} from '../../services/tracking/experiment-service.js';
import type { MlflowRoute } from './mlflow-route.js';
import { emptyResponse, experimentSchema, int64Field, keyValueSchema, nextPageToken, viewTypeField as viewType } from './mlflow-schemas.js';
import {
  type Fields,
  fieldsOf,
  keyValues,
  optionalInteger,
  optionalString,
  requiredString,
  stringList,
  viewTypeField,
} from './request-fields.js';
import { workspaceOf } from './workspace-of.js';

const experimentId = z.object({ experiment_id: z.string() });
const experimentResponse = z.object({ experiment: experimentSchema });
const experimentsPage = z.object({ experiments: z.array(experimentSchema), next_page_token: nextPageToken });
const searchRequest = z.object({
  max_results: int64Field.optional(),
  page_token: z.string().optional(),
  filter: z.string().optional(),
  order_by: z.array(z.string()).optional(),
  view_type: viewType.optional(),
});

/** experiments/*: create, get, get-by-name, search, update, delete, restore, tags. */
export function experimentRoutes(context: Context): MlflowRoute[] {
  const search: MlflowRoute['handler'] = async (request) => {
    const fields = fieldsOf(request);
    const result = await searchExperiments(context, workspaceOf(request), {
      filter: optionalString(fields, 'filter'),
      orderBy: stringList(fields, 'order_by'),
      viewType: viewTypeField(fields, 'view_type'),
      maxResults: optionalInteger(fields, 'max_results') ?? 1000,
      pageToken: optionalString(fields, 'page_token'),
    });
    return { experiments: result.items, ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}) };
  };
  const lifecycle =
    (stage: 'active' | 'deleted'): MlflowRoute['handler'] =>
    async (request) => {
      await setExperimentLifecycle(context, workspaceOf(request), requiredString(fieldsOf(request), 'experiment_id'), stage);
      return {};
    };

  return [
    {
      method: 'POST',
      path: '/experiments/create',
      operationId: 'createExperiment',
      summary: 'Create an experiment',
      request: z.object({ name: z.string(), artifact_location: z.string().optional(), tags: z.array(keyValueSchema).optional() }),
      response: z.object({ experiment_id: z.string() }),
      handler: async (request) => {
        const fields = fieldsOf(request);
        const artifactLocation = optionalString(fields, 'artifact_location');
        const created = await createExperiment(context, workspaceOf(request), {
          name: requiredString(fields, 'name'),
          ...(artifactLocation ? { artifactLocation } : {}),
          tags: keyValues(fields, 'tags'),
        });
        return { experiment_id: created };
      },
    },
    {
      method: 'GET',
      path: '/experiments/get',
      operationId: 'getExperiment',
      summary: 'Get an experiment by id',
      request: experimentId,
      response: experimentResponse,
      handler: async (request) => ({
        experiment: await getExperiment(context, workspaceOf(request), requiredString(fieldsOf(request), 'experiment_id')),
      }),
    },
    {
      method: 'GET',
      path: '/experiments/get-by-name',
      operationId: 'getExperimentByName',
      summary: 'Get an experiment by name',
      request: z.object({ experiment_name: z.string() }),
      response: experimentResponse,
      handler: async (request) => ({
        experiment: await getExperimentByName(context, workspaceOf(request), requiredString(fieldsOf(request), 'experiment_name')),
      }),
    },
    {
      method: ['POST', 'GET'],
      path: '/experiments/search',
      operationId: 'searchExperiments',
      summary: 'Search experiments',
      request: searchRequest,
      response: experimentsPage,
      handler: search,
    },
    {
      // experiments/list was removed in MLflow 2.0; older clients (the npm `mlflow` package among them) still call it.
      method: 'GET',
      path: '/experiments/list',
      operationId: 'listExperiments',
      summary: 'List experiments (MLflow 1.x; use search)',
      request: z.object({ view_type: viewType.optional() }),
      response: z.object({ experiments: z.array(experimentSchema) }),
      handler: async (request) => ({
        experiments: await listExperiments(context, workspaceOf(request), viewTypeField(fieldsOf(request), 'view_type')),
      }),
    },
    {
      method: 'POST',
      path: '/experiments/update',
      operationId: 'updateExperiment',
      summary: 'Rename an experiment',
      request: experimentId.extend({ new_name: z.string() }),
      response: emptyResponse,
      handler: async (request) => {
        const fields = fieldsOf(request);
        await renameExperiment(context, workspaceOf(request), requiredString(fields, 'experiment_id'), requiredString(fields, 'new_name'));
        return {};
      },
    },
    {
      method: 'POST',
      path: '/experiments/delete',
      operationId: 'deleteExperiment',
      summary: 'Mark an experiment deleted',
      request: experimentId,
      response: emptyResponse,
      handler: lifecycle('deleted'),
    },
    {
      method: 'POST',
      path: '/experiments/restore',
      operationId: 'restoreExperiment',
      summary: 'Restore a deleted experiment',
      request: experimentId,
      response: emptyResponse,
      handler: lifecycle('active'),
    },
    {
      method: 'POST',
      path: '/experiments/set-experiment-tag',
      operationId: 'setExperimentTag',
      summary: 'Set a tag on an experiment',
      request: experimentId.extend({ key: z.string(), value: z.string() }),
      response: emptyResponse,
      handler: async (request) => {
        const fields: Fields = fieldsOf(request);
        await setExperimentTag(context, workspaceOf(request), requiredString(fields, 'experiment_id'), {
          key: requiredString(fields, 'key'),
          value: optionalString(fields, 'value') ?? '',
        });
        return {};
      },
    },
    {
      method: 'POST',
      path: '/experiments/delete-experiment-tag',
      operationId: 'deleteExperimentTag',
      summary: 'Delete a tag of an experiment',
      request: experimentId.extend({ key: z.string() }),
      response: emptyResponse,
      handler: async (request) => {
        const fields = fieldsOf(request);
        await deleteExperimentTag(context, workspaceOf(request), requiredString(fields, 'experiment_id'), requiredString(fields, 'key'));
        return {};
      },
    },
  ];
}
