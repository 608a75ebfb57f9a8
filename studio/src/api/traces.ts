import { mlflowErrorOf, mlflowPrefixOf } from '../../../src/client/mlflow-client.js';
import { mlflowTraceRoutesV3 } from '../../../src/contract/mlflow/traces.js';
import { trellis } from './client.js';
import { parseTrace, parseTraceSearch, type Trace, type TracePage } from './traces-schema.js';

export type { Span, SpanEvent, Trace, TraceInfo, TracePage } from './traces-schema.js';

/**
 * MLflow 3's trace calls, as MLflow's web UI makes them (/ajax-api/3.0, the alias of /api/3.0), with
 * the studio's session like its other MLflow calls; paths from src/contract/mlflow/traces.ts. The
 * default workspace answers at the server root, another under /workspaces/{ws}/mlflow. Replies are
 * parsed by api/traces-schema.ts, which reads span attributes the contract leaves open.
 */
export function tracesPathOf(workspace: string, route: { path: string }): string {
  return `${mlflowPrefixOf(workspace === 'default' ? undefined : workspace)}/ajax-api/3.0${route.path}`;
}

export interface TraceSearch {
  experimentId: string;
  /** MLflow's trace filter: tags.env = 'prod', trace.status = 'ERROR', span.name = 'retrieve'. */
  filter: string;
  /** timestamp_ms DESC, as MLflow orders by default. */
  orderBy: string[];
  pageSize: number;
  pageToken: string | undefined;
}

/** One page of an experiment's traces. */
export async function searchTraces(workspace: string, search: TraceSearch): Promise<TracePage> {
  const body = {
    locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: search.experimentId } }],
    ...(search.filter ? { filter: search.filter } : {}),
    max_results: search.pageSize,
    order_by: search.orderBy,
    ...(search.pageToken ? { page_token: search.pageToken } : {}),
  };
  return parseTraceSearch(await callTraces('POST', tracesPathOf(workspace, mlflowTraceRoutesV3.searchTracesV3), body));
}

/** A trace with all its spans. */
export async function getTrace(workspace: string, traceId: string): Promise<Trace> {
  return parseTrace(
    await callTraces('GET', `${tracesPathOf(workspace, mlflowTraceRoutesV3.getTrace)}?trace_id=${encodeURIComponent(traceId)}`),
  );
}

/** Calls one trace route and answers its JSON; MLflow's `{error_code, message}` becomes an ApiError. */
async function callTraces(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const url = trellis.urlOf(path);
  const response = await trellis.fetch(url, {
    method,
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw mlflowErrorOf(response, text, `${method} ${url.pathname}`);
  return text.length > 0 ? JSON.parse(text) : {};
}
