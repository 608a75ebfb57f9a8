import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { exactOtelSpanJsonOf, otelSpanJsonOf, storedSpanOf } from './mlflow-span.js';
import { fastOtelSpanJsonOf } from './otel-span-json-fast.js';
import { decodeOtlpTraceRequest, type OtlpSpan } from './otlp-request.js';
import { dumpPythonJson, type PyJson } from './python-json.js';

const fixtures = new URL('../../../test/fixtures/otlp/', import.meta.url);
const fixtureSpans = (): OtlpSpan[] => [
  ...decodeOtlpTraceRequest(readFileSync(new URL('mlflow-request.pb', fixtures)), 'protobuf'),
  ...decodeOtlpTraceRequest(readFileSync(new URL('otel-sdk-request.pb', fixtures)), 'protobuf'),
  ...decodeOtlpTraceRequest(
    Buffer.from(JSON.stringify(JSON.parse(readFileSync(new URL('summary-cases.json', fixtures), 'utf8')).request)),
    'json',
  ),
];

const span = (overrides: Partial<OtlpSpan>): OtlpSpan => ({
  otelTraceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  parentSpanId: 'aaa19b7ec3c1b174',
  traceState: '',
  name: 'op',
  kind: 1,
  startTimeNs: 1544712660123456789n,
  endTimeNs: 1544712661987654321n,
  attributes: {},
  events: [],
  status: { code: 'STATUS_CODE_OK', message: '' },
  resourceAttributes: {},
  ...overrides,
});

/** Attribute values as stored JSON text, the tricky ones for JSON.parse. */
const trickyAttributes: Record<string, string> = {
  wholeFloat: '1.0',
  floatInList: '[1, 2.50, 3.0]',
  exponent: '2e3',
  bigInt: '123456789012345678901',
  integerKeys: '{"b": 1, "1": 2}',
  nan: '{"loss": NaN}',
  plain: 'gpt-4o-mini',
  digitsThenText: '5 apples',
  empty: '',
  nested: '{"messages": [{"role": "user", "content": "hi"}], "temperature": 0.2, "top_k": 5, "stop": null, "stream": false}',
  jsonString: '"\\"quoted\\" text"',
  negativeZero: '-0',
  spaced: '  [1, 2]  ',
};

describe('fastOtelSpanJsonOf', () => {
  it('gives what the exact reader gives, for every fixture span and tricky attribute values', () => {
    const spans = [
      ...fixtureSpans(),
      span({ attributes: trickyAttributes }),
      span({
        attributes: { 'mlflow.spanInputs': '{"q": "x"}' },
        events: [{ name: 'tool_call', timeNs: 1544712660523456789n, attributes: { tool: 'calc' } }],
      }),
      span({ events: [{ name: 'with numbers', timeNs: 1544712660523456789n, attributes: { count: 2, ratio: 1.5 } }] }),
      span({ events: [{ name: '', timeNs: 1544712660523456789n, attributes: { time_unix_nano: 'a key of the same name' } }] }),
      span({ name: 'with "quotes" and \\ backslashes "start_time_unix_nano": 1', endTimeNs: null }),
      span({ status: { code: 'STATUS_CODE_ERROR', message: 'it failed' }, parentSpanId: null }),
    ];
    let taken = 0;
    for (const stored of spans.map(storedSpanOf)) {
      const exact = exactOtelSpanJsonOf(stored.content);
      assert.deepEqual(otelSpanJsonOf(stored.content), exact, stored.name);
      if (fastOtelSpanJsonOf(stored.content, () => ({})) !== undefined) taken++;
    }
    assert.ok(taken >= spans.length / 2, `the quick way taken for ${taken} of ${spans.length} spans`);
  });

  it('gives up where JSON.parse would read otherwise: a number in an event attribute, a key of the same name as the event time', () => {
    const withNumber = storedSpanOf(span({ events: [{ name: 'e', timeNs: 1n, attributes: { count: 2 } }] })).content;
    assert.equal(
      fastOtelSpanJsonOf(withNumber, () => ({})),
      undefined,
    );
    const sameKey = storedSpanOf(span({ events: [{ name: 'e', timeNs: 1n, attributes: { time_unix_nano: 'x' } }] })).content;
    assert.equal(
      fastOtelSpanJsonOf(sameKey, () => ({})),
      undefined,
    );
  });

  it('reads a content written otherwise (keys in another order) the exact way', () => {
    const dict = new Map<string, PyJson>([
      ['name', 'op'],
      ['trace_id', 'W47/95gDgQPSabYzgT/GDA=='],
      ['span_id', '7uGbfsPBsXQ='],
      ['start_time_unix_nano', 1544712660123456789n],
      ['attributes', new Map([['a', '1.0']])],
    ]);
    const content = dumpPythonJson(dict);
    assert.equal(
      fastOtelSpanJsonOf(content, () => ({})),
      undefined,
    );
    assert.deepEqual(otelSpanJsonOf(content), exactOtelSpanJsonOf(content));
  });
});
