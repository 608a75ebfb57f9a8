import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { getExperiment } from '../api/mlflow.js';
import { searchTraces, type TraceInfo } from '../api/traces.js';
import { DataTable, type Column, type Sort } from '../components/data-table.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { formatTime } from '../lib/format.js';
import { formatNanos } from '../lib/span-tree.js';
import { previewOf, traceStateTone, userTags } from '../lib/trace-rows.js';
import { useApi } from '../lib/use-api.js';

const pageSizes = [25, 50, 100, 500];
/** MLflow's sort key for when a trace was requested, its default order newest first. */
const requestTimeKey = 'timestamp_ms';

/**
 * An experiment's traces, as MLflow's search finds them: filtered with MLflow's trace filter
 * (tags.env = 'prod', trace.status = 'ERROR', span.name = 'retrieve'), newest first, paged by the
 * server. Filter, order and page size live in the URL, so a view can be shared.
 */
export function TracesPage() {
  const { workspace = 'default', experimentId = '0' } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const filter = search.get('filter') ?? '';
  const [draft, setDraft] = useState(filter);
  const pageSize = Number(search.get('size')) || 50;
  const sort: Sort = { key: requestTimeKey, descending: search.get('sort') !== `${requestTimeKey} ASC` };
  // Tokens of the pages before this one (the first page has none).
  const [tokens, setTokens] = useState<string[]>([]);
  const pageToken = tokens.at(-1);

  const experiment = useApi(() => getExperiment(workspace, experimentId), `${workspace}/${experimentId}`);
  const traces = useApi(
    () =>
      searchTraces(workspace, {
        experimentId,
        filter,
        orderBy: [`${sort.key} ${sort.descending ? 'DESC' : 'ASC'}`],
        pageSize,
        pageToken,
      }),
    JSON.stringify([workspace, experimentId, filter, sort, pageSize, pageToken]),
  );
  const update = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === '') next.delete(key);
      else next.set(key, value);
    }
    setTokens([]);
    setSearch(next);
  };
  const tracePath = (trace: TraceInfo) => `/w/${workspace}/traces/${encodeURIComponent(trace.traceId)}`;
  const rows = traces.data?.traces ?? [];

  const columns: Column<TraceInfo>[] = [
    {
      id: 'trace',
      header: 'Trace ID',
      render: (trace) => (
        <Link to={tracePath(trace)}>
          <code>{trace.traceId}</code>
        </Link>
      ),
    },
    { id: 'name', header: 'Name', render: (trace) => trace.name ?? '—' },
    { id: 'time', header: 'Request time', sortKey: requestTimeKey, render: (trace) => formatTime(trace.requestTime) },
    {
      id: 'duration',
      header: 'Duration',
      numeric: true,
      render: (trace) => (trace.executionDuration === undefined ? '—' : formatNanos(trace.executionDuration * 1e6)),
    },
    { id: 'state', header: 'State', render: (trace) => <span className={`badge ${traceStateTone(trace.state)}`}>{trace.state}</span> },
    { id: 'request', header: 'Request', render: (trace) => <Preview text={trace.requestPreview} /> },
    { id: 'response', header: 'Response', render: (trace) => <Preview text={trace.responsePreview} /> },
    {
      id: 'tags',
      header: 'Tags',
      render: (trace) => (
        <span className="trace-tags">
          {userTags(trace.tags).map(([key, value]) => (
            <code key={key}>
              {key}={value}
            </code>
          ))}
        </span>
      ),
    },
  ];

  return (
    <section>
      <nav className="crumbs">
        <Link to={`/w/${workspace}/experiments`}>Experiments</Link> /{' '}
        <Link to={`/w/${workspace}/experiments/${experimentId}`}>{experiment.data?.name ?? experimentId}</Link> / <span>Traces</span>
      </nav>
      <h1>Traces of {experiment.data?.name ?? `experiment ${experimentId}`}</h1>
      <p className="muted">
        <Link to={`/w/${workspace}/experiments/${experimentId}`}>Runs</Link> · <strong>Traces</strong>
      </p>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          update({ filter: draft.trim() });
        }}
      >
        <input
          className="filter"
          aria-label="Filter traces"
          placeholder="trace.status = 'ERROR' and tags.env = 'prod'"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
        />
        <button type="submit">Filter</button>
        {filter ? (
          <button
            type="button"
            onClick={() => {
              setDraft('');
              update({ filter: undefined });
            }}
          >
            Clear
          </button>
        ) : null}
        <select aria-label="Traces per page" value={pageSize} onChange={(event) => update({ size: event.target.value })}>
          {pageSizes.map((size) => (
            <option key={size} value={size}>
              {size} per page
            </option>
          ))}
        </select>
      </form>
      {traces.error ? (
        <ErrorNotice
          error={traces.error}
          action={
            filter ? (
              <span>
                Trace filters read like <code>trace.status = 'ERROR'</code>, <code>tags.env = 'prod'</code> or{' '}
                <code>span.name = 'retrieve'</code>, joined with <code>and</code>; strings in single quotes.
              </span>
            ) : undefined
          }
        />
      ) : null}
      {traces.loading && !traces.data ? <Loading what="traces" /> : null}
      {traces.data && rows.length === 0 && !filter ? (
        <EmptyState title="No traces in this experiment yet">
          <p>
            Traces appear here as they are logged: a function decorated with <code>@mlflow.trace</code> called with this experiment set, or
            OpenTelemetry spans sent to <code>/v1/traces</code> with the header <code>x-mlflow-experiment-id: {experimentId}</code>.
          </p>
        </EmptyState>
      ) : null}
      {traces.data && rows.length === 0 && filter ? <p className="muted">No trace matches this filter.</p> : null}
      {rows.length > 0 ? (
        <>
          <DataTable
            label="Traces"
            columns={columns}
            rows={rows}
            rowKey={(trace) => trace.traceId}
            onOpen={(trace) => navigate(tracePath(trace))}
            sort={sort}
            onSort={(next) => update({ sort: next.descending ? undefined : `${requestTimeKey} ASC` })}
          />
          <div className="pager">
            <button type="button" disabled={tokens.length === 0} onClick={() => setTokens(tokens.slice(0, -1))}>
              ← Previous
            </button>
            <span className="muted">
              page {tokens.length + 1} · {rows.length} traces{traces.loading ? ' · loading…' : ''}
            </span>
            <button
              type="button"
              disabled={!traces.data?.nextPageToken}
              onClick={() => traces.data?.nextPageToken && setTokens([...tokens, traces.data.nextPageToken])}
            >
              Next →
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}

/** A request or response preview, cut short in the table; the whole of it on hover. */
function Preview({ text }: { text: string | undefined }) {
  if (!text) return <span className="muted">—</span>;
  return (
    <code className="trace-preview" title={text}>
      {previewOf(text)}
    </code>
  );
}
