import type { FastifyRequest } from 'fastify';
import { mlflowTraceRoutesV2, mlflowTraceRoutesV3, mlflowTraceWebUiRoutes } from '../../contract/mlflow/traces.js';
import { otelSpanJsonOf, traceDataJsonOf } from '../../core/tracing/mlflow-span.js';
import {
  parseDurationJson,
  parseTimestampJson,
  parseTraceState,
  type TraceInfo,
  traceInfoJson,
  traceInfoV2Json,
} from '../../core/tracing/trace-info.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import type { Context } from '../../services/context.js';
import { artifactSize, openArtifact } from '../../services/tracking/mlflow-artifacts.js';
import {
  batchGetTraceInfos,
  batchGetTraces,
  createAssessment,
  deleteAssessment,
  deleteTraces,
  deleteTraceTag,
  endTraceV2,
  getAssessment,
  getTrace,
  getTraceInfo,
  linkTracesToRun,
  setTraceTag,
  startTrace,
  startTraceV2,
  type TraceWithSpans,
  traceData,
  updateAssessment,
} from '../../services/tracking/trace-service.js';
import { searchTraces, traceFilterCorrelation } from '../../services/tracking/trace-search-service.js';
import { type MlflowRoute, withHandlers } from './mlflow-route.js';
import {
  type Fields,
  fieldsOf,
  keyValues,
  optionalInteger,
  optionalString,
  requiredInteger,
  requiredString,
  stringList,
} from './request-fields.js';
import { workspaceOf } from './workspace-of.js';

type Handler = MlflowRoute['handler'];

function objectField(fields: Fields, name: string, path = name): Fields {
  const value = fields[name];
  if (value === undefined || value === null)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Missing value for required parameter '${path}'. See the API docs for more information about request parameters.`,
    );
  if (typeof value !== 'object' || Array.isArray(value))
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${JSON.stringify(value)} for parameter '${path}' supplied: expected an object.`,
    );
  return { ...value };
}

/** A proto map<string, string> in JSON: an object of strings (numbers and booleans written as text). */
function stringMap(fields: Fields, name: string, path: string): Record<string, string> {
  const value = fields[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${JSON.stringify(value)} for parameter '${path}' supplied: expected a map of strings.`,
    );
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (typeof item === 'string') return [key, item];
      if (typeof item === 'number' || typeof item === 'boolean') return [key, String(item)];
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Invalid value ${JSON.stringify(item)} for parameter '${path}.${key}' supplied: expected a string.`,
      );
    }),
  );
}

/** TraceInfoV3 of a StartTraceV3 body, read field by field; errors name the field under trace.trace_info. */
function traceInfoOfRequest(fields: Fields): TraceInfo {
  const info = objectField(objectField(fields, 'trace'), 'trace_info', 'trace.trace_info');
  const at = (name: string) => `trace.trace_info.${name}`;
  const location = objectField(info, 'trace_location', at('trace_location'));
  const experiment = objectField(location, 'mlflow_experiment', at('trace_location.mlflow_experiment'));
  const assessments = info.assessments;
  return {
    traceId: requiredString(info, 'trace_id', at('trace_id')),
    experimentId: requiredString(experiment, 'experiment_id', at('trace_location.mlflow_experiment.experiment_id')),
    clientRequestId: optionalString(info, 'client_request_id', at('client_request_id')) ?? null,
    requestTime: parseTimestampJson(info.request_time ?? 0, at('request_time')),
    executionDuration:
      info.execution_duration === undefined || info.execution_duration === null
        ? null
        : parseDurationJson(info.execution_duration, at('execution_duration')),
    state: parseTraceState(info.state, at('state')),
    requestPreview: optionalString(info, 'request_preview', at('request_preview')) ?? null,
    responsePreview: optionalString(info, 'response_preview', at('response_preview')) ?? null,
    metadata: stringMap(info, 'trace_metadata', at('trace_metadata')),
    tags: stringMap(info, 'tags', at('tags')),
    assessments: Array.isArray(assessments)
      ? assessments.map((item, index) => objectField({ item }, 'item', `${at('assessments')}[${index}]`))
      : [],
  };
}

function traceJson({ info, spans }: TraceWithSpans): Record<string, unknown> {
  return { trace_info: traceInfoJson(info), spans: spans.map((span) => otelSpanJsonOf(span.content)) };
}

function pairs(list: { key: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(list.map(({ key, value }) => [key, value]));
}

/** The trace of a path: `{trace_id}` in the V3 paths, `{request_id}` in the V2 ones. */
function traceIdOf(request: FastifyRequest): string {
  const params = request.params as { trace_id?: string; request_id?: string };
  return params.trace_id ?? params.request_id ?? '';
}

/** The experiment ids of SearchTracesV3's locations (MLflow experiments only). */
function experimentIdsOfLocations(fields: Fields): string[] {
  const locations = fields.locations;
  if (!Array.isArray(locations) || locations.length === 0)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'locations'. See the API docs for more information about request parameters.",
    );
  return locations.map((item, index) => {
    const location = objectField({ item }, 'item', `locations[${index}]`);
    const experiment = objectField(location, 'mlflow_experiment', `locations[${index}].mlflow_experiment`);
    return requiredString(experiment, 'experiment_id', `locations[${index}].mlflow_experiment.experiment_id`);
  });
}

function maxResultsOf(fields: Fields, fallback: number): number {
  const maxResults = optionalInteger(fields, 'max_results') ?? fallback;
  if (maxResults < 1 || maxResults > 500)
    throw mlflowError(
      'INVALID_PARAMETER_VALUE',
      `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be at most 500.`,
    );
  return maxResults;
}

/**
 * An int64 bound such as max_timestamp_millis: a client may send any 64-bit value (2**62 for
 * "everything"), beyond what a double holds exactly; a bound past the safe range is that range's end.
 */
function optionalInt64Bound(fields: Fields, name: string): number | undefined {
  const value = fields[name];
  const integral = (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value));
  if (!integral) return optionalInteger(fields, name);
  const number = Number(value);
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, number));
}

function optionalExperimentIds(fields: Fields): string[] | undefined {
  return fields.experiment_ids === undefined ? undefined : stringList(fields, 'experiment_ids');
}

/** The handlers of MLflow's tracing routes, V3 and V2 sharing those that do the same. */
function traceHandlers(context: Context) {
  const start: Handler = async (request) => {
    const info = await startTrace(context, workspaceOf(request), traceInfoOfRequest(fieldsOf(request)));
    return { trace: { trace_info: traceInfoJson(info) } };
  };

  const search: Handler = async (request) => {
    const fields = fieldsOf(request);
    const page = await searchTraces(context, workspaceOf(request), {
      experimentIds: experimentIdsOfLocations(fields),
      filter: optionalString(fields, 'filter') || undefined,
      maxResults: maxResultsOf(fields, 100),
      orderBy: stringList(fields, 'order_by'),
      pageToken: optionalString(fields, 'page_token') || undefined,
    });
    return { traces: page.infos.map(traceInfoJson), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
  };

  const get: Handler = async (request) => {
    const traceId = requiredString(fieldsOf(request), 'trace_id');
    return { trace: traceJson(await getTrace(context, workspaceOf(request), traceId)) };
  };

  const batchGet: Handler = async (request) => {
    const fields = fieldsOf(request);
    const traces = await batchGetTraces(context, workspaceOf(request), stringList(fields, 'trace_ids'), optionalExperimentIds(fields));
    return { traces: traces.map(traceJson) };
  };

  const batchGetInfos: Handler = async (request) => {
    const fields = fieldsOf(request);
    const infos = await batchGetTraceInfos(context, workspaceOf(request), stringList(fields, 'trace_ids'), optionalExperimentIds(fields));
    return { trace_infos: infos.map(traceInfoJson) };
  };

  const remove: Handler = async (request) => {
    const fields = fieldsOf(request);
    const traceIds = stringList(fields, 'request_ids');
    const deleted = await deleteTraces(context, workspaceOf(request), requiredString(fields, 'experiment_id'), {
      maxTimestampMillis: optionalInt64Bound(fields, 'max_timestamp_millis'),
      maxTraces: optionalInteger(fields, 'max_traces'),
      traceIds: traceIds.length > 0 ? traceIds : undefined,
    });
    return { traces_deleted: deleted };
  };

  const correlation: Handler = async (request) => {
    const fields = fieldsOf(request);
    const result = await traceFilterCorrelation(context, workspaceOf(request), {
      experimentIds: stringList(fields, 'experiment_ids'),
      filter1: requiredString(fields, 'filter_string1'),
      filter2: requiredString(fields, 'filter_string2'),
      baseFilter: optionalString(fields, 'base_filter') || undefined,
    });
    return {
      npmi: result.npmi,
      npmi_smoothed: result.npmiSmoothed,
      filter1_count: result.filter1Count,
      filter2_count: result.filter2Count,
      joint_count: result.jointCount,
      total_count: result.totalCount,
    };
  };

  const link: Handler = async (request) => {
    const fields = fieldsOf(request);
    const traceIds = stringList(fields, 'trace_ids');
    if (traceIds.length === 0)
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        "Missing value for required parameter 'trace_ids'. See the API docs for more information about request parameters.",
      );
    await linkTracesToRun(context, workspaceOf(request), traceIds, requiredString(fields, 'run_id'));
    return {};
  };

  const info: Handler = async (request) => {
    return { trace: { trace_info: traceInfoJson(await getTraceInfo(context, workspaceOf(request), traceIdOf(request))) } };
  };

  const setTag: Handler = async (request) => {
    const fields = fieldsOf(request);
    await setTraceTag(
      context,
      workspaceOf(request),
      traceIdOf(request),
      requiredString(fields, 'key'),
      optionalString(fields, 'value') ?? '',
    );
    return {};
  };

  const deleteTag: Handler = async (request) => {
    await deleteTraceTag(context, workspaceOf(request), traceIdOf(request), requiredString(fieldsOf(request), 'key'));
    return {};
  };

  const createOne: Handler = async (request) => {
    const { trace_id: traceId } = request.params as { trace_id: string };
    const assessment = objectField(fieldsOf(request), 'assessment');
    return { assessment: await createAssessment(context, workspaceOf(request), traceId, assessment) };
  };

  const getOne: Handler = async (request) => {
    const { trace_id: traceId, assessment_id: assessmentId } = request.params as { trace_id: string; assessment_id: string };
    return { assessment: await getAssessment(context, workspaceOf(request), traceId, assessmentId) };
  };

  const updateOne: Handler = async (request) => {
    const { trace_id: traceId, assessment_id: assessmentId } = request.params as { trace_id: string; assessment_id: string };
    const fields = fieldsOf(request);
    const mask = (optionalString(fields, 'update_mask') ?? '')
      .split(',')
      .map((path) => path.trim().replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`))
      .filter(Boolean);
    return {
      assessment: await updateAssessment(context, workspaceOf(request), traceId, assessmentId, objectField(fields, 'assessment'), mask),
    };
  };

  const deleteOne: Handler = async (request) => {
    const { trace_id: traceId, assessment_id: assessmentId } = request.params as { trace_id: string; assessment_id: string };
    await deleteAssessment(context, workspaceOf(request), traceId, assessmentId);
    return {};
  };

  return {
    start,
    search,
    get,
    batchGet,
    batchGetInfos,
    remove,
    correlation,
    link,
    info,
    setTag,
    deleteTag,
    createOne,
    getOne,
    updateOne,
    deleteOne,
  };
}

/** The handlers of the V3 routes (src/contract/mlflow/traces.ts). */
export function traceRoutesV3(context: Context): MlflowRoute[] {
  const handlers = traceHandlers(context);
  return withHandlers(mlflowTraceRoutesV3, {
    startTraceV3: handlers.start,
    searchTracesV3: handlers.search,
    getTrace: handlers.get,
    batchGetTraces: handlers.batchGet,
    batchGetTraceInfos: handlers.batchGetInfos,
    deleteTracesV3: handlers.remove,
    calculateTraceFilterCorrelation: handlers.correlation,
    linkTracesToRun: handlers.link,
    getTraceInfoV3: handlers.info,
    setTraceTagV3: handlers.setTag,
    deleteTraceTagV3: handlers.deleteTag,
    createAssessment: handlers.createOne,
    getAssessment: handlers.getOne,
    updateAssessment: handlers.updateOne,
    deleteAssessment: handlers.deleteOne,
  });
}

/** The legacy V2 handlers, and the tag and delete calls MLflow 3 clients still make under /api/2.0. */
export function traceRoutesV2(context: Context): MlflowRoute[] {
  const shared = traceHandlers(context);

  const start: Handler = async (request) => {
    const fields = fieldsOf(request);
    const info = await startTraceV2(context, workspaceOf(request), {
      experimentId: requiredString(fields, 'experiment_id'),
      timestampMs: requiredInteger(fields, 'timestamp_ms'),
      metadata: pairs(keyValues(fields, 'request_metadata')),
      tags: pairs(keyValues(fields, 'tags')),
    });
    return { trace_info: traceInfoV2Json(info) };
  };

  const end: Handler = async (request) => {
    const { request_id: traceId } = request.params as { request_id: string };
    const fields = fieldsOf(request);
    const info = await endTraceV2(context, workspaceOf(request), traceId, {
      timestampMs: requiredInteger(fields, 'timestamp_ms'),
      state: parseTraceState(requiredString(fields, 'status'), 'status'),
      metadata: pairs(keyValues(fields, 'request_metadata')),
      tags: pairs(keyValues(fields, 'tags')),
    });
    return { trace_info: traceInfoV2Json(info) };
  };

  const info: Handler = async (request) => {
    const { request_id: traceId } = request.params as { request_id: string };
    return { trace_info: traceInfoV2Json(await getTraceInfo(context, workspaceOf(request), traceId)) };
  };

  const search: Handler = async (request) => {
    const fields = fieldsOf(request);
    const page = await searchTraces(context, workspaceOf(request), {
      experimentIds: stringList(fields, 'experiment_ids'),
      filter: optionalString(fields, 'filter') || undefined,
      maxResults: maxResultsOf(fields, 100),
      orderBy: stringList(fields, 'order_by'),
      pageToken: optionalString(fields, 'page_token') || undefined,
    });
    return { traces: page.infos.map(traceInfoV2Json), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
  };

  return withHandlers(mlflowTraceRoutesV2, {
    startTraceV2: start,
    searchTracesV2: search,
    endTraceV2: end,
    getTraceInfoV2: info,
    deleteTraces: shared.remove,
    linkTracesToRunV2: shared.link,
    setTraceTag: shared.setTag,
    deleteTraceTag: shared.deleteTag,
  });
}

/** get-trace-artifact: a trace's spans as MLflow's traces.json attachment. */
export function traceWebUiRoutes(context: Context): MlflowRoute[] {
  const download: Handler = async (request, reply) => {
    const fields = fieldsOf(request);
    const traceId = optionalString(fields, 'request_id');
    if (!traceId) throw mlflowError('BAD_REQUEST', 'Request must include the "request_id" query parameter.');
    const workspace = workspaceOf(request);
    const data = await traceData(context, workspace, traceId);
    reply.header('Content-Disposition', 'attachment; filename=traces.json').type('application/octet-stream');
    if (data.kind === 'spans') return reply.send(traceDataJsonOf(data.spans.map((span) => span.content)));
    await artifactSize(context, workspace, data.path);
    return reply.send(await openArtifact(context, workspace, data.path));
  };
  return withHandlers(mlflowTraceWebUiRoutes, { getTraceArtifact: download });
}
