import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { otelSpanJsonOf, storedSpanOf } from '../../../src/core/tracing/mlflow-span.js';
import { decodeOtlpTraceRequest } from '../../../src/core/tracing/otlp-request.js';
import { decodeJsonText, durationMs, parseTrace, parseTraceSearch, timestampMs } from './traces-schema.js';

/** Replies saved from MLflow 3.17.2's own server (`mlflow server`, traces logged by its Python client). */
function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../../test/fixtures/traces/mlflow-3.17.2-${name}.json`, import.meta.url), 'utf8'));
}

describe("MLflow's trace replies", () => {
  it('reads a search page: ids, names, times, durations, states, previews, tags', () => {
    const page = parseTraceSearch(fixture('search'));
    assert.equal(page.nextPageToken, undefined);
    assert.deepEqual(
      page.traces.map((trace) => [trace.traceId, trace.name, trace.state, trace.executionDuration, trace.experimentId]),
      [
        ['tr-7926c173388d91c32b3b4b7a6d2c8352', 'fails', 'ERROR', 1, '1'],
        ['tr-c91b3be239404bbed879e910da22268d', 'answer', 'OK', 340, '1'],
      ],
    );
    const [failed, answered] = page.traces;
    assert.equal(answered?.requestTime, Date.parse('2026-12-07T05:14:08.869Z'));
    assert.equal(answered?.requestPreview, '{"q": "hi"}');
    assert.equal(answered?.responsePreview, '"hello"');
    assert.equal(answered?.tags.env, 'prod');
    assert.equal(answered?.metadata['mlflow.traceInputs'], '{"q": "hi"}');
    assert.equal(failed?.responsePreview, undefined, 'MLflow leaves an empty preview out');
  });

  it('keeps the page token, and reads an empty reply as no traces', () => {
    assert.equal(parseTraceSearch(fixture('search-page1')).nextPageToken, 'eyJvZmZzZXQiOiAxfQ==');
    assert.deepEqual(parseTraceSearch({}), { traces: [], nextPageToken: undefined });
  });

  it('reads a trace: OTLP spans with typed attribute values, parents, times and events', () => {
    const trace = parseTrace(fixture('get-ok'));
    assert.equal(trace.info.traceId, 'tr-c91b3be239404bbed879e910da22268d');
    assert.deepEqual(
      trace.spans.map((span) => [span.name, span.spanType, span.parentSpanId, span.isError]),
      [
        ['answer', 'CHAIN', undefined, false],
        ['retrieve', 'RETRIEVER', 'SMfKYWHhEpI=', false],
        ['x', 'LLM', 'SMfKYWHhEpI=', false],
      ],
    );
    const [root, retrieve, llm] = trace.spans;
    assert.deepEqual(root?.inputs, { q: 'hi' });
    assert.equal(root?.outputs, 'hello');
    assert.deepEqual(retrieve?.outputs, [{ doc: 'a', score: 0.9 }]);
    assert.deepEqual(llm?.inputs, { q: 'hi', docs: [{ doc: 'a', score: 0.9 }] });
    assert.deepEqual(llm?.attributes, {
      'mlflow.traceRequestId': 'tr-c91b3be239404bbed879e910da22268d',
      model: 'gpt-x',
      'mlflow.spanLogLevel': 20,
    });
    assert.deepEqual(
      llm?.events.map((event) => [event.name, event.attributes]),
      [['cache_miss', { key: 'k1' }]],
    );
    // MLflow sends nanoseconds as JSON numbers, so they are exact to the double they parse to.
    const duration = Number(root!.endNs! - root!.startNs) / 1e6;
    assert.ok(Math.abs(duration - 340.296) < 0.001, `root lasted ${duration} ms`);
  });

  it('marks a failed span with its message and its exception event', () => {
    const trace = parseTrace(fixture('get-error'));
    assert.equal(trace.info.state, 'ERROR');
    const [span] = trace.spans;
    assert.equal(span?.isError, true);
    assert.equal(span?.statusMessage, 'ValueError: bad input 3');
    assert.deepEqual(span?.inputs, { n: 3 });
    assert.equal(span?.events[0]?.name, 'exception');
    assert.equal(span?.events[0]?.attributes['exception.type'], 'ValueError');
  });

  it("reads MLflow's span dictionary too: attributes as JSON-encoded strings, a null parent", () => {
    const { spans } = parseSpanDicts();
    const [root, retrieve] = spans;
    assert.equal(root?.parentSpanId, undefined);
    assert.equal(root?.spanType, 'CHAIN');
    assert.deepEqual(root?.inputs, { q: 'hi' });
    assert.equal(root?.outputs, 'hello');
    assert.equal(root?.attributes['mlflow.spanLogLevel'], 10);
    assert.equal(retrieve?.spanType, 'RETRIEVER');
  });

  it('reads nanoseconds sent as strings exactly, and a status code sent as a number', () => {
    const trace = parseTrace({
      trace: {
        trace_info: { trace_id: 'tr-1', request_time: '2026-12-07T05:00:00.123Z', execution_duration: '1.5s', state: 'OK' },
        spans: [
          {
            span_id: 'a',
            parent_span_id: '',
            name: 'root',
            start_time_unix_nano: '1733547600123456789',
            end_time_unix_nano: '1733547600123456790',
            attributes: [{ key: 'mlflow.spanType', value: { string_value: '"LLM"' } }],
            status: { code: 2, message: 'boom' },
          },
        ],
      },
    });
    assert.equal(trace.info.executionDuration, 1500);
    assert.equal(trace.info.requestTime, Date.parse('2026-12-07T05:00:00.123Z'));
    const [only] = trace.spans;
    assert.ok(only?.endNs !== undefined);
    assert.equal(only.endNs - only.startNs, 1n);
    assert.equal(only.spanType, 'LLM');
    assert.equal(only.isError, true);
  });

  it("reads Trellis's GetTrace spans (core/tracing's otelSpanJsonOf) as it reads MLflow's for the same OTLP request", () => {
    const otlp = new URL('../../../test/fixtures/otlp/', import.meta.url);
    const mlflowReply = JSON.parse(readFileSync(new URL('mlflow-get-trace.json', otlp), 'utf8'));
    const stored = decodeOtlpTraceRequest(readFileSync(new URL('mlflow-request.pb', otlp)), 'protobuf').map(storedSpanOf);
    const trellis = parseTrace({
      trace: { trace_info: mlflowReply.trace_info, spans: stored.map((span) => otelSpanJsonOf(span.content)) },
    });
    const mlflow = parseTrace({ trace: mlflowReply });
    const byName = (trace: typeof trellis) => [...trace.spans].sort((a, b) => a.name.localeCompare(b.name));
    const withoutTimes = (trace: typeof trellis) => byName(trace).map(({ startNs, endNs, ...rest }) => rest);
    assert.deepEqual(withoutTimes(trellis), withoutTimes(mlflow));
    // MLflow's server sends nanoseconds as JSON numbers (exact to a double, a few hundred ns); Trellis as exact strings.
    const mlflowSpans = byName(mlflow);
    for (const [index, span] of byName(trellis).entries()) {
      const other = mlflowSpans[index]!;
      assert.ok(Math.abs(Number(span.startNs - other.startNs)) < 1_000, `${span.name} starts within a microsecond`);
      assert.ok(Math.abs(Number((span.endNs ?? 0n) - (other.endNs ?? 0n))) < 1_000, `${span.name} ends within a microsecond`);
    }
    assert.deepEqual(
      trellis.spans.filter((span) => span.isError).map((span) => [span.name, span.statusMessage]),
      [['failing_call', 'ValueError: model is overloaded']],
    );
  });

  it('says what does not fit when a reply is not a trace', () => {
    assert.throws(() => parseTrace({ trace: { spans: [] } }), /traces\/get is not what MLflow answers: .*trace_info/s);
    assert.throws(() => parseTraceSearch({ traces: [{ state: 'OK' }] }), /traces\/search .*trace_id/s);
  });

  it('decodes only text that reads as JSON, and protobuf times', () => {
    assert.equal(decodeJsonText('"LLM"'), 'LLM');
    assert.deepEqual(decodeJsonText('{"a": [1]}'), { a: [1] });
    assert.equal(decodeJsonText('42'), '42');
    assert.equal(decodeJsonText('{not json'), '{not json');
    assert.equal(durationMs('0.001s'), 1);
    assert.equal(durationMs(undefined), undefined);
    assert.equal(durationMs('soon'), undefined);
    assert.equal(timestampMs('not a time'), undefined);
    assert.equal(timestampMs(5), 5);
  });
});

/** The span dictionaries fixture wrapped as a traces/get reply. */
function parseSpanDicts() {
  const reply = fixture('span-dicts');
  const spans = typeof reply === 'object' && reply !== null && 'spans' in reply ? reply.spans : [];
  return parseTrace({ trace: { trace_info: { trace_id: 'tr-c91b3be239404bbed879e910da22268d' }, spans } });
}
