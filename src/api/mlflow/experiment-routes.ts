import type { FastifyInstance } from 'fastify';
import type { Experiment } from '../../core/tracking/entities.js';
import { compareValue } from '../../core/tracking/compare-value.js';
import { parseExperimentFilter, parseExperimentOrderBy } from '../../core/tracking/experiment-filter.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import type { Context } from '../../services/context.js';
import {
  createExperiment,
  deleteExperimentTag,
  ensureDefaultExperiment,
  getExperiment,
  getExperimentByName,
  renameExperiment,
  setExperimentLifecycle,
  setExperimentTag,
} from '../../services/tracking/experiment-service.js';
import { decodeOffset, encodeOffset } from '../../services/tracking/run-service.js';
import { fieldsOf, keyValues, optionalInteger, optionalString, requiredString, stringList } from './request-fields.js';
import { workspaceOf } from './workspace-of.js';

const viewTypes = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const;

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
    const workspace = workspaceOf(request);
    await ensureDefaultExperiment(context, workspace);
    const maxResults = optionalInteger(fields, 'max_results') ?? 1000;
    if (maxResults < 1 || maxResults > 50000) throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid value for max_results. It must be at most 50000, but got value ${maxResults}`);
    const viewType = optionalString(fields, 'view_type') ?? 'ACTIVE_ONLY';
    if (!(viewTypes as readonly string[]).includes(viewType)) throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid value '${viewType}' for view_type; use ACTIVE_ONLY, DELETED_ONLY or ALL`);
    const filter = optionalString(fields, 'filter');
    const orderBy = stringList(fields, 'order_by');
    const all = await context.store.repositories.experiments.list(workspace);
    const visible = all.filter((e) => viewType === 'ALL' || (viewType === 'ACTIVE_ONLY') === (e.lifecycle_stage === 'active'));
    const matched = selectExperiments(visible, filter, orderBy);
    const offset = decodeOffset(optionalString(fields, 'page_token'));
    const page = matched.slice(offset, offset + maxResults);
    return { experiments: page, ...(offset + maxResults < matched.length ? { next_page_token: encodeOffset(offset + maxResults) } : {}) };
  };
  app.post(`${base}/experiments/search`, search);
  app.get(`${base}/experiments/search`, search);

  // experiments/list was removed in MLflow 2.0; older clients (the npm `mlflow` package among them) still call it.
  app.get(`${base}/experiments/list`, async (request) => {
    const workspace = workspaceOf(request);
    await ensureDefaultExperiment(context, workspace);
    const viewType = optionalString(fieldsOf(request), 'view_type') ?? 'ACTIVE_ONLY';
    if (!(viewTypes as readonly string[]).includes(viewType)) throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid value '${viewType}' for view_type; use ACTIVE_ONLY, DELETED_ONLY or ALL`);
    const all = await context.store.repositories.experiments.list(workspace);
    return { experiments: all.filter((e) => viewType === 'ALL' || (viewType === 'ACTIVE_ONLY') === (e.lifecycle_stage === 'active')) };
  });

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

/**
 * Filter and order of experiments/search; experiments per workspace are few, so this runs in
 * memory. The default order is MLflow's: newest first, then by id.
 */
function selectExperiments(experiments: Experiment[], filter: string | undefined, orderBy: string[]): Experiment[] {
  const comparisons = parseExperimentFilter(filter);
  const orders = parseExperimentOrderBy(orderBy);
  const matched = experiments.filter((experiment) =>
    comparisons.every((comparison) => {
      const actual = comparison.type === 'tag' ? experiment.tags.find((tag) => tag.key === comparison.key)?.value : experimentAttribute(experiment, comparison.key);
      return compareValue(actual, comparison.comparator, comparison.value);
    }),
  );
  const byDefault = (a: Experiment, b: Experiment) => b.creation_time - a.creation_time || Number(b.experiment_id) - Number(a.experiment_id);
  return matched.sort((a, b) => {
    for (const order of orders) {
      const left = experimentAttribute(a, order.key);
      const right = experimentAttribute(b, order.key);
      if (left === right) continue;
      const less = typeof left === 'number' && typeof right === 'number' ? left < right : String(left) < String(right);
      return (less ? -1 : 1) * (order.ascending ? 1 : -1);
    }
    return byDefault(a, b);
  });
}

function experimentAttribute(experiment: Experiment, key: string): string | number | undefined {
  switch (key) {
    case 'name':
      return experiment.name;
    case 'experiment_id':
      return Number(experiment.experiment_id);
    case 'creation_time':
      return experiment.creation_time;
    case 'last_update_time':
      return experiment.last_update_time;
    default:
      return undefined;
  }
}
