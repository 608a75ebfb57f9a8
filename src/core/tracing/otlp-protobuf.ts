/**
 * An OTLP ExportTraceServiceRequest in protobuf, read straight into OtlpSpans: ids to hex, times
 * to bigint, attribute values to Python-held JSON, with nothing built in between. The fields and
 * numbers are those of the vendored .proto files (proto/opentelemetry: trace/v1/trace.proto,
 * common/v1/common.proto, resource/v1/resource.proto); any other field is skipped, as a protobuf
 * parser skips unknown fields. A span service sends tens of kilobytes a trace, so this is the hot path of ingest.
 */
import protobuf from 'protobufjs';
import { OtlpRequestError, type OtlpSpan } from './otlp-span.js';
import { jsonValueOf, type JsonValue, type PyJson, type PyObject } from './python-json.js';

const wireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;
const statusCodes = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

/** Bytes that are not the message: readOtlpTraceRequest turns it into a 400 that says so. */
class MalformedMessage extends Error {}

/** A field of a known number sent with the wrong wire type: the body is not this message. */
function wrongWireType(message: string, field: number, type: number): MalformedMessage {
  return new MalformedMessage(`${message} field ${field} has wire type ${type}, not the one the OTLP .proto gives it`);
}

/** Bytes as hex or base64 without copying them (protobufjs hands out views of the body). */
function textOf(bytes: Uint8Array, encoding: 'hex' | 'base64'): string {
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString(encoding);
}

/**
 * Calls `read(field, wireType)` for each field of the message whose bytes start here (the length
 * read first); `read` returns false for a field it does not know, which is then skipped.
 */
function eachField(reader: protobuf.Reader, end: number, read: (field: number, type: number) => boolean): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const type = tag & 7;
    if (!read(field, type)) reader.skipType(type);
  }
  if (reader.pos !== end) throw new MalformedMessage(`a field ends at byte ${reader.pos}, past the end of its message (byte ${end})`);
}

/** The end of the length-delimited message that starts here. */
function messageEnd(reader: protobuf.Reader): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len)
    throw new MalformedMessage(`a message of ${length} bytes at byte ${reader.pos} runs past the body (${reader.len} bytes)`);
  return end;
}

/** fixed64 as an unsigned bigint (nanoseconds since the epoch need all 64 bits). */
function fixed64(reader: protobuf.Reader): bigint {
  const low = reader.fixed32();
  const high = reader.fixed32();
  return (BigInt(high) << 32n) | BigInt(low);
}

/** int64 varint as a signed bigint. */
function int64(reader: protobuf.Reader): bigint {
  const value: protobuf.Long | number = reader.int64();
  // protobufjs gives a number where no Long library is loaded, exact only up to 2^53.
  if (typeof value === 'number') return BigInt(value);
  return BigInt.asIntN(64, (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0));
}

/** AnyValue as Python's _decode_otel_proto_anyvalue gives it: unset is None, an int exact, a kvlist a dict, bytes base64. */
function anyValue(reader: protobuf.Reader): PyJson {
  let value: PyJson = null;
  eachField(reader, messageEnd(reader), (field, type) => {
    const expected = field === 1 || field >= 5 ? wireType.lengthDelimited : field === 4 ? wireType.fixed64 : wireType.varint;
    if (field > 7) return false;
    if (type !== expected) throw wrongWireType('AnyValue', field, type);
    if (field === 1) value = reader.string();
    else if (field === 2) value = reader.bool();
    else if (field === 3) value = int64(reader);
    else if (field === 4) value = reader.double();
    else if (field === 5) value = arrayValue(reader);
    else if (field === 6) value = keyValues(reader, messageEnd(reader), 1);
    else value = textOf(reader.bytes(), 'base64');
    return true;
  });
  return value;
}

function arrayValue(reader: protobuf.Reader): PyJson[] {
  const values: PyJson[] = [];
  eachField(reader, messageEnd(reader), (field, type) => {
    if (field !== 1) return false;
    if (type !== wireType.lengthDelimited) throw wrongWireType('ArrayValue', field, type);
    values.push(anyValue(reader));
    return true;
  });
  return values;
}

/** One KeyValue into `into` (a later key replaces an earlier one, as a dict does). */
function keyValue(reader: protobuf.Reader, into: PyObject): void {
  let key = '';
  let value: PyJson = null;
  eachField(reader, messageEnd(reader), (field, type) => {
    if (field !== 1 && field !== 2) return false;
    if (type !== wireType.lengthDelimited) throw wrongWireType('KeyValue', field, type);
    if (field === 1) key = reader.string();
    else value = anyValue(reader);
    return true;
  });
  into.set(key, value);
}

/** The repeated KeyValue field `field` of the message ending at `end`, as a Python dict. */
function keyValues(reader: protobuf.Reader, end: number, field: number, other?: (field: number, type: number) => boolean): PyObject {
  const values: PyObject = new Map();
  eachField(reader, end, (number, type) => {
    if (number !== field) return other?.(number, type) ?? false;
    if (type !== wireType.lengthDelimited) throw wrongWireType('attributes', number, type);
    keyValue(reader, values);
    return true;
  });
  return values;
}

/** Attributes as plain JSON (ints past 2^53 rounded). */
function plainOf(exact: PyObject): Record<string, JsonValue> {
  const plain: Record<string, JsonValue> = {};
  for (const [key, value] of exact) plain[key] = typeof value === 'string' ? value : jsonValueOf(value);
  return plain;
}

/** A bytes id as lowercase hex, refused unless it has exactly `length` bytes. */
function hexId(bytes: Uint8Array, length: number, where: string, field: string): string {
  if (bytes.length !== length) {
    throw new OtlpRequestError(
      `${where}: ${field} has ${bytes.length} bytes; OTLP ${field} must be exactly ${length} bytes (${length * 2} hex digits in OTLP/JSON)`,
    );
  }
  return textOf(bytes, 'hex');
}

const noBytes: Uint8Array = new Uint8Array();

function eventOf(reader: protobuf.Reader): OtlpSpan['events'][number] {
  let name = '';
  let timeNs = 0n;
  const exactAttributes = keyValues(reader, messageEnd(reader), 3, (field, type) => {
    if (field === 1 && type === wireType.fixed64) timeNs = fixed64(reader);
    else if (field === 2 && type === wireType.lengthDelimited) name = reader.string();
    else if (field === 1 || field === 2) throw wrongWireType('Span.Event', field, type);
    else return false;
    return true;
  });
  return { name, timeNs, attributes: plainOf(exactAttributes), exactAttributes };
}

/** A link, or undefined where its ids are not 16 and 8 bytes (MLflow drops such links rather than the span). */
function linkOf(reader: protobuf.Reader): NonNullable<OtlpSpan['links']>[number] | undefined {
  let traceId = noBytes;
  let spanId = noBytes;
  const exactAttributes = keyValues(reader, messageEnd(reader), 4, (field, type) => {
    if (field !== 1 && field !== 2) return false;
    if (type !== wireType.lengthDelimited) throw wrongWireType('Span.Link', field, type);
    if (field === 1) traceId = reader.bytes();
    else spanId = reader.bytes();
    return true;
  });
  if (traceId.length !== 16 || spanId.length !== 8) return undefined;
  return { otelTraceId: textOf(traceId, 'hex'), spanId: textOf(spanId, 'hex'), exactAttributes };
}

function statusOf(reader: protobuf.Reader): OtlpSpan['status'] {
  let message = '';
  let code = 0;
  eachField(reader, messageEnd(reader), (field, type) => {
    if (field === 2 && type === wireType.lengthDelimited) message = reader.string();
    else if (field === 3 && type === wireType.varint) code = reader.int32();
    else if (field === 2 || field === 3) throw wrongWireType('Status', field, type);
    else return false;
    return true;
  });
  return { code: statusCodes[code] ?? 'STATUS_CODE_UNSET', message };
}

/** A span; its resource's attributes are the caller's to set (the resource may come after the spans on the wire). */
function spanOf(reader: protobuf.Reader, where: string): OtlpSpan {
  let traceId = noBytes;
  let spanId = noBytes;
  let parentSpanId = noBytes;
  let traceState = '';
  let name = '';
  let kind = 0;
  let startTimeNs = 0n;
  let endTimeNs = 0n;
  const events: OtlpSpan['events'] = [];
  const links: NonNullable<OtlpSpan['links']> = [];
  let status: OtlpSpan['status'] = { code: 'STATUS_CODE_UNSET', message: '' };
  const exactAttributes = keyValues(reader, messageEnd(reader), 9, (field, type) => {
    const expected = field === 6 ? wireType.varint : field === 7 || field === 8 ? wireType.fixed64 : wireType.lengthDelimited;
    const isKnown = (field >= 1 && field <= 8) || field === 11 || field === 13 || field === 15;
    if (!isKnown) return false;
    if (type !== expected) throw wrongWireType(`${where}: Span`, field, type);
    if (field === 1) traceId = reader.bytes();
    else if (field === 2) spanId = reader.bytes();
    else if (field === 3) traceState = reader.string();
    else if (field === 4) parentSpanId = reader.bytes();
    else if (field === 5) name = reader.string();
    else if (field === 6) kind = reader.int32();
    else if (field === 7) startTimeNs = fixed64(reader);
    else if (field === 8) endTimeNs = fixed64(reader);
    else if (field === 11) events.push(eventOf(reader));
    else if (field === 13) {
      const link = linkOf(reader);
      if (link) links.push(link);
    } else status = statusOf(reader);
    return true;
  });
  const otelTraceId = hexId(traceId, 16, where, 'traceId');
  const hexSpanId = hexId(spanId, 8, where, 'spanId');
  const parent = parentSpanId.length > 0 ? hexId(parentSpanId, 8, where, 'parentSpanId') : null;
  if (!name) throw new OtlpRequestError(`${where}: name is missing; every span needs a name`);
  if (startTimeNs <= 0n) {
    throw new OtlpRequestError(
      `${where} ('${name}'): startTimeUnixNano is missing; set it to the span's start in nanoseconds since the epoch`,
    );
  }
  return {
    otelTraceId,
    spanId: hexSpanId,
    parentSpanId: parent,
    traceState,
    name,
    kind,
    startTimeNs,
    endTimeNs: endTimeNs > 0n ? endTimeNs : null,
    attributes: plainOf(exactAttributes),
    exactAttributes,
    events,
    links,
    status,
    resourceAttributes: {},
  };
}

/**
 * The spans of a protobuf ExportTraceServiceRequest, in order across resource_spans and scope_spans.
 * Throws an OtlpRequestError (400) for bytes that are not one (naming where it stopped), an id of the
 * wrong length, or a span without a name or start time.
 */
export function readOtlpTraceRequest(body: Uint8Array): OtlpSpan[] {
  const reader = protobuf.Reader.create(body);
  const spans: OtlpSpan[] = [];
  let resourceIndex = 0;
  try {
    eachField(reader, reader.len, (field, type) => {
      if (field !== 1) return false;
      if (type !== wireType.lengthDelimited) throw wrongWireType('ExportTraceServiceRequest', field, type);
      const end = messageEnd(reader);
      let resourceAttributes: Record<string, JsonValue> = {};
      const resourceSpans: OtlpSpan[] = [];
      let scopeIndex = 0;
      eachField(reader, end, (resourceField, resourceType) => {
        if (resourceField !== 1 && resourceField !== 2) return false;
        if (resourceType !== wireType.lengthDelimited) throw wrongWireType('ResourceSpans', resourceField, resourceType);
        if (resourceField === 1) {
          resourceAttributes = plainOf(keyValues(reader, messageEnd(reader), 1));
          return true;
        }
        let spanIndex = 0;
        eachField(reader, messageEnd(reader), (scopeField, scopeType) => {
          if (scopeField !== 2) return false;
          if (scopeType !== wireType.lengthDelimited) throw wrongWireType('ScopeSpans', scopeField, scopeType);
          const where = `resourceSpans[${resourceIndex}].scopeSpans[${scopeIndex}].spans[${spanIndex}]`;
          resourceSpans.push(spanOf(reader, where));
          spanIndex += 1;
          return true;
        });
        scopeIndex += 1;
        return true;
      });
      for (const span of resourceSpans) {
        span.resourceAttributes = resourceAttributes;
        spans.push(span);
      }
      resourceIndex += 1;
      return true;
    });
  } catch (error) {
    if (error instanceof OtlpRequestError) throw error;
    throw new OtlpRequestError(
      `the body is not a protobuf ExportTraceServiceRequest (${error instanceof Error ? error.message : String(error)}); send OTLP/HTTP protobuf with Content-Type application/x-protobuf, or OTLP/JSON with application/json`,
      { cause: error },
    );
  }
  return spans;
}
