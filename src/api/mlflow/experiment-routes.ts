import type { FastifyInstance } from 'fastify';
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
import { fieldsOf, keyValues, optionalInteger, optionalString, requiredString, stringList, viewTypeField } from './request-fields.js';
import { workspaceOf } from './workspace-of.js';

/** experiments/*: create, get, get-by-name, search, update, delete, restore, tags. */
export function experimentRoutes(app: FastifyInstance, context: Context, base: string): void {
  app.post(`${base}/experiments/create`, async (request) => {
    const fields = fieldsOf(request);
    const artifactLocation = optionalString(fields, 'artifact_location');
    const experimentId = await createExperiment(context, workspaceOf(request), { name: requiredString(fields, 'name'), ...(artifactLocation ? { artifactLocation } : {}), tags: keyValues(fields, 'tags') });
    return { experiment_id: experimentId };
  });

  app.get(`${base}/experiments/get`, async (request) => ({ experiment: await getExperiment(context, workspaceOf(request), requiredString(fieldsOf(request), 'experiment_id')) }));

  app.get(`${base}/experiments/get-by-name`, async (request) => ({ experiment: await getExperimentByName(context, workspaceOf(request), requiredString(fieldsOf(request), 'experiment_name')) }));

  const search = async (request: Parameters<typeof fieldsOf>[0]) => {
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
  app.post(`${base}/experiments/search`, search);
  app.get(`${base}/experiments/search`, search);

  // experiments/list was removed in MLflow 2.0; older clients (the npm `mlflow` package among them) still call it.
  app.get(`${base}/experiments/list`, async (request) => ({ experiments: await listExperiments(context, workspaceOf(request), viewTypeField(fieldsOf(request), 'view_type')) }));

  app.post(`${base}/experiments/update`, async (request) => {
    const fields = fieldsOf(request);
    await renameExperiment(context, workspaceOf(request), requiredString(fields, 'experiment_id'), requiredString(fields, 'new_name'));
    return {};
  });

  app.post(`${base}/experiments/delete`, async (request) => {
    await setExperimentLifecycle(context, workspaceOf(request), requiredString(fieldsOf(request), 'experiment_id'), 'deleted');
    return {};
  });

  app.post(`${base}/experiments/restore`, async (request) => {
    await setExperimentLifecycle(context, workspaceOf(request), requiredString(fieldsOf(request), 'experiment_id'), 'active');
    return {};
  });

  app.post(`${base}/experiments/set-experiment-tag`, async (request) => {
    const fields = fieldsOf(request);
    await setExperimentTag(context, workspaceOf(request), requiredString(fields, 'experiment_id'), { key: requiredString(fields, 'key'), value: optionalString(fields, 'value') ?? '' });
    return {};
  });

  app.post(`${base}/experiments/delete-experiment-tag`, async (request) => {
    const fields = fieldsOf(request);
    await deleteExperimentTag(context, workspaceOf(request), requiredString(fields, 'experiment_id'), requiredString(fields, 'key'));
    return {};
  });
}
