import { npmiOf, type Npmi, type CorrelationCounts } from '../../core/tracing/trace-correlation.js';
import { parseTraceFilter } from '../../core/tracing/trace-filter.js';
import { parseTraceOrderBy } from '../../core/tracing/trace-order-by.js';
import { mlflowError } from '../../core/tracking/mlflow-error.js';
import type { Context } from '../context.js';
import type { TraceInfo } from '../../core/tracing/trace-info.js';
import { decodeOffset, encodeOffset } from '../../core/tracking/offset-page.js';

export interface SearchTracesInput {
  experimentIds: readonly string[];
  filter: string | undefined;
  maxResults: number;
  orderBy: readonly string[];
  pageToken: string | undefined;
}

/** The experiments searched, as the store keys them; a search names at least one. */
function experimentNumbers(experimentIds: readonly string[]): number[] {
  if (experimentIds.length === 0)
    throw mlflowError('INVALID_PARAMETER_VALUE', 'At least one experiment id (a location) is required to search traces.');
  return experimentIds.map((id) => {
    const number = Number(id);
    if (!Number.isSafeInteger(number)) throw mlflowError('INVALID_PARAMETER_VALUE', `Invalid experiment ID format: ${id}`);
    return number;
  });
}

/** A search's page: trace infos and the next page's token. */
export interface TracePage {
  infos: TraceInfo[];
  nextPageToken?: string;
}

/**
 * search_traces: a page of the traces of some experiments of this workspace that match MLflow's
 * trace filter, in the order asked (newest first by default). The filter and order are parsed
 * before anything is read, so a bad one is refused with MLflow's message.
 */
export async function searchTraces(context: Context, workspace: string, input: SearchTracesInput): Promise<TracePage> {
  const conditions = parseTraceFilter(input.filter);
  const orders = parseTraceOrderBy(input.orderBy);
  const experimentIds = experimentNumbers(input.experimentIds);
  const offset = decodeOffset(input.pageToken);
  const traces = context.store.repositories.traces;
  // One more than a page: whether there is a next page, without counting.
  const ids = await traces.searchIds(workspace, experimentIds, conditions, orders, input.maxResults + 1, offset);
  const infos = await traces.infos(workspace, ids.slice(0, input.maxResults));
  return { infos, ...(ids.length > input.maxResults ? { nextPageToken: encodeOffset(offset + input.maxResults) } : {}) };
}

export interface CorrelationInput {
  experimentIds: readonly string[];
  filter1: string;
  filter2: string;
  baseFilter: string | undefined;
}

/** calculate_trace_filter_correlation: the four counts of two filters (over the base filter's traces) and their NPMI. */
export async function traceFilterCorrelation(
  context: Context,
  workspace: string,
  input: CorrelationInput,
): Promise<CorrelationCounts & Npmi> {
  const base = parseTraceFilter(input.baseFilter);
  const first = parseTraceFilter(input.filter1);
  const second = parseTraceFilter(input.filter2);
  const experimentIds = experimentNumbers(input.experimentIds);
  const traces = context.store.repositories.traces;
  const count = (conditions: typeof base) => traces.countMatching(workspace, experimentIds, conditions);
  const counts = {
    totalCount: await count(base),
    filter1Count: await count([...base, ...first]),
    filter2Count: await count([...base, ...second]),
    jointCount: await count([...base, ...first, ...second]),
  };
  return { ...counts, ...npmiOf(counts) };
}
