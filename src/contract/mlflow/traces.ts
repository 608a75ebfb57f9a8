import { z } from 'zod';
import type { MlflowTable } from './route.js';
import { emptyResponse, int64Field, keyValueSchema, nextPageToken } from './schemas.js';

/**
 * MLflow tracing (service.proto and assessments.proto): the V3 routes under /api/3.0, which MLflow 3
 * clients call, and the V2 routes under /api/2.0 that older clients and the tag calls still use.
 * Spans arrive over OTLP (`POST /v1/traces`, outside these tables); replies carry them as
 * OpenTelemetry Span messages in proto JSON.
 */

/** The REST base of the V3 routes, after the workspace prefix; the web UI's `/ajax-api/3.0` is an alias. */
export const mlflowApiV3Base = '/api/3.0';

const traceLocation = z.looseObject({
  type: z.string().optional(),
  mlflow_experiment: z.looseObject({ experiment_id: z.string() }).optional(),
});

export const traceInfoSchema = z
  .looseObject({
    trace_id: z.string(),
    client_request_id: z.string().optional(),
    trace_location: traceLocation,
    request_preview: z.string().optional(),
    response_preview: z.string().optional(),
    request_time: z.string().meta({ description: 'RFC 3339 timestamp' }),
    execution_duration: z.string().optional().meta({ description: 'protobuf Duration JSON, e.g. "1.5s"' }),
    state: z.enum(['STATE_UNSPECIFIED', 'OK', 'ERROR', 'IN_PROGRESS']),
    trace_metadata: z.record(z.string(), z.string()),
    tags: z.record(z.string(), z.string()),
    assessments: z.array(z.looseObject({})),
  })
  .meta({ id: 'MlflowTraceInfoV3' });

/** An OpenTelemetry Span in proto JSON (ids base64, times in nanoseconds as strings). */
const otelSpan = z.looseObject({ name: z.string() }).meta({ id: 'OtelSpan' });
const trace = z.object({ trace_info: traceInfoSchema, spans: z.array(otelSpan).optional() }).meta({ id: 'MlflowTrace' });

const traceInfoV2 = z
  .looseObject({
    request_id: z.string(),
    experiment_id: z.string(),
    timestamp_ms: int64Field,
    execution_time_ms: int64Field,
    status: z.string(),
    request_metadata: z.array(keyValueSchema),
    tags: z.array(keyValueSchema),
  })
  .meta({ id: 'MlflowTraceInfoV2' });

const traceIdParam = z.object({ trace_id: z.string() });
const requestIdParam = z.object({ request_id: z.string() });
const assessmentParams = z.object({ trace_id: z.string(), assessment_id: z.string() });
const assessment = z.looseObject({ assessment_name: z.string().optional() }).meta({ id: 'MlflowAssessment' });
const deleteTracesRequest = z.object({
  experiment_id: z.string(),
  max_timestamp_millis: int64Field.optional(),
  max_traces: int64Field.optional(),
  request_ids: z.array(z.string()).optional(),
});
const tagRequest = z.object({ key: z.string(), value: z.string().optional() });

/** The V3 routes (MLflow 3 clients). */
export const mlflowTraceRoutesV3 = {
  startTraceV3: {
    method: 'POST',
    path: '/mlflow/traces',
    summary: "Record a trace's info when it ends (its spans came over OTLP, or are uploaded as traces.json)",
    request: z.object({ trace: z.object({ trace_info: z.looseObject({}) }) }),
    response: z.object({ trace }),
  },
  searchTracesV3: {
    method: 'POST',
    path: '/mlflow/traces/search',
    summary: "Search traces of experiments with MLflow's trace filter language",
    request: z.object({
      locations: z.array(traceLocation),
      filter: z.string().optional(),
      max_results: int64Field.optional(),
      order_by: z.array(z.string()).optional(),
      page_token: z.string().optional(),
    }),
    response: z.object({ traces: z.array(traceInfoSchema), next_page_token: nextPageToken }),
  },
  getTrace: {
    method: 'GET',
    path: '/mlflow/traces/get',
    summary: 'Get a trace with its spans',
    request: z.object({ trace_id: z.string(), allow_partial: z.enum(['true', 'false', 'True', 'False']).optional() }),
    response: z.object({ trace }),
  },
  batchGetTraces: {
    method: 'GET',
    path: '/mlflow/traces/batchGet',
    summary: 'Get several traces with their spans',
    request: z.object({
      trace_ids: z.union([z.string(), z.array(z.string())]),
      experiment_ids: z.union([z.string(), z.array(z.string())]).optional(),
    }),
    response: z.object({ traces: z.array(trace) }),
  },
  batchGetTraceInfos: {
    method: 'GET',
    path: '/mlflow/traces/batchGetInfos',
    summary: "Get several traces' infos, without spans",
    request: z.object({
      trace_ids: z.union([z.string(), z.array(z.string())]),
      experiment_ids: z.union([z.string(), z.array(z.string())]).optional(),
    }),
    response: z.object({ trace_infos: z.array(traceInfoSchema) }),
  },
  deleteTracesV3: {
    method: 'POST',
    path: '/mlflow/traces/delete-traces',
    summary: "Delete an experiment's traces older than a time (at most max_traces) or by id",
    request: deleteTracesRequest,
    response: z.object({ traces_deleted: z.number().int() }),
  },
  calculateTraceFilterCorrelation: {
    method: 'POST',
    path: '/mlflow/traces/calculate-filter-correlation',
    summary: 'How strongly two trace filters go together (NPMI) over the traces of some experiments',
    request: z.object({
      experiment_ids: z.array(z.string()),
      filter_string1: z.string(),
      filter_string2: z.string(),
      base_filter: z.string().optional(),
    }),
    response: z.object({
      npmi: z.union([z.number(), z.literal('NaN')]),
      npmi_smoothed: z.union([z.number(), z.literal('NaN')]).optional(),
      filter1_count: z.number().int(),
      filter2_count: z.number().int(),
      joint_count: z.number().int(),
      total_count: z.number().int(),
    }),
  },
  linkTracesToRun: {
    method: 'POST',
    path: '/mlflow/traces/link-to-run',
    summary: 'Link traces to a run',
    request: z.object({ trace_ids: z.array(z.string()), run_id: z.string() }),
    response: emptyResponse,
  },
  getTraceInfoV3: {
    method: 'GET',
    path: '/mlflow/traces/:trace_id',
    summary: "Get a trace's info",
    params: traceIdParam,
    response: z.object({ trace }),
  },
  setTraceTagV3: {
    method: 'PATCH',
    path: '/mlflow/traces/:trace_id/tags',
    summary: 'Set a tag on a trace',
    params: traceIdParam,
    request: tagRequest,
    response: emptyResponse,
  },
  deleteTraceTagV3: {
    method: 'DELETE',
    path: '/mlflow/traces/:trace_id/tags',
    summary: 'Delete a tag of a trace',
    params: traceIdParam,
    request: z.object({ key: z.string() }),
    response: emptyResponse,
  },
  createAssessment: {
    method: 'POST',
    path: '/mlflow/traces/:trace_id/assessments',
    summary: 'Add feedback or an expectation to a trace',
    params: traceIdParam,
    request: z.object({ assessment }),
    response: z.object({ assessment }),
  },
  getAssessment: {
    method: 'GET',
    path: '/mlflow/traces/:trace_id/assessments/:assessment_id',
    summary: 'Get an assessment of a trace',
    params: assessmentParams,
    response: z.object({ assessment }),
  },
  updateAssessment: {
    method: 'PATCH',
    path: '/mlflow/traces/:trace_id/assessments/:assessment_id',
    summary: 'Change the fields of an assessment named in update_mask',
    params: assessmentParams,
    request: z.object({ assessment, update_mask: z.string().optional() }),
    response: z.object({ assessment }),
  },
  deleteAssessment: {
    method: 'DELETE',
    path: '/mlflow/traces/:trace_id/assessments/:assessment_id',
    summary: 'Delete an assessment (an assessment it overrode becomes valid again)',
    params: assessmentParams,
    response: emptyResponse,
  },
} satisfies MlflowTable;

/** The V2 routes: the legacy start/end/info/search, tags and deletion, which MLflow 3 clients still call for tags. */
export const mlflowTraceRoutesV2 = {
  startTraceV2: {
    method: 'POST',
    path: '/mlflow/traces',
    summary: 'Start a trace (legacy V2): the server assigns its id',
    request: z.object({
      experiment_id: z.string(),
      timestamp_ms: int64Field,
      request_metadata: z.array(keyValueSchema).optional(),
      tags: z.array(keyValueSchema).optional(),
    }),
    response: z.object({ trace_info: traceInfoV2 }),
  },
  searchTracesV2: {
    method: 'GET',
    path: '/mlflow/traces',
    summary: 'Search traces (legacy V2)',
    request: z.object({
      experiment_ids: z.union([z.string(), z.array(z.string())]),
      filter: z.string().optional(),
      max_results: int64Field.optional(),
      order_by: z.union([z.string(), z.array(z.string())]).optional(),
      page_token: z.string().optional(),
    }),
    response: z.object({ traces: z.array(traceInfoV2), next_page_token: nextPageToken }),
  },
  endTraceV2: {
    method: 'PATCH',
    path: '/mlflow/traces/:request_id',
    summary: 'End a trace (legacy V2)',
    params: requestIdParam,
    request: z.object({
      timestamp_ms: int64Field,
      status: z.string(),
      request_metadata: z.array(keyValueSchema).optional(),
      tags: z.array(keyValueSchema).optional(),
    }),
    response: z.object({ trace_info: traceInfoV2 }),
  },
  getTraceInfoV2: {
    method: 'GET',
    path: '/mlflow/traces/:request_id/info',
    summary: "Get a trace's info (legacy V2)",
    params: requestIdParam,
    response: z.object({ trace_info: traceInfoV2 }),
  },
  deleteTraces: {
    method: 'POST',
    path: '/mlflow/traces/delete-traces',
    summary: "Delete an experiment's traces older than a time (at most max_traces) or by id",
    request: deleteTracesRequest,
    response: z.object({ traces_deleted: z.number().int() }),
  },
  linkTracesToRunV2: {
    method: 'POST',
    path: '/mlflow/traces/link-to-run',
    summary: 'Link traces to a run',
    request: z.object({ trace_ids: z.array(z.string()), run_id: z.string() }),
    response: emptyResponse,
  },
  setTraceTag: {
    method: 'PATCH',
    path: '/mlflow/traces/:request_id/tags',
    summary: 'Set a tag on a trace',
    params: requestIdParam,
    request: tagRequest,
    response: emptyResponse,
  },
  deleteTraceTag: {
    method: 'DELETE',
    path: '/mlflow/traces/:request_id/tags',
    summary: 'Delete a tag of a trace',
    params: requestIdParam,
    request: z.object({ key: z.string() }),
    response: emptyResponse,
  },
} satisfies MlflowTable;

/** The web UI's download of a trace's spans as traces.json, under /ajax-api/2.0 only. */
export const mlflowTraceWebUiRoutes = {
  getTraceArtifact: {
    method: 'GET',
    path: '/mlflow/get-trace-artifact',
    summary: "Download a trace's spans as MLflow's traces.json",
    request: z.object({ request_id: z.string() }),
    response: {
      description: "MLflow's traces.json as an attachment",
      content: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) } },
    },
  },
} satisfies MlflowTable;

/** OTLP/HTTP span ingestion and the version MLflow's client asks for first, at the workspace's root (not under /api). */
export const mlflowOtlpRoutes = {
  exportTraces: {
    method: 'POST',
    path: '/v1/traces',
    summary:
      'OTLP/HTTP: an ExportTraceServiceRequest (protobuf or JSON, gzip allowed); the x-mlflow-experiment-id header names the experiment, x-mlflow-run-id links the traces to a run',
    request: z.string().meta({ format: 'binary' }),
    consumes: ['application/x-protobuf', 'application/json'],
    response: {
      description: "an empty ExportTraceServiceResponse, in the request's encoding",
      content: {
        'application/x-protobuf': { schema: z.string().meta({ format: 'binary' }) },
        'application/json': { schema: z.object({}) },
      },
    },
  },
  getVersion: {
    method: 'GET',
    path: '/version',
    summary: "The MLflow version whose REST API this server speaks (MLflow's client sends spans over OTLP from 3.4 on)",
    response: { description: 'the version as text', content: { 'text/plain': { schema: z.string() } } },
  },
} satisfies MlflowTable;
