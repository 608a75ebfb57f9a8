import type { FastifyInstance } from 'fastify';
import { runStatuses, type RunStatus } from '../../core/tracking/entities.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import type { Context } from '../../services/context.js';
import { createRun, deleteRunTag, getRun, logBatch, metricHistory, setRunLifecycle, updateRun } from '../../services/tracking/run-service.js';
import { fieldsOf, keyValues, metricPoint, metricPoints, optionalInteger, optionalString, requiredString } from './request-fields.js';
import { workspaceOf } from './workspace-of.js';

/** runs/* and metrics/get-history. */
export function runRoutes(app: FastifyInstance, context: Context, base: string): void {
  app.post(`${base}/runs/create`, async (request) => {
    const fields = fieldsOf(request);
    const run = await createRun(context, workspaceOf(request), {
      experimentId: optionalString(fields, 'experiment_id') ?? '0',
      userId: optionalString(fields, 'user_id') ?? '',
      runName: optionalString(fields, 'run_name') || undefined,
      startTime: optionalInteger(fields, 'start_time'),
      tags: keyValues(fields, 'tags'),
    });
    return { run };
  });

  app.get(`${base}/runs/get`, async (request) => {
    const fields = fieldsOf(request);
    const runId = optionalString(fields, 'run_id') ?? requiredString(fields, 'run_uuid');
    return { run: await getRun(context, workspaceOf(request), runId) };
  });

  app.post(`${base}/runs/update`, async (request) => {
    const fields = fieldsOf(request);
    const runId = optionalString(fields, 'run_id') ?? requiredString(fields, 'run_uuid');
    const status = optionalString(fields, 'status');
    if (status !== undefined && !(runStatuses as readonly string[]).includes(status)) {
      throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid value '${status}' for parameter 'status'; use one of ${runStatuses.join(', ')}`);
    }
    const endTime = optionalInteger(fields, 'end_time');
    const runName = optionalString(fields, 'run_name');
    const info = await updateRun(context, workspaceOf(request), runId, {
      ...(status ? { status: status as RunStatus } : {}),
      ...(endTime !== undefined ? { endTime } : {}),
      ...(runName ? { runName } : {}),
    });
    return { run_info: info };
  });

  app.post(`${base}/runs/delete`, async (request) => {
    await setRunLifecycle(context, workspaceOf(request), requiredString(fieldsOf(request), 'run_id'), 'deleted');
    return {};
  });

  app.post(`${base}/runs/restore`, async (request) => {
    await setRunLifecycle(context, workspaceOf(request), requiredString(fieldsOf(request), 'run_id'), 'active');
    return {};
  });

  app.post(`${base}/runs/log-metric`, async (request) => {
    const fields = fieldsOf(request);
    const runId = optionalString(fields, 'run_id') ?? requiredString(fields, 'run_uuid');
    await logBatch(context, workspaceOf(request), runId, { metrics: [metricPoint(fields)], params: [], tags: [] });
    return {};
  });

  app.post(`${base}/runs/log-parameter`, async (request) => {
    const fields = fieldsOf(request);
    const runId = optionalString(fields, 'run_id') ?? requiredString(fields, 'run_uuid');
    const value = fields.value;
    await logBatch(context, workspaceOf(request), runId, { metrics: [], params: [{ key: requiredString(fields, 'key'), value: value === undefined || value === null ? '' : String(value) }], tags: [] });
    return {};
  });

  app.post(`${base}/runs/set-tag`, async (request) => {
    const fields = fieldsOf(request);
    const runId = optionalString(fields, 'run_id') ?? requiredString(fields, 'run_uuid');
    await logBatch(context, workspaceOf(request), runId, { metrics: [], params: [], tags: [{ key: requiredString(fields, 'key'), value: optionalString(fields, 'value') ?? '' }] });
    return {};
  });

  app.post(`${base}/runs/delete-tag`, async (request) => {
    const fields = fieldsOf(request);
    await deleteRunTag(context, workspaceOf(request), requiredString(fields, 'run_id'), requiredString(fields, 'key'));
    return {};
  });

  app.post(`${base}/runs/log-batch`, async (request) => {
    const fields = fieldsOf(request);
    await logBatch(context, workspaceOf(request), requiredString(fields, 'run_id'), {
      metrics: metricPoints(fields, 'metrics'),
      params: keyValues(fields, 'params'),
      tags: keyValues(fields, 'tags'),
    });
    return {};
  });

  app.get(`${base}/metrics/get-history`, async (request) => {
    const fields = fieldsOf(request);
    const runId = optionalString(fields, 'run_id') ?? requiredString(fields, 'run_uuid');
    const maxResults = optionalInteger(fields, 'max_results');
    const result = await metricHistory(context, workspaceOf(request), runId, requiredString(fields, 'metric_key'), maxResults, optionalString(fields, 'page_token'));
    return { metrics: result.metrics, ...(result.nextPageToken ? { next_page_token: result.nextPageToken } : {}) };
  });
}
