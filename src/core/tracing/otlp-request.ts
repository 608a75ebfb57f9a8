import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { readOtlpTraceRequest } from './otlp-protobuf.js';
import { OtlpRequestError, type OtlpSpan } from './otlp-span.js';
import { type PyJson, parsePythonJson } from './python-json.js';

export type { JsonValue } from './python-json.js';
export { OtlpRequestError, type OtlpSpan } from './otlp-span.js';

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

/** An OTLP/JSON request as the protobuf bytes of the same message, so both formats are read by one reader. */
function protobufOfJson(body: Uint8Array): Uint8Array {
  const type = otlpRoot().lookupType(requestTypeName);
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
    return type.encode(type.fromObject(Object.fromEntries(Object.entries(object)))).finish();
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
  return readOtlpTraceRequest(format === 'protobuf' ? body : protobufOfJson(body));
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
