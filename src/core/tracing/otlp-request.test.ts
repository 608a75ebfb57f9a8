import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { decodeOtlpTraceRequest, encodeOtlpTraceResponse, type OtlpSpan } from './otlp-request.js';

const fixtures = new URL('../../../test/fixtures/otlp/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, fixtures));
const base64ToHex = (base64: string): string => Buffer.from(base64, 'base64').toString('hex');

/** A one-span OTLP/JSON request with `span` merged over a valid span. */
function jsonRequest(span: Record<string, unknown>): Uint8Array {
  const valid = {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    name: 'op',
    startTimeUnixNano: '1544712660000000000',
    endTimeUnixNano: '1544712661000000000',
  };
  return Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ ...valid, ...span }] }] }] }));
}

function assertRefused(decode: () => unknown, message: RegExp): void {
  assert.throws(decode, { code: 'InvalidOtlpRequest', status: 400, statusCode: 400, message });
}

describe('decodeOtlpTraceRequest', () => {
  it('decodes the protobuf request MLflow 3.17.2 sends, span for span as MLflow holds them', () => {
    const spans = decodeOtlpTraceRequest(fixture('mlflow-request.pb'), 'protobuf');
    const dicts: { spans: Record<string, unknown>[] } = JSON.parse(fixture('mlflow-span-dicts.json').toString('utf8'));
    assert.equal(spans.length, dicts.spans.length);
    spans.forEach((span, index) => {
      const dict = dicts.spans[index] ?? {};
      assert.equal(span.otelTraceId, base64ToHex(String(dict.trace_id)));
      assert.equal(span.spanId, base64ToHex(String(dict.span_id)));
      assert.equal(span.parentSpanId, dict.parent_span_id ? base64ToHex(String(dict.parent_span_id)) : null);
      assert.equal(span.name, dict.name);
    });
    // Times are exact to the nanosecond: read them from the fixture's text, not through a JS number.
    const text = fixture('mlflow-span-dicts.json').toString('utf8');
    const starts = [...text.matchAll(/"start_time_unix_nano": (\d+)/g)].map((match) => BigInt(match[1] ?? '0'));
    assert.deepEqual(
      spans.map((span) => span.startTimeNs),
      starts,
    );
    const retrieve = spans.find((span) => span.name === 'retrieve');
    assert.ok(retrieve);
    assert.deepEqual(retrieve.attributes['mlflow.spanInputs'], { query: 'What is the weather in Paris?' });
    assert.deepEqual(retrieve.attributes['mlflow.spanOutputs'], [{ doc: 'Paris is in France' }, { doc: 'naïve café ✓' }]);
    assert.equal(retrieve.attributes.k, 3);
    assert.equal(retrieve.attributes.score, 0.75);
    assert.equal(retrieve.attributes.flag, true);
    assert.deepEqual(retrieve.events[0]?.attributes, { key: 'q1', size: 4 });
    const failing = spans.find((span) => span.name === 'failing_call');
    assert.deepEqual(failing?.status, { code: 'STATUS_CODE_ERROR', message: 'ValueError: model is overloaded' });
    assert.equal(failing?.events[0]?.name, 'exception');
    assert.match(String(failing?.events[0]?.attributes['exception.message']), /model is overloaded/);
  });

  it('decodes the plain OpenTelemetry SDK request: kinds, trace state, resource, every AnyValue type', () => {
    const spans = decodeOtlpTraceRequest(fixture('otel-sdk-request.pb'), 'protobuf');
    assert.equal(spans.length, 2);
    const root = spans.find((span) => span.parentSpanId === null);
    const child = spans.find((span) => span.parentSpanId !== null);
    assert.ok(root && child);
    assert.equal(child.parentSpanId, root.spanId);
    assert.equal(child.otelTraceId, root.otelTraceId);
    assert.match(root.otelTraceId, /^[0-9a-f]{32}$/);
    assert.match(root.spanId, /^[0-9a-f]{16}$/);
    assert.equal(root.kind, 2);
    assert.equal(child.kind, 3);
    assert.equal(root.traceState, 'vendor=abc');
    assert.deepEqual(root.resourceAttributes, { 'service.name': 'checkout', 'service.version': '1.2.3' });
    assert.deepEqual(root.attributes, {
      'http.method': 'POST',
      'http.status_code': 500,
      'sampling.ratio': 0.25,
      retry: false,
      items: ['a', 'b'],
      raw: Buffer.from([0, 1, 0xfe]).toString('base64'),
      deployment: { region: 'eu' },
    });
    assert.deepEqual(child.status, { code: 'STATUS_CODE_ERROR', message: 'card declined' });
    assert.deepEqual(
      child.events.map((event) => [event.name, event.attributes]),
      [['payment.declined', { code: 51, reason: 'insufficient funds' }]],
    );
    assert.ok(root.endTimeNs !== null && root.endTimeNs > root.startTimeNs);
  });

  it('reads OTLP/JSON (hex ids, int64 as strings) to the same spans as the protobuf', () => {
    const fromJson = decodeOtlpTraceRequest(fixture('otel-sdk-request.json'), 'json');
    const fromProtobuf = decodeOtlpTraceRequest(fixture('otel-sdk-request.pb'), 'protobuf');
    assert.deepEqual(fromJson, fromProtobuf);
  });

  it('reads OTLP/JSON with int64 as numbers past 2^53 exactly, enums as integers, and base64 ids too', () => {
    const body = Buffer.from(
      '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"W47/95gDgQPSabYzgT/GDA==","spanId":"7uGbfsPBsXQ=",' +
        '"name":"op","kind":3,"startTimeUnixNano":1544712660123456789,"endTimeUnixNano":"1544712661987654321",' +
        '"status":{"code":2,"message":"boom"},"attributes":[{"key":"n","value":{"intValue":"7"}},{"key":"x","value":{"doubleValue":1.5}}]}]}]}]}',
    );
    const [span] = decodeOtlpTraceRequest(body, 'json');
    assert.ok(span);
    assert.equal(span.otelTraceId, '5b8efff798038103d269b633813fc60c');
    assert.equal(span.spanId, 'eee19b7ec3c1b174');
    assert.equal(span.startTimeNs, 1544712660123456789n);
    assert.equal(span.endTimeNs, 1544712661987654321n);
    assert.equal(span.kind, 3);
    assert.deepEqual(span.status, { code: 'STATUS_CODE_ERROR', message: 'boom' });
    assert.deepEqual(span.attributes, { n: 7, x: 1.5 });
  });

  it('keeps int and double apart and ints exact in exactAttributes; keeps links with valid ids, drops the rest', () => {
    const [span] = decodeOtlpTraceRequest(
      jsonRequest({
        attributes: [
          { key: 'whole', value: { doubleValue: 1.0 } },
          { key: 'big', value: { intValue: '1152921504606846977' } },
        ],
        links: [
          {
            traceId: '000000000000000000000000000000aa',
            spanId: '00000000000000bb',
            attributes: [{ key: 'k', value: { stringValue: 'v' } }],
          },
          { traceId: '00000000000000000000000000000000aa', spanId: '00000000000000bb' },
        ],
      }),
      'json',
    );
    assert.deepEqual(
      span?.exactAttributes,
      new Map<string, unknown>([
        ['whole', 1],
        ['big', 1152921504606846977n],
      ]),
    );
    // The plain-JSON view rounds past 2^53; exactAttributes does not.
    assert.deepEqual(span?.attributes, { whole: 1, big: Number(1152921504606846977n) });
    assert.deepEqual(span?.links, [
      { otelTraceId: '000000000000000000000000000000aa', spanId: '00000000000000bb', exactAttributes: new Map([['k', 'v']]) },
    ]);
  });

  it('reads the proto field names (snake_case) as protobuf JSON parsers do', () => {
    const body = Buffer.from(
      JSON.stringify({
        resource_spans: [
          {
            scope_spans: [
              {
                spans: [
                  {
                    trace_id: '5b8efff798038103d269b633813fc60c',
                    span_id: 'eee19b7ec3c1b174',
                    parent_span_id: '00000000000000aa',
                    name: 'op',
                    start_time_unix_nano: '1544712660123456789',
                    attributes: [{ key: 'a_b', value: { int_value: '3' } }],
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const [span] = decodeOtlpTraceRequest(body, 'json');
    assert.deepEqual(
      [span?.otelTraceId, span?.parentSpanId, span?.startTimeNs, span?.attributes],
      ['5b8efff798038103d269b633813fc60c', '00000000000000aa', 1544712660123456789n, { a_b: 3 }],
    );
  });

  it('gives a root an empty parent as null and an unset end time as null', () => {
    const [span] = decodeOtlpTraceRequest(jsonRequest({ parentSpanId: '', endTimeUnixNano: undefined }), 'json');
    const expected: Partial<OtlpSpan> = { parentSpanId: null, endTimeNs: null };
    assert.deepEqual({ parentSpanId: span?.parentSpanId, endTimeNs: span?.endTimeNs }, expected);
  });

  it('refuses malformed protobuf', () => {
    assertRefused(
      () => decodeOtlpTraceRequest(Uint8Array.from([0x0a, 0xff, 0xff, 0x01]), 'protobuf'),
      /not a protobuf ExportTraceServiceRequest.*application\/x-protobuf/,
    );
  });

  it('refuses a body that is not JSON, or not an object', () => {
    assertRefused(() => decodeOtlpTraceRequest(Buffer.from('{"resourceSpans": ['), 'json'), /not JSON/);
    assertRefused(() => decodeOtlpTraceRequest(Buffer.from('[1]'), 'json'), /not a JSON object/);
    assertRefused(() => decodeOtlpTraceRequest(Buffer.from('{"resourceSpans": 5}'), 'json'), /resourceSpans/);
  });

  it('refuses ids of the wrong length, naming the span and the field', () => {
    assertRefused(
      () => decodeOtlpTraceRequest(jsonRequest({ traceId: 'abcd' }), 'json'),
      /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]: traceId has 2 bytes.*exactly 16 bytes/,
    );
    assertRefused(() => decodeOtlpTraceRequest(jsonRequest({ traceId: '' }), 'json'), /spans\[0\]: traceId has 0 bytes/);
    assertRefused(() => decodeOtlpTraceRequest(jsonRequest({ spanId: 'eee19b7ec3c1b1' }), 'json'), /spanId has 7 bytes.*exactly 8/);
    assertRefused(() => decodeOtlpTraceRequest(jsonRequest({ parentSpanId: '00' }), 'json'), /parentSpanId has 1 bytes/);
  });

  it('refuses a span without a name or a start time', () => {
    assertRefused(() => decodeOtlpTraceRequest(jsonRequest({ name: '' }), 'json'), /spans\[0\]: name is missing/);
    assertRefused(
      () => decodeOtlpTraceRequest(jsonRequest({ startTimeUnixNano: undefined }), 'json'),
      /spans\[0\] \('op'\): startTimeUnixNano is missing/,
    );
  });

  it('reads the resource where it comes after the spans, and skips fields it does not know', () => {
    const writer = protobuf.Writer.create();
    // ExportTraceServiceRequest.resource_spans (1) { scope_spans (2) { spans (2) { ... } }, resource (1) { attributes (1) } }
    const span = protobuf.Writer.create();
    span.uint32((1 << 3) | 2).bytes(Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'));
    span.uint32((2 << 3) | 2).bytes(Buffer.from('eee19b7ec3c1b174', 'hex'));
    span.uint32((5 << 3) | 2).string('op');
    span.uint32((7 << 3) | 1).fixed64(1544712660123456789n.toString());
    span.uint32((16 << 3) | 5).fixed32(0x301); // flags: known to OTLP, not needed here
    span.uint32((99 << 3) | 2).string('a field of a later OTLP version');
    const scope = protobuf.Writer.create();
    scope.uint32((2 << 3) | 2).bytes(span.finish());
    const keyValue = protobuf.Writer.create();
    keyValue.uint32((1 << 3) | 2).string('service.name');
    keyValue.uint32((2 << 3) | 2).bytes(
      protobuf.Writer.create()
        .uint32((1 << 3) | 2)
        .string('late')
        .finish(),
    );
    const resource = protobuf.Writer.create();
    resource.uint32((1 << 3) | 2).bytes(keyValue.finish());
    const resourceSpans = protobuf.Writer.create();
    resourceSpans.uint32((2 << 3) | 2).bytes(scope.finish());
    resourceSpans.uint32((1 << 3) | 2).bytes(resource.finish());
    writer.uint32((1 << 3) | 2).bytes(resourceSpans.finish());
    const [decoded] = decodeOtlpTraceRequest(writer.finish(), 'protobuf');
    assert.deepEqual(
      [decoded?.name, decoded?.startTimeNs, decoded?.endTimeNs, decoded?.resourceAttributes],
      ['op', 1544712660123456789n, null, { 'service.name': 'late' }],
    );
  });

  it('refuses protobuf whose known fields have the wrong wire type, or run past their message', () => {
    // resource_spans (field 1) sent as a varint.
    assertRefused(
      () => decodeOtlpTraceRequest(Uint8Array.from([0x08, 0x01]), 'protobuf'),
      /not a protobuf ExportTraceServiceRequest \(ExportTraceServiceRequest field 1 has wire type 0/,
    );
    // resource_spans of 3 bytes holding a scope_spans field that claims 5.
    assertRefused(() => decodeOtlpTraceRequest(Uint8Array.from([0x0a, 0x03, 0x12, 0x05, 0x00]), 'protobuf'), /runs past the body/);
  });

  it('returns no spans for an empty request', () => {
    assert.deepEqual(decodeOtlpTraceRequest(new Uint8Array(), 'protobuf'), []);
    assert.deepEqual(decodeOtlpTraceRequest(Buffer.from('{}'), 'json'), []);
  });
});

describe('encodeOtlpTraceResponse', () => {
  it('answers an empty ExportTraceServiceResponse, or one with partial_success', () => {
    assert.equal(encodeOtlpTraceResponse('protobuf').length, 0);
    assert.equal(Buffer.from(encodeOtlpTraceResponse('json')).toString('utf8'), '{}');
    const partial = { rejectedSpans: 2, errorMessage: 'two spans had no name' };
    assert.deepEqual(JSON.parse(Buffer.from(encodeOtlpTraceResponse('json', partial)).toString('utf8')), {
      partialSuccess: { rejectedSpans: '2', errorMessage: 'two spans had no name' },
    });
    const encoded = encodeOtlpTraceResponse('protobuf', partial);
    // Field 1 (partial_success), a message holding field 1 (rejected_spans = 2) and field 2 (the message).
    assert.equal(encoded[0], 0x0a);
    assert.ok(Buffer.from(encoded).includes(Buffer.from('two spans had no name')));
  });
});
