import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import { mlflowOtlpRoutes } from '../../contract/mlflow/traces.js';
import { type StoredSpan, storedSpanOf } from '../../core/tracing/mlflow-span.js';
import { decodeOtlpTraceRequest } from '../../core/tracing/otlp-request.js';
import { traceSummaryOf } from '../../core/tracing/trace-summary.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import type { Context } from '../../services/context.js';
import { logSpans, type SpanBatch } from '../../services/tracking/span-ingest.js';
import { type MlflowRoute, withHandlers } from './mlflow-route.js';
import { workspaceOf } from './workspace-of.js';

/**
 * The MLflow version whose REST API Trellis speaks: MLflow's client asks GET /version before it
 * sends spans over OTLP (from 3.4 on), and the compatibility harness measures Trellis against it.
 */
export const mlflowApiVersion = '3.17.2';

/** The largest OTLP request accepted, after decompression. */
export const maxOtlpBytes = 64 * 1024 * 1024;

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function decompressed(body: Buffer, encoding: string | undefined): Promise<Buffer> {
  switch ((encoding ?? 'identity').toLowerCase()) {
    case 'identity':
      return body;
    case 'gzip':
      return gunzipAsync(body, { maxOutputLength: maxOtlpBytes });
    case 'deflate':
      return inflateAsync(body, { maxOutputLength: maxOtlpBytes });
    default:
      throw mlflowError('INVALID_PARAMETER_VALUE', `Unsupported Content-Encoding '${encoding}'; send gzip, deflate or none.`);
  }
}

/** OTLP/HTTP ingestion and /version (src/contract/mlflow/traces.ts). */
export function otlpRoutes(context: Context): MlflowRoute[] {
  const exportTraces: MlflowRoute['handler'] = async (request, reply) => {
    const mediaType = (header(request, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType !== 'application/x-protobuf' && mediaType !== 'application/json')
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        `Invalid Content-Type: ${mediaType || 'none'}. Expected: application/x-protobuf or application/json`,
      );
    const experimentId = header(request, 'x-mlflow-experiment-id');
    if (!experimentId)
      throw mlflowError(
        'INVALID_PARAMETER_VALUE',
        "Missing header 'x-mlflow-experiment-id': name the experiment the spans belong to (OTEL_EXPORTER_OTLP_TRACES_HEADERS=x-mlflow-experiment-id=<id>).",
      );
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const spans = decodeOtlpTraceRequest(
      await decompressed(body, header(request, 'content-encoding')),
      mediaType === 'application/json' ? 'json' : 'protobuf',
    );
    if (spans.length === 0) throw mlflowError('INVALID_PARAMETER_VALUE', 'Invalid OpenTelemetry format - no spans found');
    const byTrace = new Map<string, StoredSpan[]>();
    for (const span of spans.map(storedSpanOf)) {
      const list = byTrace.get(span.traceId) ?? [];
      list.push(span);
      byTrace.set(span.traceId, list);
    }
    const batches: SpanBatch[] = [...byTrace].map(([traceId, stored]) => ({ traceId, spans: stored, summary: traceSummaryOf(stored) }));
    await logSpans(context, workspaceOf(request), experimentId, batches, header(request, 'x-mlflow-run-id') || undefined);
    // An empty ExportTraceServiceResponse: no bytes in protobuf, {} in JSON.
    if (mediaType === 'application/json') return reply.type('application/json').send('{}');
    return reply.type('application/x-protobuf').send(Buffer.alloc(0));
  };

  const version: MlflowRoute['handler'] = async (_request, reply) => reply.type('text/plain; charset=utf-8').send(mlflowApiVersion);

  return withHandlers(mlflowOtlpRoutes, { exportTraces, getVersion: version });
}
