import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { otelSpanJsonOf, type StoredSpan, storedSpanFromMlflowDict, storedSpanOf, traceDataJsonOf } from './mlflow-span.js';
import { decodeOtlpTraceRequest, type OtlpSpan } from './otlp-request.js';

const fixtures = new URL('../../../test/fixtures/otlp/', import.meta.url);
const fixtureText = (name: string): string => readFileSync(new URL(name, fixtures), 'utf8');
const mlflowSpans = (): OtlpSpan[] => decodeOtlpTraceRequest(readFileSync(new URL('mlflow-request.pb', fixtures)), 'protobuf');
const sdkSpans = (): OtlpSpan[] => decodeOtlpTraceRequest(readFileSync(new URL('otel-sdk-request.pb', fixtures)), 'protobuf');

interface StoredRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  type: string | null;
  status: string;
  content: string;
}
const storedRows = (): StoredRow[] => JSON.parse(fixtureText('mlflow-stored.json')).rows;

/** `text` with each member's number of 16 digits or more quoted, so JSON.parse keeps nanosecond times exact (JSON text inside strings untouched). */
const exactTimes = (text: string): string => text.replace(/("[\w.]+": )(\d{16,})(?=[,\n}\]])/g, '$1"$2"');

function otlpSpan(overrides: Partial<OtlpSpan>): OtlpSpan {
  return {
    otelTraceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    parentSpanId: null,
    traceState: '',
    name: 'op',
    kind: 1,
    startTimeNs: 1544712660123456789n,
    endTimeNs: 1544712661987654321n,
    attributes: {},
    events: [],
    status: { code: 'STATUS_CODE_UNSET', message: '' },
    resourceAttributes: {},
    ...overrides,
  };
}

describe('storedSpanOf', () => {
  it("writes, byte for byte, the content and columns MLflow 3.17.2's SQL store writes for the same OTLP spans", () => {
    const stored = mlflowSpans().map(storedSpanOf);
    const rows = storedRows();
    assert.equal(stored.length, rows.length);
    for (const row of rows) {
      const span = stored.find((candidate) => candidate.spanId === row.span_id);
      assert.ok(span, `span ${row.name}`);
      assert.equal(span.content, row.content, row.name);
      assert.deepEqual(
        [span.traceId, span.parentSpanId, span.name, span.spanType, span.status],
        [row.trace_id, row.parent_span_id, row.name, row.type, row.status],
      );
    }
  });

  it('matches MLflow for spans from an OpenTelemetry client too: whole doubles, ints past 2^53, tiny floats, links, open spans', () => {
    const cases = JSON.parse(fixtureText('summary-cases.json'));
    const stored = decodeOtlpTraceRequest(Buffer.from(JSON.stringify(cases.request)), 'json').map(storedSpanOf);
    const rows: { span_id: string; content: string }[] = cases.rows;
    assert.equal(rows.length, stored.length);
    for (const row of rows) {
      assert.equal(stored.find((span) => span.spanId === row.span_id && row.content.includes(span.traceId))?.content, row.content);
    }
    const llm = stored.find((span) => span.name === 'llm');
    assert.match(llm?.content ?? '', /"gen_ai.request.temperature": "1.0", "big": "1152921504606846977", "tiny": "1e-07"/);
  });

  it('copies the service name of a known agent CLI onto root spans only, as MLflow does', () => {
    const resourceAttributes = { 'service.name': 'claude-code' };
    assert.match(storedSpanOf(otlpSpan({ resourceAttributes })).content, /"service.name": "\\"claude-code\\""/);
    assert.doesNotMatch(storedSpanOf(otlpSpan({ resourceAttributes, parentSpanId: '00000000000000aa' })).content, /service.name/);
    assert.doesNotMatch(storedSpanOf(otlpSpan({ resourceAttributes: { 'service.name': 'checkout' } })).content, /service.name/);
  });

  it('keeps times exact: microseconds in the columns, nanoseconds in the content', () => {
    const span = storedSpanOf(otlpSpan({}));
    assert.equal(span.startTimeUs, 1544712660123456);
    assert.equal(span.endTimeUs, 1544712661987654);
    assert.match(span.content, /"start_time_unix_nano": 1544712660123456789, "end_time_unix_nano": 1544712661987654321/);
    const open = storedSpanOf(otlpSpan({ endTimeNs: null }));
    assert.equal(open.endTimeUs, null);
    // MLflow's ingest keeps OTLP's 0 for "not ended"; its readers take 0 and null alike.
    assert.match(open.content, /"end_time_unix_nano": 0,/);
  });

  it('takes the trace id from the OTLP trace id, never from a client-sent mlflow.traceRequestId (as MLflow does)', () => {
    const span = storedSpanOf(otlpSpan({ attributes: { 'mlflow.traceRequestId': 'tr-someone-elses', a: 1 } }));
    assert.equal(span.traceId, 'tr-5b8efff798038103d269b633813fc60c');
    assert.match(span.content, /"attributes": \{"mlflow.traceRequestId": "\\"tr-5b8efff798038103d269b633813fc60c\\"", "a": "1"\}/);
  });

  it('stores attribute values as JSON text, once: JSON text in a string is not dumped twice', () => {
    const span = storedSpanOf(
      otlpSpan({
        attributes: {
          plain: 'POST',
          number: 2,
          ratio: 0.25,
          list: ['a', 1],
          object: { b: [true, null] },
          jsonText: '{"messages": [{"role": "user", "content": "hi"}]}',
          quotedNumber: '"5"',
          numberText: '123',
        },
      }),
    );
    const attributes = JSON.parse(span.content).attributes;
    assert.deepEqual(attributes, {
      plain: '"POST"',
      number: '2',
      ratio: '0.25',
      list: '["a", 1]',
      object: '{"b": [true, null]}',
      jsonText: '{"messages": [{"role": "user", "content": "hi"}]}',
      quotedNumber: '"5"',
      numberText: '"123"',
      'mlflow.traceRequestId': '"tr-5b8efff798038103d269b633813fc60c"',
    });
  });

  it('keeps an error status with its message, and drops the message of any other status as OpenTelemetry does', () => {
    const error = storedSpanOf(otlpSpan({ status: { code: 'STATUS_CODE_ERROR', message: 'boom' } }));
    assert.equal(error.status, 'ERROR');
    assert.match(error.content, /"status": \{"code": "STATUS_CODE_ERROR", "message": "boom"\}/);
    const ok = storedSpanOf(otlpSpan({ status: { code: 'STATUS_CODE_OK', message: 'ignored' } }));
    assert.equal(ok.status, 'OK');
    assert.match(ok.content, /"status": \{"code": "STATUS_CODE_OK", "message": ""\}/);
    assert.equal(storedSpanOf(otlpSpan({})).status, 'UNSET');
  });

  it('stores spans of a trace MLflow did not start (plain OpenTelemetry SDK) with no span type', () => {
    const stored = sdkSpans().map(storedSpanOf);
    const root = stored.find((span) => span.parentSpanId === null);
    const child = stored.find((span) => span.parentSpanId !== null);
    assert.ok(root && child);
    assert.equal(root.spanType, null);
    assert.equal(child.parentSpanId, root.spanId);
    assert.equal(root.traceId, child.traceId);
    const content = JSON.parse(root.content);
    assert.equal(content.attributes['http.status_code'], '500');
    assert.equal(content.attributes.deployment, '{"region": "eu"}');
  });
});

describe('storedSpanFromMlflowDict', () => {
  it("reads each span of a client's traces.json to the same stored span as the OTLP path", () => {
    const dicts = JSON.parse(exactTimes(fixtureText('mlflow-span-dicts.json'))).spans;
    const fromOtlp = mlflowSpans().map(storedSpanOf);
    dicts.forEach((dict: unknown, index: number) => {
      const span = storedSpanFromMlflowDict(dict, index);
      const expected = fromOtlp[index];
      assert.ok(expected);
      assert.deepEqual({ ...span, content: JSON.parse(span.content) }, { ...expected, content: JSON.parse(expected.content) });
    });
  });

  it('reads MLflow 3.5.0 hex ids and the v2 schema (context, parent_id, status_code)', () => {
    const attributes = { 'mlflow.traceRequestId': '"tr-5b8efff798038103d269b633813fc60c"', 'mlflow.spanType': '"LLM"' };
    const hex = storedSpanFromMlflowDict(
      {
        trace_id: 'tr-5b8efff798038103d269b633813fc60c',
        span_id: 'eee19b7ec3c1b174',
        parent_span_id: null,
        name: 'chat',
        start_time_unix_nano: '1544712660123456789',
        end_time_unix_nano: null,
        events: [],
        status: { code: 'OK', message: '' },
        attributes,
      },
      0,
    );
    assert.deepEqual(
      [hex.traceId, hex.spanId, hex.parentSpanId, hex.spanType, hex.status, hex.startTimeUs, hex.endTimeUs],
      ['tr-5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174', null, 'LLM', 'OK', 1544712660123456, null],
    );
    assert.match(hex.content, /"trace_id": "W47\/95gDgQPSabYzgT\/GDA==", "span_id": "7uGbfsPBsXQ="/);
    const v2 = storedSpanFromMlflowDict(
      {
        name: 'chat',
        context: { trace_id: '0x5b8efff798038103d269b633813fc60c', span_id: '0x00000000000000aa' },
        parent_id: '0x00000000000000bb',
        start_time: 1544712660123456,
        end_time: 1544712661123456,
        status_code: 'ERROR',
        status_message: 'boom',
        attributes,
        events: [{ name: 'exception', timestamp: 1544712660223456, attributes: { 'exception.message': 'boom' } }],
      },
      3,
    );
    assert.deepEqual([v2.spanId, v2.parentSpanId, v2.status], ['00000000000000aa', '00000000000000bb', 'ERROR']);
    assert.match(
      v2.content,
      /"events": \[\{"name": "exception", "time_unix_nano": 1544712660223456, "attributes": \{"exception.message": "boom"\}\}\]/,
    );
  });

  it('refuses a bad span, naming its index and the field', () => {
    const valid = {
      trace_id: 'W47/95gDgQPSabYzgT/GDA==',
      span_id: '7uGbfsPBsXQ=',
      parent_span_id: null,
      name: 'op',
      start_time_unix_nano: 1544712660123456,
      end_time_unix_nano: null,
      events: [],
      status: { code: 'STATUS_CODE_OK', message: '' },
      attributes: { 'mlflow.traceRequestId': '"tr-5b8efff798038103d269b633813fc60c"' },
    };
    const refused = (dict: unknown, message: RegExp) =>
      assert.throws(() => storedSpanFromMlflowDict(dict, 4), { code: 'InvalidSpan', status: 400, message });
    refused('span', /spans\[4\]: \(the span\) must be a JSON object/);
    refused({ ...valid, attributes: {} }, /spans\[4\]: attributes\["mlflow.traceRequestId"\] is missing/);
    refused({ ...valid, trace_id: 'AAAA' }, /spans\[4\]: trace_id must be a 16-byte trace id/);
    refused({ ...valid, span_id: undefined }, /spans\[4\]: span_id must be an 8-byte span id/);
    refused({ ...valid, parent_span_id: 'AA==' }, /spans\[4\]: parent_span_id must be/);
    refused({ ...valid, name: '' }, /spans\[4\]: name is missing/);
    refused({ ...valid, start_time_unix_nano: null }, /spans\[4\]: start_time_unix_nano is missing/);
    refused({ ...valid, end_time_unix_nano: 'soon' }, /spans\[4\]: end_time_unix_nano must be nanoseconds/);
    refused({ ...valid, status: { code: 'FINE' } }, /spans\[4\]: status.code must be one of/);
    refused({ ...valid, events: {} }, /spans\[4\]: events must be a list/);
    refused({ name: 'x', context: { trace_id: 'zz' } }, /spans\[4\]: context.trace_id must be/);
  });
});

/** The protobuf JSON MLflow's server answers GetTrace with, int64 times as decimal strings. */
function getTraceFixture(): { trace_info: unknown; spans: Record<string, unknown>[] } {
  return JSON.parse(exactTimes(fixtureText('mlflow-get-trace.json')));
}

describe('otelSpanJsonOf', () => {
  it("gives each span as MLflow's server does in a GetTrace reply (int64 as strings, the proto JSON form)", () => {
    const expected = getTraceFixture().spans;
    const stored = mlflowSpans().map(storedSpanOf);
    assert.equal(expected.length, stored.length);
    for (const span of stored) {
      const json = otelSpanJsonOf(span.content);
      const mlflows = expected.find((candidate) => candidate.name === span.name);
      assert.deepEqual(json, mlflows, span.name);
    }
  });

  it("gives links and typed attribute values (double 1.0, ints past 2^53) as MLflow's server does", () => {
    const cases = JSON.parse(exactTimes(fixtureText('summary-cases.json')));
    const stored = decodeOtlpTraceRequest(Buffer.from(JSON.stringify(cases.request)), 'json').map(storedSpanOf);
    const expected: Record<string, unknown>[] = cases.trace_1.spans;
    for (const mlflows of expected) {
      const span = stored.find(
        (candidate) => candidate.traceId === 'tr-00000000000000000000000000000001' && candidate.name === mlflows.name,
      );
      assert.deepEqual(otelSpanJsonOf(span?.content ?? '{}'), mlflows, String(mlflows.name));
    }
  });

  it('gives a root no parent, an open span no end, an unset status no code', () => {
    const json = otelSpanJsonOf(storedSpanOf(otlpSpan({ endTimeNs: null, attributes: { empty: [], none: null } })).content);
    assert.deepEqual(json, {
      trace_id: 'W47/95gDgQPSabYzgT/GDA==',
      span_id: '7uGbfsPBsXQ=',
      name: 'op',
      start_time_unix_nano: '1544712660123456789',
      attributes: [
        { key: 'empty', value: { array_value: {} } },
        { key: 'none', value: {} },
        { key: 'mlflow.traceRequestId', value: { string_value: 'tr-5b8efff798038103d269b633813fc60c' } },
      ],
      status: {},
    });
  });

  it('refuses content that is not a span dict', () => {
    assert.throws(() => otelSpanJsonOf('{"name": '), { code: 'CorruptSpan', status: 500 });
    assert.throws(() => otelSpanJsonOf('[]'), { code: 'CorruptSpan', status: 500 });
  });
});

describe('traceDataJsonOf', () => {
  it("writes MLflow's traces.json body, which reads back span for span", () => {
    const stored = mlflowSpans().map(storedSpanOf);
    const body = traceDataJsonOf(stored.map((span) => span.content));
    const spans = JSON.parse(exactTimes(body)).spans;
    assert.equal(spans.length, stored.length);
    spans.forEach((dict: unknown, index: number) => {
      assert.equal(storedSpanFromMlflowDict(dict, index).content, stored[index]?.content);
    });
    assert.equal(traceDataJsonOf([]), '{"spans": []}');
  });
});

const venvPython = fileURLToPath(new URL('../../../.cache/python-venv/bin/python', import.meta.url));
const python = process.env.TRELLIS_TEST_PYTHON ?? (existsSync(venvPython) ? venvPython : undefined);

interface ClientSpan {
  trace_id: string;
  span_id: string;
  parent_id: string | null;
  name: string;
  start_time_ns: string;
  end_time_ns: string | null;
  status: string;
  status_message: string;
  span_type: string | null;
  inputs: unknown;
  outputs: unknown;
  attributes: Record<string, unknown>;
  events: { name: string; timestamp: string; attributes: Record<string, unknown> }[];
  links: { trace_id: string; span_id: string; attributes: Record<string, unknown> | null }[];
}

/** Runs the real MLflow client's Trace.from_proto(ParseDict(...)) (and Span.from_dict) in the venv. */
function parseWithMlflow(
  spans: StoredSpan[],
  spanDictsText = 'null',
): { from_proto: ClientSpan[]; from_dict?: ClientSpan[]; text: string } {
  const trace = { trace_info: getTraceFixture().trace_info, spans: spans.map((span) => otelSpanJsonOf(span.content)) };
  const result = spawnSync(python ?? 'python', [fileURLToPath(new URL('parse-with-mlflow.py', fixtures))], {
    // The traces.json text goes as it is, so Python reads its nanosecond times exactly.
    input: `{"trace": ${JSON.stringify(trace)}, "span_dicts": ${spanDictsText}}`,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(result.status, 0, result.stderr);
  return { ...JSON.parse(result.stdout), text: result.stdout };
}

describe('otelSpanJsonOf in the real MLflow 3.17.2 client', {
  skip: python ? false : 'no Python venv (.cache/python-venv or TRELLIS_TEST_PYTHON)',
}, () => {
  it("parses with Trace.from_proto to the spans MLflow's own client holds: names, parents, inputs, outputs, exact times", () => {
    const stored = mlflowSpans().map(storedSpanOf);
    const { from_proto, from_dict } = parseWithMlflow(stored, fixtureText('mlflow-span-dicts.json'));
    assert.ok(from_dict);
    assert.deepEqual(from_proto, from_dict);
    const retrieve = from_proto.find((span) => span.name === 'retrieve');
    assert.deepEqual(retrieve?.inputs, { query: 'What is the weather in Paris?' });
    assert.deepEqual(retrieve?.outputs, [{ doc: 'Paris is in France' }, { doc: 'naïve café ✓' }]);
    assert.equal(retrieve?.span_type, 'RETRIEVER');
    const stored0 = stored.find((span) => span.name === 'retrieve');
    assert.equal(retrieve?.start_time_ns, /"start_time_unix_nano": (\d+)/.exec(stored0?.content ?? '')?.[1]);
    const failing = from_proto.find((span) => span.name === 'failing_call');
    assert.deepEqual([failing?.status, failing?.status_message], ['ERROR', 'ValueError: model is overloaded']);
    assert.equal(failing?.events[0]?.name, 'exception');
  });

  it('parses links, whole doubles and ints past 2^53 back to what the OpenTelemetry client sent', () => {
    const cases = JSON.parse(fixtureText('summary-cases.json'));
    const stored = decodeOtlpTraceRequest(Buffer.from(JSON.stringify(cases.request)), 'json')
      .map(storedSpanOf)
      .filter((span) => span.traceId === 'tr-00000000000000000000000000000001');
    const { from_proto, text } = parseWithMlflow(stored);
    const llm = from_proto.find((span) => span.name === 'llm');
    assert.deepEqual(llm?.links, [
      { trace_id: 'tr-00000000000000000000000000000009', span_id: '0000000000000007', attributes: { 'link.kind': 'follows' } },
      { trace_id: 'tr-00000000000000000000000000000009', span_id: '0000000000000008', attributes: null },
    ]);
    assert.match(text, /"gen_ai.request.temperature": 1.0, "big": 1152921504606846977, "tiny": 1e-07/);
  });

  it('parses the plain OpenTelemetry SDK spans: parents, typed attributes, events, error status', () => {
    const stored = sdkSpans().map(storedSpanOf);
    const { from_proto } = parseWithMlflow(stored);
    const root = from_proto.find((span) => span.parent_id === null);
    const child = from_proto.find((span) => span.parent_id !== null);
    assert.ok(root && child);
    assert.equal(child.parent_id, root.span_id);
    assert.equal(root.trace_id, stored[0]?.traceId);
    assert.deepEqual(root.attributes, {
      'http.method': 'POST',
      'http.status_code': 500,
      'sampling.ratio': 0.25,
      retry: false,
      items: ['a', 'b'],
      raw: 'AAH+',
      deployment: { region: 'eu' },
      'mlflow.traceRequestId': stored[0]?.traceId,
    });
    assert.deepEqual(child.events, [
      { name: 'payment.declined', timestamp: child.events[0]?.timestamp, attributes: { code: 51, reason: 'insufficient funds' } },
    ]);
    assert.deepEqual([child.status, child.status_message], ['ERROR', 'card declined']);
  });
});
