import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { z } from 'zod';
import { TrellisError } from '../errors.js';
import { type JsonValue, jsonValueOf, type PyJson, type PyObject, parsePythonJson } from './python-json.js';

export type { JsonValue } from './python-json.js';

/** One span of an OTLP ExportTraceServiceRequest, ids in lowercase hex and attribute values as plain JSON. */
export interface OtlpSpan {
  /** 32 lowercase hex. */
  otelTraceId: string;
  /** 16 lowercase hex. */
  spanId: string;
  /** 16 lowercase hex, or null for a root span (OTLP sends empty bytes). */
  parentSpanId: string | null;
  traceState: string;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeNs: bigint;
  /** null when the span has no end time (0 on the wire). */
  endTimeNs: bigint | null;
  /** AnyValue decoded to plain JSON: kvlist as an object, bytes as base64. */
  attributes: Record<string, JsonValue>;
  events: { name: string; timeNs: bigint; attributes: Record<string, JsonValue>; exactAttributes?: PyObject }[];
  status: { code: 'STATUS_CODE_UNSET' | 'STATUS_CODE_OK' | 'STATUS_CODE_ERROR'; message: string };
  resourceAttributes: Record<string, JsonValue>;
  /**
   * The attributes as Python decodes them: int and double kept apart (2 versus 2.0), ints exact past
   * 2^53, key order kept. storedSpanOf prefers these to `attributes` where present, so it stores what MLflow stores.
   */
  exactAttributes?: PyObject;
  /** Links to other spans, ids in hex; links whose ids are not 16 and 8 bytes are left out. */
  links?: { otelTraceId: string; spanId: string; exactAttributes: PyObject }[];
}

/** An OTLP request Trellis cannot read: 400, with the span and field it stopped at. */
export class OtlpRequestError extends TrellisError {
  readonly statusCode = 400;
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('InvalidOtlpRequest', 400, message, options);
    this.name = 'OtlpRequestError';
  }
}

export type OtlpFormat = 'protobuf' | 'json';

// Resolved from this file, so it holds in src/ under tsx and in dist/ after the build alike.
const protoFolder = fileURLToPath(new URL('../../../proto/opentelemetry/', import.meta.url));
const requestTypeName = 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest';
const responseTypeName = 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse';

let loaded: protobuf.Root | undefined;
/** The official OpenTelemetry .proto files under proto/opentelemetry, loaded on first use. */
function otlpRoot(): protobuf.Root {
  if (loaded) return loaded;
  const root = new protobuf.Root();
  // Imports in the .proto files are relative to the repository root they came from.
  root.resolvePath = (_origin, target) => (target.startsWith('/') ? target : `${protoFolder}${target}`);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
  root.resolveAll();
  loaded = root;
  return root;
}

/** How protobufjs's toObject writes a message: int64 as decimal strings, bytes as base64, enums as numbers. */
const conversion: protobuf.IConversionOptions = { longs: String, bytes: String, enums: Number, defaults: false };

interface AnyValueObject {
  stringValue?: string | undefined;
  boolValue?: boolean | undefined;
  intValue?: string | undefined;
  doubleValue?: number | undefined;
  arrayValue?: { values?: AnyValueObject[] | undefined } | undefined;
  kvlistValue?: { values?: KeyValueObject[] | undefined } | undefined;
  bytesValue?: string | undefined;
}
interface KeyValueObject {
  key?: string | undefined;
  value?: AnyValueObject | undefined;
}
const anyValueSchema: z.ZodType<AnyValueObject> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: z.string().optional(),
    doubleValue: z.number().optional(),
    arrayValue: z.object({ values: z.array(anyValueSchema).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(keyValueSchema).optional() }).optional(),
    bytesValue: z.string().optional(),
  }),
);
const keyValueSchema: z.ZodType<KeyValueObject> = z.lazy(() => z.object({ key: z.string().optional(), value: anyValueSchema.optional() }));
const attributesSchema = z.array(keyValueSchema).optional();
const spanSchema = z.object({
  traceId: z.string().optional(),
  spanId: z.string().optional(),
  traceState: z.string().optional(),
  parentSpanId: z.string().optional(),
  name: z.string().optional(),
  kind: z.number().optional(),
  startTimeUnixNano: z.string().optional(),
  endTimeUnixNano: z.string().optional(),
  attributes: attributesSchema,
  events: z.array(z.object({ timeUnixNano: z.string().optional(), name: z.string().optional(), attributes: attributesSchema })).optional(),
  links: z.array(z.object({ traceId: z.string().optional(), spanId: z.string().optional(), attributes: attributesSchema })).optional(),
  status: z.object({ message: z.string().optional(), code: z.number().optional() }).optional(),
});
const requestSchema = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes: attributesSchema }).optional(),
        scopeSpans: z.array(z.object({ spans: z.array(spanSchema).optional() })).optional(),
      }),
    )
    .optional(),
});

/** AnyValue as Python's _decode_otel_proto_anyvalue gives it: unset is None, an int exact, a kvlist a dict, bytes base64. */
function pyJsonOfAnyValue(value: AnyValueObject | undefined): PyJson {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return BigInt(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(pyJsonOfAnyValue);
  if (value.kvlistValue !== undefined) return exactAttributesOf(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return value.bytesValue;
  return null;
}

function exactAttributesOf(keyValues: KeyValueObject[] | undefined): PyObject {
  return new Map((keyValues ?? []).map(({ key, value }) => [key ?? '', pyJsonOfAnyValue(value)]));
}

/** Attributes as plain JSON (ints past 2^53 rounded). */
function attributesOf(exact: PyObject): Record<string, JsonValue> {
  return Object.fromEntries([...exact].map(([key, value]) => [key, jsonValueOf(value)]));
}

/** Hex of a base64 id with `length` bytes, or undefined. */
function hexOfLength(base64: string | undefined, length: number): string | undefined {
  const bytes = Buffer.from(base64 ?? '', 'base64');
  return bytes.length === length ? bytes.toString('hex') : undefined;
}

const statusCodes = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

/** A bytes id as lowercase hex, refused unless it has exactly `length` bytes. */
function hexId(base64: string | undefined, length: number, where: string, field: string): string {
  const bytes = Buffer.from(base64 ?? '', 'base64');
  if (bytes.length !== length) {
    throw new OtlpRequestError(
      `${where}: ${field} has ${bytes.length} bytes; OTLP ${field} must be exactly ${length} bytes (${length * 2} hex digits in OTLP/JSON)`,
    );
  }
  return bytes.toString('hex');
}

function spanOf(span: z.infer<typeof spanSchema>, where: string, resourceAttributes: Record<string, JsonValue>): OtlpSpan {
  const otelTraceId = hexId(span.traceId, 16, where, 'traceId');
  const spanId = hexId(span.spanId, 8, where, 'spanId');
  const parentSpanId = span.parentSpanId ? hexId(span.parentSpanId, 8, where, 'parentSpanId') : null;
  if (!span.name) throw new OtlpRequestError(`${where}: name is missing; every span needs a name`);
  const startTimeNs = BigInt(span.startTimeUnixNano ?? '0');
  if (startTimeNs <= 0n) {
    throw new OtlpRequestError(
      `${where} ('${span.name}'): startTimeUnixNano is missing; set it to the span's start in nanoseconds since the epoch`,
    );
  }
  const endTimeNs = BigInt(span.endTimeUnixNano ?? '0');
  const exactAttributes = exactAttributesOf(span.attributes);
  return {
    otelTraceId,
    spanId,
    parentSpanId,
    traceState: span.traceState ?? '',
    name: span.name,
    kind: span.kind ?? 0,
    startTimeNs,
    endTimeNs: endTimeNs > 0n ? endTimeNs : null,
    attributes: attributesOf(exactAttributes),
    exactAttributes,
    events: (span.events ?? []).map((event) => {
      const exactEventAttributes = exactAttributesOf(event.attributes);
      return {
        name: event.name ?? '',
        timeNs: BigInt(event.timeUnixNano ?? '0'),
        attributes: attributesOf(exactEventAttributes),
        exactAttributes: exactEventAttributes,
      };
    }),
    links: (span.links ?? []).flatMap((link) => {
      const linkTraceId = hexOfLength(link.traceId, 16);
      const linkSpanId = hexOfLength(link.spanId, 8);
      // MLflow drops links with ids wider than OTLP allows (some producers send them) rather than the span.
      return linkTraceId && linkSpanId
        ? [{ otelTraceId: linkTraceId, spanId: linkSpanId, exactAttributes: exactAttributesOf(link.attributes) }]
        : [];
    }),
    status: { code: statusCodes[span.status?.code ?? 0] ?? 'STATUS_CODE_UNSET', message: span.status?.message ?? '' },
    resourceAttributes,
  };
}

const hexIdFields = new Set(['traceId', 'spanId', 'parentSpanId']);

/**
 * OTLP/JSON as protobufjs's fromObject reads it: ids written in hex (as the OTLP spec says) turned to
 * base64 (as protobuf JSON has bytes), ints kept exact (past 2^53 as decimal strings), snake_case names camelCased.
 */
function fromOtlpJson(value: PyJson, key = ''): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'string' && hexIdFields.has(key) && /^(?:[0-9a-fA-F]{2})+$/.test(value)) {
    return Buffer.from(value, 'hex').toString('base64');
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => fromOtlpJson(item, key));
  // Protobuf JSON parsers accept the proto's own snake_case names too (MLflow's server does), so this does.
  return Object.fromEntries(
    [...value].map(([name, item]) => {
      const field = name.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
      return [field, fromOtlpJson(item, field)];
    }),
  );
}

function messageOf(body: Uint8Array, format: OtlpFormat): protobuf.Message {
  const type = otlpRoot().lookupType(requestTypeName);
  if (format === 'protobuf') {
    try {
      return type.decode(body);
    } catch (error) {
      throw new OtlpRequestError(
        `the body is not a protobuf ExportTraceServiceRequest (${error instanceof Error ? error.message : String(error)}); send OTLP/HTTP protobuf with Content-Type application/x-protobuf, or OTLP/JSON with application/json`,
        { cause: error },
      );
    }
  }
  let json: PyJson;
  try {
    json = parsePythonJson(Buffer.from(body).toString('utf8'));
  } catch (error) {
    throw new OtlpRequestError(
      `the body is not JSON (${error instanceof Error ? error.message : String(error)}); send an OTLP/JSON ExportTraceServiceRequest`,
      { cause: error },
    );
  }
  if (!(json instanceof Map))
    throw new OtlpRequestError('the body is not a JSON object; send an OTLP/JSON ExportTraceServiceRequest ({"resourceSpans": [...]})');
  const object = fromOtlpJson(json);
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    throw new OtlpRequestError('the body is not a JSON object; send an OTLP/JSON ExportTraceServiceRequest ({"resourceSpans": [...]})');
  }
  try {
    return type.fromObject(Object.fromEntries(Object.entries(object)));
  } catch (error) {
    throw new OtlpRequestError(
      `the body is not an OTLP/JSON ExportTraceServiceRequest (${error instanceof Error ? error.message : String(error)}); field names are lowerCamelCase, ids hex, int64 strings or numbers, enums integers`,
      { cause: error },
    );
  }
}

/**
 * Decodes an OTLP ExportTraceServiceRequest (protobuf or OTLP/JSON) to its spans, in order across
 * resource_spans and scope_spans. Throws an OtlpRequestError (400) naming the span and field for a
 * body that is not one, an id of the wrong length, or a span without a name or start time.
 */
export function decodeOtlpTraceRequest(body: Uint8Array, format: OtlpFormat): OtlpSpan[] {
  const message = messageOf(body, format);
  const type = otlpRoot().lookupType(requestTypeName);
  const parsed = requestSchema.safeParse(type.toObject(message, conversion));
  if (!parsed.success) {
    throw new OtlpRequestError(`the request does not have the shape of an ExportTraceServiceRequest: ${z.prettifyError(parsed.error)}`);
  }
  const spans: OtlpSpan[] = [];
  (parsed.data.resourceSpans ?? []).forEach((resourceSpans, resourceIndex) => {
    const resourceAttributes = attributesOf(exactAttributesOf(resourceSpans.resource?.attributes));
    (resourceSpans.scopeSpans ?? []).forEach((scopeSpans, scopeIndex) => {
      (scopeSpans.spans ?? []).forEach((span, spanIndex) => {
        const where = `resourceSpans[${resourceIndex}].scopeSpans[${scopeIndex}].spans[${spanIndex}]`;
        spans.push(spanOf(span, where, resourceAttributes));
      });
    });
  });
  return spans;
}

/**
 * The ExportTraceServiceResponse body for a request taken whole (no partial_success), as protobuf
 * (empty bytes) or OTLP/JSON (`{}`), with `rejectedSpans` and a message when some were not.
 */
export function encodeOtlpTraceResponse(format: OtlpFormat, partialSuccess?: { rejectedSpans: number; errorMessage: string }): Uint8Array {
  const type = otlpRoot().lookupType(responseTypeName);
  const object = partialSuccess ? { partialSuccess } : {};
  if (format === 'protobuf') return type.encode(type.fromObject(object)).finish();
  const json = partialSuccess
    ? { partialSuccess: { rejectedSpans: String(partialSuccess.rejectedSpans), errorMessage: partialSuccess.errorMessage } }
    : {};
  return Buffer.from(JSON.stringify(json), 'utf8');
}
