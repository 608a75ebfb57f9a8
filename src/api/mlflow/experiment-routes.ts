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
import { mlflowExperimentRoutes } from '../../contract/mlflow/experiments.js';
import { type MlflowRoute, withHandlers } from './mlflow-route.js';
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

/** experiments/* (declared in src/contract/mlflow/experiments.ts) with their handlers: create, get, search, update, delete, tags. */
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

  return withHandlers(mlflowExperimentRoutes, {
    createExperiment: async (request) => {
      const fields = fieldsOf(request);
      const artifactLocation = optionalString(fields, 'artifact_location');
      const created = await createExperiment(context, workspaceOf(request), {
        name: requiredString(fields, 'name'),
        ...(artifactLocation ? { artifactLocation } : {}),
        tags: keyValues(fields, 'tags'),
      });
      return { experiment_id: created };
    },
    getExperiment: async (request) => ({
      experiment: await getExperiment(context, workspaceOf(request), requiredString(fieldsOf(request), 'experiment_id')),
    }),
    getExperimentByName: async (request) => ({
      experiment: await getExperimentByName(context, workspaceOf(request), requiredString(fieldsOf(request), 'experiment_name')),
    }),
    searchExperiments: search,
    listExperiments: async (request) => ({
      experiments: await listExperiments(context, workspaceOf(request), viewTypeField(fieldsOf(request), 'view_type')),
    }),
    updateExperiment: async (request) => {
      const fields = fieldsOf(request);
      await renameExperiment(context, workspaceOf(request), requiredString(fields, 'experiment_id'), requiredString(fields, 'new_name'));
      return {};
    },
    deleteExperiment: lifecycle('deleted'),
    restoreExperiment: lifecycle('active'),
    setExperimentTag: async (request) => {
      const fields: Fields = fieldsOf(request);
      await setExperimentTag(context, workspaceOf(request), requiredString(fields, 'experiment_id'), {
        key: requiredString(fields, 'key'),
        value: optionalString(fields, 'value') ?? '',
      });
      return {};
    },
    deleteExperimentTag: async (request) => {
      const fields = fieldsOf(request);
      await deleteExperimentTag(context, workspaceOf(request), requiredString(fields, 'experiment_id'), requiredString(fields, 'key'));
      return {};
    },
  });
}
