import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { runPython } from './support/python.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * MLflow 3 tracing with the real clients: MLflow's Python client (traced functions, a manual span
 * tree, an error, search, tags, assessments, runs, openai autologging, deletion) and
 * OpenTelemetry's own OTLP/HTTP exporter; then what they cannot show over REST: OTLP/JSON, bad
 * input refused with nothing stored, workspaces apart, traces.json, and authentication on. Both
 * scripts pass against MLflow 3.17.2's own server too (docs/mlflow-compatibility.md).
 */
const tracingFlow = join(repositoryRoot, 'test', 'python', 'mlflow_tracing_flow.py');
const otelFlow = join(repositoryRoot, 'test', 'python', 'otel_exporter_flow.py');

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** An OTLP/JSON request of one trace: a root and a child, ids in hex as the OTLP spec writes them. */
function otlpJson(traceId: string, root = hex(8), child = hex(8)) {
  const start = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-client' } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: [
              {
                traceId,
                spanId: root,
                name: 'root',
                kind: 2,
                startTimeUnixNano: String(start),
                endTimeUnixNano: String(start + 5_000_000n),
                attributes: [{ key: 'http.route', value: { stringValue: '/predict' } }],
                status: { code: 1 },
              },
              {
                traceId,
                spanId: child,
                parentSpanId: root,
                name: 'child',
                startTimeUnixNano: String(start + 1_000_000n),
                endTimeUnixNano: String(start + 2_000_000n),
                attributes: [{ key: 'rows', value: { intValue: '3' } }],
              },
            ],
          },
        ],
      },
    ],
  };
}

for (const dialect of testDialects()) {
  describe(`MLflow tracing with the real clients on ${dialect}`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;

    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${trellis.url}${path}`, {
        method,
        headers: { ...(body !== undefined && !(body instanceof Uint8Array) ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: body instanceof Uint8Array ? body : JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // traces.json downloads and protobuf answers are not JSON objects to read here.
      }
      return { status: response.status, text, json, headers: response.headers };
    };
    const createExperiment = async (prefix: string, name: string) => {
      const created = await call('POST', `${prefix}/api/2.0/mlflow/experiments/create`, { name });
      assert.equal(created.status, 200, created.text);
      return created.json.experiment_id as string;
    };
    const sendJson = (prefix: string, experimentId: string, body: unknown) =>
      call('POST', `${prefix}/v1/traces`, body, { 'content-type': 'application/json', 'x-mlflow-experiment-id': experimentId });

    before(async () => {
      database = await createTestDatabase(dialect);
      trellis = await startTrellis({ databaseUrl: database.url });
      await trellis.client.createWorkspace({ name: 'team-a' });
    });

    after(async () => {
      await trellis.stop();
      await removeHome(trellis.home);
      await database.drop();
    });

    it('logs, reads, searches, tags, assesses and deletes traces made with mlflow.trace, start_span and openai autologging', async () => {
      const result = await runPython(tracingFlow, { MLFLOW_TRACKING_URI: trellis.url });
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /ALL CHECKS PASSED \(45\)/);
    });

    it("stores spans sent by OpenTelemetry's own OTLP exporter (protobuf, gzip) as an MLflow trace", async () => {
      const result = await runPython(otelFlow, { MLFLOW_TRACKING_URI: trellis.url });
      assert.equal(result.code, 0, result.output);
      assert.match(result.output, /ALL CHECKS PASSED \(11\)/);
    });

    it('takes OTLP/JSON with hex ids, and serves the spans back as traces.json', async () => {
      const experimentId = await createExperiment('', 'otlp-json');
      const traceId = hex(16);
      const sent = await sendJson('', experimentId, otlpJson(traceId));
      assert.equal(sent.status, 200, sent.text);
      assert.deepEqual(sent.json, {});
      const got = await call('GET', `/api/3.0/mlflow/traces/get?trace_id=tr-${traceId}`);
      assert.equal(got.status, 200, got.text);
      const trace = got.json.trace as { trace_info: Record<string, unknown>; spans: { name: string }[] };
      assert.equal(trace.trace_info.trace_id, `tr-${traceId}`);
      assert.equal(trace.trace_info.state, 'OK');
      assert.equal(trace.trace_info.execution_duration, '0.005s');
      assert.deepEqual(trace.spans.map((span) => span.name).sort(), ['child', 'root']);
      const file = await call('GET', `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=tr-${traceId}`);
      assert.equal(file.status, 200, file.text);
      assert.equal(file.headers.get('content-disposition'), 'attachment; filename=traces.json');
      const spans = (JSON.parse(file.text) as { spans: { name: string; parent_span_id: string | null }[] }).spans;
      assert.equal(spans.length, 2);
      assert.ok(spans.some((span) => span.name === 'child' && span.parent_span_id));
    });

    it('refuses bad OTLP requests with a 400 naming the problem, and stores nothing', async () => {
      const experimentId = await createExperiment('', 'otlp-bad');
      const before = await call('POST', '/api/3.0/mlflow/traces/search', {
        locations: [{ mlflow_experiment: { experiment_id: experimentId } }],
      });
      assert.equal(before.status, 200, before.text);
      const wrongType = await call('POST', '/v1/traces', 'x', {
        'content-type': 'text/plain',
        'x-requested-by': 'test',
        'x-mlflow-experiment-id': experimentId,
      });
      assert.equal(wrongType.status, 400, wrongType.text);
      assert.match(wrongType.text, /application\/x-protobuf or application\/json/);
      const noExperiment = await call('POST', '/v1/traces', otlpJson(hex(16)), { 'content-type': 'application/json' });
      assert.equal(noExperiment.status, 400, noExperiment.text);
      assert.match(noExperiment.text, /x-mlflow-experiment-id/);
      const garbage = await call('POST', '/v1/traces', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), {
        'content-type': 'application/x-protobuf',
        'x-mlflow-experiment-id': experimentId,
      });
      assert.equal(garbage.status, 400, garbage.text);
      const shortId = await sendJson('', experimentId, otlpJson('abcd'));
      assert.equal(shortId.status, 400, shortId.text);
      assert.match(shortId.text, /trace_?[iI]d/);
      const unknownExperiment = await sendJson('', '987654', otlpJson(hex(16)));
      assert.equal(unknownExperiment.status, 404, unknownExperiment.text);
      const after = await call('POST', '/api/3.0/mlflow/traces/search', {
        locations: [{ mlflow_experiment: { experiment_id: experimentId } }],
      });
      assert.deepEqual(after.json.traces ?? [], []);
      const badFilter = await call('POST', '/api/3.0/mlflow/traces/search', {
        locations: [{ mlflow_experiment: { experiment_id: experimentId } }],
        filter: "tags.env ~ 'x'",
      });
      assert.equal(badFilter.status, 400, badFilter.text);
      assert.equal(badFilter.json.error_code, 'INVALID_PARAMETER_VALUE');
      const tooMany = await call('POST', '/api/3.0/mlflow/traces/search', {
        locations: [{ mlflow_experiment: { experiment_id: experimentId } }],
        max_results: 501,
      });
      assert.equal(tooMany.status, 400, tooMany.text);
      const systemTag = await call('PATCH', `/api/2.0/mlflow/traces/tr-${hex(16)}/tags`, { key: 'mlflow.artifactLocation', value: '/etc' });
      assert.equal(systemTag.status, 400, systemTag.text);
    });

    it('stores OTLP requests sent at once each as sent (they share commits), refusing only the bad ones among them', async () => {
      const experimentId = await createExperiment('', 'otlp-at-once');
      const theirs = await createExperiment('/workspaces/team-a/mlflow', 'team-a-at-once');
      const foreignTrace = hex(16);
      assert.equal((await sendJson('/workspaces/team-a/mlflow', theirs, otlpJson(foreignTrace))).status, 200);
      const traceIds = Array.from({ length: 8 }, () => hex(16));
      // One trace whose root and child come in two requests at the same time.
      const split = hex(16);
      const [root, child] = [hex(8), hex(8)];
      const onlySpan = (name: string) => {
        const request = otlpJson(split, root, child);
        const spans = request.resourceSpans[0]!.scopeSpans[0]!.spans;
        request.resourceSpans[0]!.scopeSpans[0]!.spans = spans.filter((span) => span.name === name);
        return request;
      };
      const answers = await Promise.all([
        ...traceIds.map((traceId) => sendJson('', experimentId, otlpJson(traceId))),
        sendJson('', experimentId, onlySpan('root')),
        sendJson('', '987654', otlpJson(hex(16))),
        sendJson('', experimentId, otlpJson(foreignTrace)),
        sendJson('', experimentId, onlySpan('child')),
      ]);
      assert.deepEqual(
        answers.map((answer) => answer.status),
        [...traceIds.map(() => 200), 200, 404, 400, 200],
        answers.map((answer) => answer.text).join('\n'),
      );
      assert.equal(answers[10]?.json.error_code, 'RESOURCE_ALREADY_EXISTS');
      const found = await call('POST', '/api/3.0/mlflow/traces/search', {
        locations: [{ mlflow_experiment: { experiment_id: experimentId } }],
      });
      const ids = (found.json.traces as { trace_id: string }[]).map((trace) => trace.trace_id).sort();
      assert.deepEqual(ids, [...traceIds, split].map((traceId) => `tr-${traceId}`).sort());
      const whole = await call('GET', `/api/3.0/mlflow/traces/get?trace_id=tr-${split}`);
      const trace = whole.json.trace as { trace_info: { state: string }; spans: { name: string }[] };
      assert.deepEqual(trace.spans.map((span) => span.name).sort(), ['child', 'root']);
      assert.equal(trace.trace_info.state, 'OK');
      const kept = await call('GET', `/workspaces/team-a/mlflow/api/3.0/mlflow/traces/get?trace_id=tr-${foreignTrace}`);
      assert.equal((kept.json.trace as { spans: unknown[] }).spans.length, 2);
    });

    it("keeps each workspace's traces to itself", async () => {
      const theirs = await createExperiment('/workspaces/team-a/mlflow', 'team-a-traces');
      const traceId = hex(16);
      assert.equal((await sendJson('/workspaces/team-a/mlflow', theirs, otlpJson(traceId))).status, 200);
      assert.equal((await call('GET', `/workspaces/team-a/mlflow/api/3.0/mlflow/traces/tr-${traceId}`)).status, 200);
      const fromRoot = await call('GET', `/api/3.0/mlflow/traces/tr-${traceId}`);
      assert.equal(fromRoot.status, 404, fromRoot.text);
      assert.equal((await call('GET', `/api/3.0/mlflow/traces/get?trace_id=tr-${traceId}`)).status, 404);
      const ours = await createExperiment('', 'root-traces');
      const hijack = await sendJson('', ours, otlpJson(traceId));
      assert.equal(hijack.status, 400, hijack.text);
      assert.equal(hijack.json.error_code, 'RESOURCE_ALREADY_EXISTS');
      const tagged = await call('PATCH', `/api/2.0/mlflow/traces/tr-${traceId}/tags`, { key: 'owner', value: 'root' });
      assert.equal(tagged.status, 404, tagged.text);
      const info = await call('GET', `/workspaces/team-a/mlflow/api/3.0/mlflow/traces/tr-${traceId}`);
      assert.equal((info.json.trace as { trace_info: { tags: Record<string, string> } }).trace_info.tags.owner, undefined);
    });
  });
}

describe('MLflow tracing with authentication on', () => {
  let trellis: TrellisProcess;
  let owner: string;

  before(async () => {
    trellis = await startTrellis({ env: { TRELLIS_DISABLE_LOCAL_AUTH: 'true' } });
    owner = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
  });

  after(async () => {
    await trellis.stop();
    await removeHome(trellis.home);
  });

  it('refuses spans and trace reads without credentials, and takes them with a token', async () => {
    const anonymous = await fetch(`${trellis.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mlflow-experiment-id': '0' },
      body: JSON.stringify(otlpJson(hex(16))),
    });
    assert.equal(anonymous.status, 401);
    const search = await fetch(`${trellis.url}/api/3.0/mlflow/traces/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ locations: [{ mlflow_experiment: { experiment_id: '0' } }] }),
    });
    assert.equal(search.status, 401);
    const result = await runPython(otelFlow, {
      MLFLOW_TRACKING_URI: trellis.url,
      MLFLOW_TRACKING_TOKEN: owner,
      OTEL_AUTHORIZATION: `Bearer ${owner}`,
    });
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /ALL CHECKS PASSED \(11\)/);
  });
});
