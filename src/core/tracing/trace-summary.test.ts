import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { storedSpanOf } from './mlflow-span.js';
import { decodeOtlpTraceRequest } from './otlp-request.js';
import { previewMaxLength, traceSummaryOf, truncatedPreviewOf } from './trace-summary.js';

const fixtures = new URL('../../../test/fixtures/otlp/', import.meta.url);
const fixtureText = (name: string): string => readFileSync(new URL(name, fixtures), 'utf8');

interface MlflowTraceInfo {
  request_time: number;
  execution_duration: number | null;
  state: string;
  request_preview: string | null;
  response_preview: string | null;
  trace_metadata: Record<string, string>;
  tags: Record<string, string>;
}

describe('traceSummaryOf', () => {
  it("derives what MLflow 3.17.2's store derived for the trace its client sent", () => {
    const spans = decodeOtlpTraceRequest(readFileSync(new URL('mlflow-request.pb', fixtures)), 'protobuf').map(storedSpanOf);
    const info: MlflowTraceInfo = JSON.parse(fixtureText('mlflow-stored.json')).trace_info;
    assert.deepEqual(traceSummaryOf(spans), {
      requestTimeMs: info.request_time,
      executionDurationMs: info.execution_duration,
      state: info.state,
      requestPreview: info.request_preview,
      responsePreview: info.response_preview,
      metadata: info.trace_metadata,
      tags: {},
    });
  });

  it('derives, trace by trace, what MLflow derived from OpenTelemetry spans alone: chat previews, rolled-up usage, session, user, tags, error', () => {
    const cases: { request: unknown; trace_infos: Record<string, MlflowTraceInfo> } = JSON.parse(fixtureText('summary-cases.json'));
    const spans = decodeOtlpTraceRequest(Buffer.from(JSON.stringify(cases.request)), 'json').map(storedSpanOf);
    for (const [traceId, info] of Object.entries(cases.trace_infos)) {
      const summary = traceSummaryOf(spans.filter((span) => span.traceId === traceId));
      const { 'mlflow.trace.spansLocation': _location, ...tags } = info.tags;
      assert.deepEqual(
        { ...summary, executionDurationMs: summary.executionDurationMs ?? 'none' },
        {
          requestTimeMs: info.request_time,
          // MLflow stores a negative duration when no span has ended (it takes an end of 0 as one); Trellis has none.
          executionDurationMs: info.execution_duration !== null && info.execution_duration < 0 ? 'none' : info.execution_duration,
          state: info.state,
          requestPreview: info.request_preview,
          responsePreview: info.response_preview,
          metadata: info.trace_metadata,
          tags,
        },
        traceId,
      );
    }
  });

  it('has an in-progress trace without spans or a root', () => {
    assert.deepEqual(traceSummaryOf([]), {
      requestTimeMs: 0,
      executionDurationMs: null,
      state: 'IN_PROGRESS',
      requestPreview: null,
      responsePreview: null,
      metadata: {},
      tags: {},
    });
  });
});

describe('truncatedPreviewOf', () => {
  it('takes the last message of the role from OpenAI-style requests and responses', () => {
    const request = JSON.stringify({
      input: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'x' },
        { role: 'user', content: 'last' },
      ],
    });
    assert.equal(truncatedPreviewOf(request, 'user'), 'last');
    assert.equal(truncatedPreviewOf(JSON.stringify({ request: { messages: [{ role: 'user', content: 'nested' }] } }), 'user'), 'nested');
    assert.equal(truncatedPreviewOf(JSON.stringify({ output: [{ role: 'tool', content: 'only' }] }), 'assistant'), 'only');
    assert.equal(truncatedPreviewOf('{"a": 1}', 'user'), '{"a": 1}');
  });

  it('cuts at 1000 characters, counted as Python counts them (code points), ending in ...', () => {
    const long = '😀'.repeat(previewMaxLength + 1);
    const preview = truncatedPreviewOf(long, 'user');
    assert.equal(Array.from(preview).length, previewMaxLength);
    assert.ok(preview.endsWith('...'));
    assert.equal(truncatedPreviewOf('😀'.repeat(previewMaxLength), 'user'), '😀'.repeat(previewMaxLength));
  });
});
