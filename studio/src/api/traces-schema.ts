import { z } from 'zod';

/**
 * MLflow 3's trace replies (traces/search and traces/get under /api/3.0 and /ajax-api/3.0), parsed
 * once here into the studio's types. The shapes follow MLflow 3.17.2's own server (saved replies in
 * test/fixtures/traces): TraceInfoV3 with protobuf JSON times, and spans as OpenTelemetry's Span in
 * protobuf JSON, whose attribute values are OTLP AnyValues. A span may also come in MLflow's own
 * span dictionary (Span.to_dict: attributes a map of JSON-encoded strings); both read the same.
 */

/** One trace as the list and the trace page show it. */
export interface TraceInfo {
  traceId: string;
  clientRequestId: string | undefined;
  experimentId: string | undefined;
  /** Milliseconds since the epoch; undefined when the server sent none. */
  requestTime: number | undefined;
  /** Milliseconds; undefined while the trace is in progress. */
  executionDuration: number | undefined;
  /** OK, ERROR, IN_PROGRESS (or STATE_UNSPECIFIED). */
  state: string;
  /** The tag mlflow.traceName: what the root span was called. */
  name: string | undefined;
  requestPreview: string | undefined;
  responsePreview: string | undefined;
  tags: Record<string, string>;
  metadata: Record<string, string>;
}

export interface SpanEvent {
  name: string;
  /** Nanoseconds since the epoch. */
  timeNs: bigint | undefined;
  attributes: Record<string, unknown>;
}

/** One span, its MLflow attributes (type, inputs, outputs) taken out of the others and decoded. */
export interface Span {
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  /** Nanoseconds since the epoch: exact when the server sent a string, to a few hundred ns when a JSON number. */
  startNs: bigint;
  /** Undefined while the span is open. */
  endNs: bigint | undefined;
  /** mlflow.spanType: LLM, CHAIN, RETRIEVER, TOOL, ... */
  spanType: string | undefined;
  isError: boolean;
  statusMessage: string | undefined;
  inputs: unknown;
  outputs: unknown;
  /** Every other attribute, decoded. */
  attributes: Record<string, unknown>;
  events: SpanEvent[];
}

export interface Trace {
  info: TraceInfo;
  spans: Span[];
}

export interface TracePage {
  traces: TraceInfo[];
  nextPageToken: string | undefined;
}

/** An OTLP AnyValue in protobuf JSON (MLflow writes snake_case; proto3 JSON allows camelCase too). */
interface AnyValue {
  string_value?: string | undefined;
  bool_value?: boolean | undefined;
  int_value?: string | number | undefined;
  double_value?: string | number | undefined;
  bytes_value?: string | undefined;
  array_value?: { values?: AnyValue[] | undefined } | undefined;
  kvlist_value?: { values?: KeyValue[] | undefined } | undefined;
}
interface KeyValue {
  key: string;
  value?: AnyValue | undefined;
}

const anyValueSchema: z.ZodType<AnyValue> = z.lazy(() =>
  z.object({
    string_value: z.string().optional(),
    bool_value: z.boolean().optional(),
    int_value: z.union([z.string(), z.number()]).optional(),
    double_value: z.union([z.string(), z.number()]).optional(),
    bytes_value: z.string().optional(),
    array_value: z.object({ values: z.array(anyValueSchema).optional() }).optional(),
    kvlist_value: z.object({ values: z.array(keyValueSchema).optional() }).optional(),
  }),
);
const keyValueSchema: z.ZodType<KeyValue> = z.lazy(() => z.object({ key: z.string(), value: anyValueSchema.optional() }));

/** OTLP's list of key-values, or MLflow's span dictionary's map of JSON-encoded strings. */
const attributesSchema = z.union([z.array(keyValueSchema), z.record(z.string(), z.unknown())]).nullish();
/** uint64 nanoseconds: a string in protobuf JSON, a number in MLflow's replies. */
const nanosSchema = z.union([z.string().regex(/^\d+$/), z.number().nonnegative()]);
const stringMapSchema = z.record(z.string(), z.string()).nullish();

const traceInfoSchema = z.object({
  trace_id: z.string(),
  client_request_id: z.string().nullish(),
  trace_location: z.object({ mlflow_experiment: z.object({ experiment_id: z.string() }).nullish() }).nullish(),
  request_time: z.union([z.string(), z.number()]).nullish(),
  execution_duration: z.union([z.string(), z.number()]).nullish(),
  state: z.string().nullish(),
  request_preview: z.string().nullish(),
  response_preview: z.string().nullish(),
  trace_metadata: stringMapSchema,
  tags: stringMapSchema,
});

const spanSchema = z.object({
  span_id: z.string(),
  parent_span_id: z.string().nullish(),
  name: z.string(),
  start_time_unix_nano: nanosSchema,
  end_time_unix_nano: nanosSchema.nullish(),
  attributes: attributesSchema,
  events: z.array(z.object({ name: z.string().nullish(), time_unix_nano: nanosSchema.nullish(), attributes: attributesSchema })).nullish(),
  status: z.object({ code: z.union([z.string(), z.number()]).nullish(), message: z.string().nullish() }).nullish(),
});

/** The reply of traces/search. */
export const traceSearchSchema = z.object({ traces: z.array(traceInfoSchema).nullish(), next_page_token: z.string().nullish() });
/** The reply of traces/get. */
export const traceGetSchema = z.object({ trace: z.object({ trace_info: traceInfoSchema, spans: z.array(spanSchema).nullish() }) });

/** The attributes MLflow sets on every span and the studio shows apart from the others. */
const spanTypeKey = 'mlflow.spanType';
const inputsKey = 'mlflow.spanInputs';
const outputsKey = 'mlflow.spanOutputs';

/** A traces/search reply as the studio's page of traces; throws an Error naming what does not fit. */
export function parseTraceSearch(reply: unknown): TracePage {
  const page = parseOrExplain(traceSearchSchema, reply, 'traces/search');
  return { traces: (page.traces ?? []).map(traceInfoOf), nextPageToken: page.next_page_token || undefined };
}

/** A traces/get reply as a trace with its spans; throws an Error naming what does not fit. */
export function parseTrace(reply: unknown): Trace {
  const { trace } = parseOrExplain(traceGetSchema, reply, 'traces/get');
  return { info: traceInfoOf(trace.trace_info), spans: (trace.spans ?? []).map(spanOf) };
}

function parseOrExplain<T>(schema: z.ZodType<T>, reply: unknown, call: string): T {
  const parsed = schema.safeParse(reply);
  if (!parsed.success) throw new Error(`the server's answer to ${call} is not what MLflow answers: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function traceInfoOf(info: z.output<typeof traceInfoSchema>): TraceInfo {
  const tags = info.tags ?? {};
  return {
    traceId: info.trace_id,
    clientRequestId: info.client_request_id ?? undefined,
    experimentId: info.trace_location?.mlflow_experiment?.experiment_id,
    requestTime: timestampMs(info.request_time),
    executionDuration: durationMs(info.execution_duration),
    state: info.state ?? 'STATE_UNSPECIFIED',
    name: tags['mlflow.traceName'],
    requestPreview: info.request_preview ?? undefined,
    responsePreview: info.response_preview ?? undefined,
    tags,
    metadata: info.trace_metadata ?? {},
  };
}

function spanOf(span: z.output<typeof spanSchema>): Span {
  const attributes = attributesOf(span.attributes);
  const { [spanTypeKey]: spanType, [inputsKey]: inputs, [outputsKey]: outputs, ...others } = attributes;
  const code = span.status?.code;
  return {
    spanId: span.span_id,
    // MLflow writes a root's parent as absent, null or "" depending on the form.
    parentSpanId: span.parent_span_id || undefined,
    name: span.name,
    startNs: nanosOf(span.start_time_unix_nano),
    endNs: span.end_time_unix_nano == null ? undefined : nanosOf(span.end_time_unix_nano),
    spanType: typeof spanType === 'string' ? spanType : undefined,
    // STATUS_CODE_ERROR in protobuf JSON, 2 as the enum's number, ERROR in MLflow 2's span form.
    isError: code === 2 || (typeof code === 'string' && /ERROR$/.test(code)),
    statusMessage: span.status?.message || undefined,
    inputs,
    outputs,
    attributes: others,
    events: (span.events ?? []).map((event) => ({
      // MLflow's GetTrace leaves an empty name out.
      name: event.name ?? '',
      timeNs: event.time_unix_nano == null ? undefined : nanosOf(event.time_unix_nano),
      attributes: attributesOf(event.attributes),
    })),
  };
}

/** Attributes as a map of decoded values, from either form. */
export function attributesOf(attributes: z.output<typeof attributesSchema>): Record<string, unknown> {
  if (!attributes) return {};
  if (Array.isArray(attributes))
    return Object.fromEntries(attributes.map((pair) => [pair.key, pair.value ? anyValueOf(pair.value) : null]));
  // MLflow's span dictionary: every value JSON-encoded by MLflow, so decoding is always right.
  return Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, typeof value === 'string' ? decodeJson(value) : value]));
}

/** An OTLP AnyValue as the plain value it holds. */
export function anyValueOf(value: AnyValue): unknown {
  if (value.string_value !== undefined) return decodeJsonText(value.string_value);
  if (value.bool_value !== undefined) return value.bool_value;
  if (value.int_value !== undefined) return integerOf(value.int_value);
  if (value.double_value !== undefined) return Number(value.double_value);
  if (value.array_value) return (value.array_value.values ?? []).map(anyValueOf);
  if (value.kvlist_value)
    return Object.fromEntries((value.kvlist_value.values ?? []).map((pair) => [pair.key, pair.value ? anyValueOf(pair.value) : null]));
  if (value.bytes_value !== undefined) return value.bytes_value;
  return null;
}

/**
 * A string attribute: MLflow's server sends plain strings ("CHAIN"), while a span stored in MLflow's
 * form holds JSON text ("\"LLM\"", "{\"q\": \"hi\"}"). Only text that reads as a JSON string, object
 * or array is decoded, so a plain "42" or "true" stays the string it was sent as.
 */
export function decodeJsonText(text: string): unknown {
  return /^\s*["{[]/.test(text) ? decodeJson(text) : text;
}

/** JSON text as its value; text that is not JSON is shown as the text itself. */
function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not an error: an attribute may hold any text, and then the text is what there is to show.
    return text;
  }
}

/** An int64 as a number where that is exact, else its decimal text. */
function integerOf(value: string | number): number | string {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : String(value);
}

function nanosOf(value: string | number): bigint {
  return typeof value === 'string' ? BigInt(value) : BigInt(Math.round(value));
}

/** A protobuf Timestamp's JSON ("2026-12-07T05:00:00.123Z"), or milliseconds, as milliseconds. */
export function timestampMs(value: string | number | null | undefined): number | undefined {
  if (value == null) return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A protobuf Duration's JSON ("1.234s"), or milliseconds, as milliseconds. */
export function durationMs(value: string | number | null | undefined): number | undefined {
  if (value == null) return undefined;
  if (typeof value === 'number') return value;
  const match = /^(-?\d+(?:\.\d+)?)s$/.exec(value.trim());
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1000;
}
