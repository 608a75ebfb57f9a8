import { TrellisError } from '../errors.js';
import type { JsonValue, PyObject } from './python-json.js';

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
