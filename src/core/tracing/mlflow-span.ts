import { TrellisError } from '../errors.js';
import type { OtlpSpan } from './otlp-request.js';
import { fastOtelSpanJsonOf } from './otel-span-json-fast.js';
import {
  dumpPythonJson,
  type JsonValue,
  type PyJson,
  type PyObject,
  parsePythonJson,
  pyJsonOf,
  pythonJsonKindOf,
  tryParsePythonJson,
} from './python-json.js';

/** A span as Trellis stores it: the columns a trace query needs, and MLflow's span dict as content. */
export interface StoredSpan {
  /** MLflow trace id, `tr-` + the 32-hex OpenTelemetry trace id. */
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** The mlflow.spanType attribute, JSON-decoded; null when absent. */
  spanType: string | null;
  status: 'UNSET' | 'OK' | 'ERROR';
  /** Microseconds since the epoch (exact in a JS number); the exact nanoseconds stay in content. */
  startTimeUs: number;
  endTimeUs: number | null;
  /** The span as MLflow's span dict JSON, as MLflow's SQL store writes spans.content. */
  content: string;
  /** The attributes as in content (values as stored: JSON text), so what reads them need not parse content again. */
  attributes: PyObject;
}

/** Span attribute keys MLflow sets (mlflow/tracing/constant.py SpanAttributeKey). */
export const spanAttributeKey = {
  requestId: 'mlflow.traceRequestId',
  spanType: 'mlflow.spanType',
  inputs: 'mlflow.spanInputs',
  outputs: 'mlflow.spanOutputs',
  chatUsage: 'mlflow.chat.tokenUsage',
  sessionId: 'session.id',
} as const;

/** Plain JSON attributes as Python holds them (whole numbers as ints). */
const pyObjectOf = (attributes: Record<string, JsonValue>): PyObject =>
  new Map(Object.entries(attributes).map(([key, value]) => [key, pyJsonOf(value)]));

/** Service names MLflow 3.17.2's OTLP endpoint copies onto root spans (otel_api._KNOWN_SERVICE_NAMES). */
const knownServiceNames: ReadonlySet<string> = new Set(['claude-code', 'codex_cli_rs', 'codex_vscode', 'gemini-cli', 'qwen-code']);

/** `tr-` + hex: the MLflow trace id of an OpenTelemetry trace id (generate_mlflow_trace_id_from_otel_trace_id). */
export function mlflowTraceIdOf(otelTraceId: string): string {
  return `tr-${otelTraceId}`;
}

const hexToBase64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
const base64ToHex = (base64: string): string => Buffer.from(base64, 'base64').toString('hex');

/**
 * A span attribute as MLflow's OTLP ingest stores it: `json.dumps` of the decoded value
 * (Span.from_otel_proto), except that a string holding JSON text of a string, list or object is
 * stored as that text, not dumped twice (sanitize_attributes in translate_span_when_storing).
 */
function storedAttributeOf(value: PyJson): string {
  if (typeof value === 'string') {
    const kind = pythonJsonKindOf(value);
    if (kind === 'string' || kind === 'list' || kind === 'object') return value;
  }
  return dumpPythonJson(value);
}

const statusOfCode = { STATUS_CODE_UNSET: 'UNSET', STATUS_CODE_OK: 'OK', STATUS_CODE_ERROR: 'ERROR' } as const;
type StatusCodeName = keyof typeof statusOfCode;
const isStatusCodeName = (code: string): code is StatusCodeName => code in statusOfCode;

/** The indexed columns of a span dict; its content is written as given. */
function storedSpanOfDict(dict: PyObject, traceId: string, spanId: string, parentSpanId: string | null): StoredSpan {
  const attributes = dict.get('attributes');
  const rawType = attributes instanceof Map ? attributes.get(spanAttributeKey.spanType) : undefined;
  const spanType = typeof rawType === 'string' ? tryParsePythonJson(rawType) : undefined;
  const status = dict.get('status');
  const code = status instanceof Map ? status.get('code') : undefined;
  const start = dict.get('start_time_unix_nano');
  const end = dict.get('end_time_unix_nano');
  return {
    traceId,
    spanId,
    parentSpanId,
    name: String(dict.get('name')),
    spanType: typeof spanType === 'string' ? spanType : null,
    status: typeof code === 'string' && isStatusCodeName(code) ? statusOfCode[code] : 'UNSET',
    startTimeUs: typeof start === 'bigint' ? Number(start / 1000n) : 0,
    endTimeUs: typeof end === 'bigint' && end > 0n ? Number(end / 1000n) : null,
    content: dumpPythonJson(dict),
    attributes: attributes instanceof Map ? attributes : new Map(),
  };
}

/**
 * The stored form of a span received over OTLP, as MLflow 3.17.2's server stores it: the trace id is
 * always `tr-` + the OTLP trace id (MLflow's ingest does not trust a client-sent
 * mlflow.traceRequestId and overwrites it), attribute values are JSON text, event attributes plain
 * values, and a non-error status keeps no message (OpenTelemetry drops it).
 */
export function storedSpanOf(span: OtlpSpan): StoredSpan {
  const traceId = mlflowTraceIdOf(span.otelTraceId);
  const attributes: PyObject = new Map();
  for (const [key, value] of span.exactAttributes ?? pyObjectOf(span.attributes)) attributes.set(key, storedAttributeOf(value));
  attributes.set(spanAttributeKey.requestId, dumpPythonJson(traceId));
  const serviceName = span.resourceAttributes['service.name'];
  // MLflow copies the service name of a few known agent CLIs onto root spans, to show them in its UI.
  if (span.parentSpanId === null && typeof serviceName === 'string' && knownServiceNames.has(serviceName)) {
    attributes.set('service.name', dumpPythonJson(serviceName));
  }
  const dict: PyObject = new Map<string, PyJson>([
    ['trace_id', hexToBase64(span.otelTraceId)],
    ['span_id', hexToBase64(span.spanId)],
    ['parent_span_id', span.parentSpanId === null ? null : hexToBase64(span.parentSpanId)],
    ['name', span.name],
    ['start_time_unix_nano', span.startTimeNs],
    // An open span keeps OTLP's 0, as in MLflow's store (Span.from_dict reads 0 and null alike).
    ['end_time_unix_nano', span.endTimeNs ?? 0n],
    [
      'events',
      span.events.map(
        (event) =>
          new Map<string, PyJson>([
            ['name', event.name],
            ['time_unix_nano', event.timeNs],
            ['attributes', event.exactAttributes ?? pyObjectOf(event.attributes)],
          ]),
      ),
    ],
    [
      'status',
      new Map<string, PyJson>([
        ['code', span.status.code],
        ['message', span.status.code === 'STATUS_CODE_ERROR' ? span.status.message : ''],
      ]),
    ],
    ['attributes', attributes],
    [
      'links',
      (span.links ?? []).map(
        (link) =>
          new Map<string, PyJson>([
            ['trace_id', mlflowTraceIdOf(link.otelTraceId)],
            ['span_id', link.spanId],
            ['attributes', link.exactAttributes.size > 0 ? link.exactAttributes : null],
          ]),
      ),
    ],
  ]);
  return storedSpanOfDict(dict, traceId, span.spanId, span.parentSpanId);
}

/** A span dict refused: 400 naming the span and the field. */
function badSpan(index: number, field: string, fix: string): TrellisError {
  return new TrellisError('InvalidSpan', 400, `spans[${index}]: ${field} ${fix}`);
}

/** Any JSON-ish value (from JSON.parse or parsePythonJson) as a Python-held value; undefined where it is none. */
function pyJsonOfUnknown(value: unknown): PyJson | undefined {
  if (value === null || typeof value === 'boolean' || typeof value === 'string' || typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) {
    const items = value.map(pyJsonOfUnknown);
    return items.every((item) => item !== undefined) ? items.filter((item) => item !== undefined) : undefined;
  }
  const entries = value instanceof Map ? [...value] : typeof value === 'object' ? Object.entries(value) : undefined;
  if (!entries) return undefined;
  const object: PyObject = new Map();
  for (const [key, item] of entries) {
    // A key whose value is undefined is not there, as JSON.stringify has it.
    if (item === undefined) continue;
    const converted = pyJsonOfUnknown(item);
    if (typeof key !== 'string' || converted === undefined) return undefined;
    object.set(key, converted);
  }
  return object;
}

const hexOf = (value: PyJson | undefined, length: number): string | undefined => {
  if (typeof value !== 'string') return undefined;
  const hex = value.replace(/^0x/, '').replace(/^tr-/, '').toLowerCase();
  return new RegExp(`^[0-9a-f]{1,${length * 2}}$`).test(hex) ? hex.padStart(length * 2, '0') : undefined;
};
const base64IdOf = (value: PyJson | undefined, length: number): string | undefined => {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+=*$/.test(value)) return undefined;
  const hex = base64ToHex(value);
  return hex.length === length * 2 ? hex : undefined;
};
const nanosOf = (value: PyJson | undefined): bigint | undefined => {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  return undefined;
};

/** The v3 span dict of a v2 one (MLflow 2.x: context, parent_id, start_time, status_code). */
function v3DictOfV2(dict: PyObject, index: number): PyObject {
  const context = dict.get('context');
  if (!(context instanceof Map)) throw badSpan(index, 'context', 'must be an object with trace_id and span_id');
  const traceHex = hexOf(context.get('trace_id'), 16);
  const spanHex = hexOf(context.get('span_id'), 8);
  if (!traceHex) throw badSpan(index, 'context.trace_id', 'must be a 32-digit hex trace id (0x...)');
  if (!spanHex) throw badSpan(index, 'context.span_id', 'must be a 16-digit hex span id (0x...)');
  const parent = dict.get('parent_id');
  const parentHex = parent ? hexOf(parent, 8) : null;
  if (parentHex === undefined) throw badSpan(index, 'parent_id', 'must be a 16-digit hex span id (0x...) or null');
  const code = dict.get('status_code');
  const events = dict.get('events');
  return new Map<string, PyJson>([
    ['trace_id', hexToBase64(traceHex)],
    ['span_id', hexToBase64(spanHex)],
    ['parent_span_id', parentHex === null ? null : hexToBase64(parentHex)],
    ['name', dict.get('name') ?? null],
    ['start_time_unix_nano', dict.get('start_time') ?? null],
    ['end_time_unix_nano', dict.get('end_time') ?? null],
    [
      'events',
      (Array.isArray(events) ? events : []).map((event) =>
        event instanceof Map
          ? new Map<string, PyJson>([
              ['name', event.get('name') ?? ''],
              ['time_unix_nano', event.get('timestamp') ?? 0n],
              ['attributes', event.get('attributes') ?? new Map()],
            ])
          : event,
      ),
    ],
    [
      'status',
      new Map<string, PyJson>([
        ['code', typeof code === 'string' ? `STATUS_CODE_${code}` : 'STATUS_CODE_UNSET'],
        ['message', dict.get('status_message') ?? ''],
      ]),
    ],
    ['attributes', dict.get('attributes') ?? new Map()],
    ['links', dict.get('links') ?? []],
  ]);
}

/**
 * The stored form of one span of a traces.json artifact ({"spans": [...]}) written by an MLflow
 * client: the v3 span dict (base64 ids, or 3.5.0's hex ids) or the v2 one (context, parent_id), as
 * Span.from_dict reads them. Its trace id is its mlflow.traceRequestId attribute, as in MLflow.
 * Refuses a span that is not one with a 400 naming `spans[index]` and the field.
 */
export function storedSpanFromMlflowDict(dict: unknown, index: number): StoredSpan {
  const object = pyJsonOfUnknown(dict);
  if (!(object instanceof Map)) throw badSpan(index, '(the span)', 'must be a JSON object (a span dict of MLflow traces.json)');
  const v3 = object.has('context') ? v3DictOfV2(object, index) : object;
  const attributes = v3.get('attributes');
  if (!(attributes instanceof Map)) throw badSpan(index, 'attributes', 'must be an object of attribute values');
  const requestId = attributes.get(spanAttributeKey.requestId);
  const traceId = typeof requestId === 'string' ? tryParsePythonJson(requestId) : undefined;
  if (typeof traceId !== 'string' || traceId === '') {
    throw badSpan(
      index,
      `attributes["${spanAttributeKey.requestId}"]`,
      'is missing; MLflow needs the trace id (a JSON string such as "\\"tr-...\\"") on every span',
    );
  }
  const rawTraceId = v3.get('trace_id');
  const isHex = typeof rawTraceId === 'string' && (rawTraceId.startsWith('tr-') || /^(0x)?[0-9a-fA-F]{32}$/.test(rawTraceId));
  const idOf = (value: PyJson | undefined, length: number) => (isHex ? hexOf(value, length) : base64IdOf(value, length));
  const traceHex = idOf(rawTraceId, 16);
  const spanHex = idOf(v3.get('span_id'), 8);
  if (!traceHex) throw badSpan(index, 'trace_id', 'must be a 16-byte trace id in base64 (or tr- and 32 hex digits)');
  if (!spanHex) throw badSpan(index, 'span_id', 'must be an 8-byte span id in base64 (or 16 hex digits)');
  const rawParent = v3.get('parent_span_id');
  const parentHex = rawParent ? idOf(rawParent, 8) : null;
  if (parentHex === undefined) throw badSpan(index, 'parent_span_id', 'must be an 8-byte span id in base64 (or 16 hex digits), or null');
  const name = v3.get('name');
  if (typeof name !== 'string' || name === '') throw badSpan(index, 'name', 'is missing; every span needs a name');
  const start = nanosOf(v3.get('start_time_unix_nano') ?? undefined);
  if (start === undefined || start <= 0n)
    throw badSpan(index, 'start_time_unix_nano', 'is missing; set it to the start in nanoseconds since the epoch');
  const rawEnd = v3.get('end_time_unix_nano');
  const end = rawEnd ? nanosOf(rawEnd) : null;
  if (end === undefined) throw badSpan(index, 'end_time_unix_nano', 'must be nanoseconds since the epoch, or null');
  const status = v3.get('status');
  const code = status instanceof Map ? status.get('code') : undefined;
  // MLflow 3.5.0 wrote the code as the enum value ("OK"); from_dict reads both.
  const codeName = typeof code === 'string' && !code.startsWith('STATUS_CODE_') ? `STATUS_CODE_${code}` : code;
  if (typeof codeName !== 'string' || !isStatusCodeName(codeName)) {
    throw badSpan(index, 'status.code', 'must be one of STATUS_CODE_UNSET, STATUS_CODE_OK, STATUS_CODE_ERROR');
  }
  const message = status instanceof Map ? status.get('message') : undefined;
  const rawEvents = v3.get('events') ?? [];
  if (!Array.isArray(rawEvents)) throw badSpan(index, 'events', 'must be a list of {name, time_unix_nano, attributes}');
  const events = rawEvents.map((event, eventIndex): PyObject => {
    const time = event instanceof Map ? nanosOf(event.get('time_unix_nano')) : undefined;
    if (!(event instanceof Map) || time === undefined) {
      throw badSpan(index, `events[${eventIndex}]`, 'must be {name, time_unix_nano, attributes} with the time in nanoseconds');
    }
    return new Map<string, PyJson>([
      ['name', event.get('name') ?? ''],
      ['time_unix_nano', time],
      ['attributes', event.get('attributes') ?? new Map()],
    ]);
  });
  const canonical: PyObject = new Map<string, PyJson>([
    ['trace_id', hexToBase64(traceHex)],
    ['span_id', hexToBase64(spanHex)],
    ['parent_span_id', parentHex === null ? null : hexToBase64(parentHex)],
    ['name', name],
    ['start_time_unix_nano', start],
    ['end_time_unix_nano', end],
    ['events', events],
    [
      'status',
      new Map<string, PyJson>([
        ['code', codeName],
        ['message', typeof message === 'string' ? message : ''],
      ]),
    ],
    ['attributes', attributes],
    ['links', v3.get('links') ?? []],
  ]);
  return storedSpanOfDict(canonical, traceId, spanHex, parentHex);
}

/** The value MLflow's span attribute registry gives for a stored attribute: JSON-decoded, else the raw value, None when empty. */
function attributeValueOf(stored: PyJson): PyJson {
  if (typeof stored !== 'string') return stored;
  if (stored === '') return null;
  const decoded = tryParsePythonJson(stored);
  return decoded === undefined ? stored : decoded;
}

/** A value as protobuf JSON of an OTLP AnyValue, as _set_otel_proto_anyvalue sets it (None leaves it unset). */
function anyValueJsonOf(value: PyJson): Record<string, unknown> {
  if (value === null) return {};
  if (typeof value === 'boolean') return { bool_value: value };
  if (typeof value === 'string') return { string_value: value };
  if (typeof value === 'bigint') return { int_value: Number.isSafeInteger(Number(value)) ? Number(value) : value.toString() };
  if (typeof value === 'number') return { double_value: Number.isFinite(value) ? value : String(value) };
  if (Array.isArray(value)) return { array_value: value.length === 0 ? {} : { values: value.map(anyValueJsonOf) } };
  return { kvlist_value: value.size === 0 ? {} : { values: keyValuesJsonOf(value, (item) => item) } };
}

function keyValuesJsonOf(object: PyObject, readValue: (stored: PyJson) => PyJson): { key: string; value: Record<string, unknown> }[] {
  return [...object].map(([key, stored]) => ({ key, value: anyValueJsonOf(readValue(stored)) }));
}

/** The content of a stored span parsed, refusing (500: the store holds it) content that is not a span dict. */
function contentDictOf(content: string): PyObject {
  let dict: PyJson;
  try {
    dict = parsePythonJson(content);
  } catch (error) {
    throw new TrellisError(
      'CorruptSpan',
      500,
      `a stored span's content is not JSON (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
  if (!(dict instanceof Map)) throw new TrellisError('CorruptSpan', 500, "a stored span's content is not a JSON object");
  return dict;
}

const int64Json = (nanos: bigint): string => nanos.toString();

/**
 * A stored span as protobuf JSON of the opentelemetry Span message, as MLflow 3.17.2's server writes
 * it in GetTrace/BatchGetTraces replies (Span.to_otel_proto through message_to_json): snake_case
 * names, ids in base64, attribute values decoded back to typed AnyValues, default fields left out.
 * Times are int64 strings (protobuf JSON's own form), exact past 2^53, which the client's ParseDict reads.
 */
export function otelSpanJsonOf(content: string): unknown {
  return fastOtelSpanJsonOf(content, exactAttributeJsonOf) ?? exactOtelSpanJsonOf(content);
}

const exactAttributeJsonOf = (stored: string): Record<string, unknown> => anyValueJsonOf(attributeValueOf(stored));

/** otelSpanJsonOf through the exact Python-JSON reader: every content, as MLflow reads it. */
export function exactOtelSpanJsonOf(content: string): unknown {
  const dict = contentDictOf(content);
  const json: Record<string, unknown> = {};
  json.trace_id = dict.get('trace_id');
  json.span_id = dict.get('span_id');
  const parent = dict.get('parent_span_id');
  if (parent) json.parent_span_id = parent;
  json.name = dict.get('name');
  const start = nanosOf(dict.get('start_time_unix_nano'));
  if (start) json.start_time_unix_nano = int64Json(start);
  const end = nanosOf(dict.get('end_time_unix_nano') ?? undefined);
  if (end) json.end_time_unix_nano = int64Json(end);
  const attributes = dict.get('attributes');
  if (attributes instanceof Map && attributes.size > 0) json.attributes = keyValuesJsonOf(attributes, attributeValueOf);
  const events = dict.get('events');
  if (Array.isArray(events) && events.length > 0) {
    json.events = events.flatMap((event) => {
      if (!(event instanceof Map)) return [];
      const eventJson: Record<string, unknown> = {};
      const time = nanosOf(event.get('time_unix_nano'));
      if (time) eventJson.time_unix_nano = int64Json(time);
      const name = event.get('name');
      if (name) eventJson.name = name;
      const eventAttributes = event.get('attributes');
      if (eventAttributes instanceof Map && eventAttributes.size > 0)
        eventJson.attributes = keyValuesJsonOf(eventAttributes, (value) => value);
      return [eventJson];
    });
  }
  const links = dict.get('links');
  if (Array.isArray(links) && links.length > 0) {
    json.links = links.flatMap((link) => {
      if (!(link instanceof Map)) return [];
      const linkTraceId = hexOf(link.get('trace_id'), 16);
      const linkSpanId = hexOf(link.get('span_id'), 8);
      if (!linkTraceId || !linkSpanId) return [];
      const linkJson: Record<string, unknown> = { trace_id: hexToBase64(linkTraceId), span_id: hexToBase64(linkSpanId) };
      const linkAttributes = link.get('attributes');
      if (linkAttributes instanceof Map && linkAttributes.size > 0) linkJson.attributes = keyValuesJsonOf(linkAttributes, (value) => value);
      return [linkJson];
    });
  }
  const status = dict.get('status');
  const statusJson: Record<string, unknown> = {};
  if (status instanceof Map) {
    const message = status.get('message');
    if (typeof message === 'string' && message !== '') statusJson.message = message;
    const code = status.get('code');
    if (typeof code === 'string' && code !== 'STATUS_CODE_UNSET') statusJson.code = code;
  }
  json.status = statusJson;
  return json;
}

/** MLflow's traces.json body for a trace's spans ({"spans": [span dict, ...]}), from their stored contents. */
export function traceDataJsonOf(contents: string[]): string {
  return `{"spans": [${contents.join(', ')}]}`;
}
