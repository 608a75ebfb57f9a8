/**
 * A trace's info as MLflow 3 keeps it (TraceInfoV3 in MLflow's service.proto): who asked, when, for
 * how long, how it ended, its previews, metadata and tags. Times are milliseconds inside; the REST
 * form writes them as protobuf Timestamp and Duration JSON, and the legacy V2 form as numbers.
 */
import { mlflowError } from '../tracking/mlflow-error.js';

export const traceStates = ['STATE_UNSPECIFIED', 'OK', 'ERROR', 'IN_PROGRESS'] as const;
export type TraceState = (typeof traceStates)[number];

/** The keys MLflow's tracing writes and reads (mlflow/tracing/constant.py). */
export const traceKeys = {
  artifactLocation: 'mlflow.artifactLocation',
  spansLocation: 'mlflow.trace.spansLocation',
  traceName: 'mlflow.traceName',
  sourceRun: 'mlflow.sourceRun',
  linkedPrompts: 'mlflow.linkedPrompts',
  schemaVersion: 'mlflow.trace_schema.version',
  infoFinalized: 'mlflow.trace.infoFinalized',
  sizeStats: 'mlflow.trace.sizeStats',
} as const;

/** Where a trace's spans are: in the tracking store (sent over OTLP) or a traces.json artifact. */
export const spansInTrackingStore = 'TRACKING_STORE';

export interface TraceInfo {
  traceId: string;
  experimentId: string;
  clientRequestId: string | null;
  /** Milliseconds since the epoch. */
  requestTime: number;
  /** Milliseconds; null while in progress and never reported. */
  executionDuration: number | null;
  state: TraceState;
  requestPreview: string | null;
  responsePreview: string | null;
  metadata: Record<string, string>;
  tags: Record<string, string>;
  /** Each as MLflow's Assessment JSON. */
  assessments: Record<string, unknown>[];
}

/** A trace's own row, tags and metadata: its info without the assessments, which are kept apart. */
export type TraceRecord = Omit<TraceInfo, 'assessments'>;

/** Protobuf Timestamp JSON: RFC 3339 in UTC with as many fraction digits as needed. */
export function timestampJson(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace('.000Z', 'Z');
}

/** Protobuf Duration JSON: seconds with a fraction and an `s`. */
export function durationJson(milliseconds: number): string {
  const seconds = Math.trunc(milliseconds / 1000);
  const rest = Math.abs(milliseconds % 1000);
  return rest === 0 ? `${seconds}s` : `${seconds}.${String(rest).padStart(3, '0')}s`;
}

/** Milliseconds of a Timestamp JSON string (or of a number, as some clients send); refuses anything else naming the field. */
export function parseTimestampJson(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(value);
    if (match) {
      const whole = Date.parse(`${match[1]}${match[3]}`);
      const fraction = Number(`0.${match[2] ?? '0'}`);
      if (Number.isFinite(whole)) return whole + Math.floor(fraction * 1000);
    }
  }
  throw mlflowError(
    'INVALID_PARAMETER_VALUE',
    `Invalid value ${JSON.stringify(value)} for parameter '${field}': expected an RFC 3339 timestamp such as "2026-12-07T05:00:00.123Z".`,
  );
}

/** Milliseconds of a Duration JSON string ("1.5s"); refuses anything else naming the field. */
export function parseDurationJson(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const match = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(value);
    if (match) {
      const milliseconds = Number(match[2]) * 1000 + Math.floor(Number(`0.${match[3] ?? '0'}`) * 1000);
      return match[1] === '-' ? -milliseconds : milliseconds;
    }
  }
  throw mlflowError(
    'INVALID_PARAMETER_VALUE',
    `Invalid value ${JSON.stringify(value)} for parameter '${field}': expected a duration in seconds such as "1.5s".`,
  );
}

/** A state as written in a request: its name (any case), its proto number, or a V2 status name. */
export function parseTraceState(value: unknown, field: string): TraceState {
  if (value === undefined || value === null || value === '') return 'STATE_UNSPECIFIED';
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < traceStates.length) return traceStates[value]!;
  if (typeof value === 'string') {
    const upper = value.toUpperCase();
    const state = traceStates.find((candidate) => candidate === upper);
    if (state) return state;
    // TraceStatus of the V2 API.
    if (upper === 'UNSPECIFIED' || upper === 'TRACE_STATUS_UNSPECIFIED') return 'STATE_UNSPECIFIED';
  }
  throw mlflowError(
    'INVALID_PARAMETER_VALUE',
    `Invalid value ${JSON.stringify(value)} for parameter '${field}': expected one of ${traceStates.join(', ')}.`,
  );
}

/** TraceInfoV3 as MLflow's REST replies write it (snake_case proto JSON). */
export function traceInfoJson(info: TraceInfo): Record<string, unknown> {
  return {
    trace_id: info.traceId,
    ...(info.clientRequestId !== null ? { client_request_id: info.clientRequestId } : {}),
    trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: info.experimentId } },
    ...(info.requestPreview !== null ? { request_preview: info.requestPreview } : {}),
    ...(info.responsePreview !== null ? { response_preview: info.responsePreview } : {}),
    request_time: timestampJson(info.requestTime),
    ...(info.executionDuration !== null ? { execution_duration: durationJson(info.executionDuration) } : {}),
    state: info.state,
    trace_metadata: info.metadata,
    tags: info.tags,
    assessments: info.assessments,
  };
}

/** The V2 TraceInfo of the legacy routes: request_id, numbers for times, key-value lists. */
export function traceInfoV2Json(info: TraceInfo): Record<string, unknown> {
  const status = info.state === 'STATE_UNSPECIFIED' ? 'TRACE_STATUS_UNSPECIFIED' : info.state;
  return {
    request_id: info.traceId,
    experiment_id: info.experimentId,
    timestamp_ms: info.requestTime,
    execution_time_ms: info.executionDuration ?? 0,
    status,
    request_metadata: Object.entries(info.metadata).map(([key, value]) => ({ key, value })),
    tags: Object.entries(info.tags).map(([key, value]) => ({ key, value })),
  };
}
