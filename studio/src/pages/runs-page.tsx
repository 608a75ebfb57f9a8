import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { experimentKeys, getExperiment, searchRuns, type Run } from '../api/mlflow.js';
import { DataTable, type Column, type Sort } from '../components/data-table.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDuration, formatNumber, formatTime } from '../lib/format.js';
import { availableColumns, cellValue, columnId, parseColumnId, searchName, type RunColumn } from '../lib/run-columns.js';
import { useApi } from '../lib/use-api.js';

const pageSizes = [25, 50, 100, 500];

/**
 * An experiment's runs: filtered with MLflow's filter syntax, sorted and paged by the server, with
 * the params, metrics and tags columns the user picks. Filter, sort, columns and page size live in
 * the URL, so a view can be shared.
 */
export function RunsPage() {
  const { workspace = 'default', experimentId = '0' } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const filter = search.get('filter') ?? '';
  const [draft, setDraft] = useState(filter);
  const pageSize = Number(search.get('size')) || 50;
  const sortParam = search.get('sort');
  const sort: Sort = sortParam
    ? { key: sortParam.replace(/ (ASC|DESC)$/, ''), descending: !sortParam.endsWith(' ASC') }
    : { key: 'attributes.start_time', descending: true };
  const chosen = (search.get('cols') ?? '')
    .split(',')
    .map(parseColumnId)
    .filter((column): column is RunColumn => column !== undefined);
  // Tokens of the pages before this one (the first page has none).
  const [tokens, setTokens] = useState<string[]>([]);
  // Runs picked for comparison; kept across pages, sorts and filters.
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const toggle = (run: Run) => {
    const next = new Set(picked);
    if (next.has(run.info.run_id)) next.delete(run.info.run_id);
    else next.add(run.info.run_id);
    setPicked(next);
  };
  const pageToken = tokens.at(-1);

  const experiment = useApi(() => getExperiment(workspace, experimentId), `${workspace}/${experimentId}`);
  // Every key of the experiment's runs, not only of the page on screen, can be a column.
  const keys = useApi(() => experimentKeys(workspace, experimentId), `${workspace}/${experimentId}/keys`);
  const runs = useApi(
    () =>
      searchRuns(workspace, {
        experimentIds: [experimentId],
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
  const open = (run: Run) => navigate(`/w/${workspace}/runs/${run.info.run_id}`);
  const rows = runs.data?.items ?? [];
  const offered = availableColumns(rows, keys.data).filter((column) => !chosen.some((picked) => columnId(picked) === columnId(column)));

  const columns: Column<Run>[] = [
    {
      id: 'name',
      header: 'Run',
      sortKey: 'attributes.run_name',
      render: (run) => <Link to={`/w/${workspace}/runs/${run.info.run_id}`}>{run.info.run_name || run.info.run_id}</Link>,
    },
    { id: 'status', header: 'Status', sortKey: 'attributes.status', render: (run) => <StatusBadge status={run.info.status} /> },
    { id: 'start', header: 'Started', sortKey: 'attributes.start_time', render: (run) => formatTime(run.info.start_time) },
    { id: 'duration', header: 'Duration', render: (run) => formatDuration(run.info.start_time, run.info.end_time) },
    ...chosen.map(
      (column): Column<Run> => ({
        id: columnId(column),
        header: columnId(column),
        sortKey: searchName(column),
        numeric: column.kind === 'metrics',
        render: (run) => {
          const value = cellValue(run, column);
          return typeof value === 'number' ? formatNumber(value) : (value ?? '');
        },
      }),
    ),
  ];

  return (
    <section>
      <nav className="crumbs">
        <Link to={`/w/${workspace}/experiments`}>Experiments</Link> / <span>{experiment.data?.name ?? experimentId}</span>
      </nav>
      <h1>{experiment.data?.name ?? 'Runs'}</h1>
      <p className="muted">
        <strong>Runs</strong> · <Link to={`/w/${workspace}/experiments/${experimentId}/traces`}>Traces</Link>
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
          aria-label="Filter runs"
          placeholder="metrics.accuracy > 0.9 and params.model = 'lr'"
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
        <select
          aria-label="Add a column"
          value=""
          onChange={(event) => event.target.value && update({ cols: [...chosen.map(columnId), event.target.value].join(',') })}
        >
          <option value="">Add column…</option>
          {offered.map((column) => (
            <option key={columnId(column)} value={columnId(column)}>
              {columnId(column)}
            </option>
          ))}
        </select>
        {chosen.length > 0 ? (
          <button type="button" onClick={() => update({ cols: undefined })}>
            Reset columns
          </button>
        ) : null}
        <select aria-label="Runs per page" value={pageSize} onChange={(event) => update({ size: event.target.value })}>
          {pageSizes.map((size) => (
            <option key={size} value={size}>
              {size} per page
            </option>
          ))}
        </select>
      </form>
      {runs.error ? (
        <ErrorNotice
          error={runs.error}
          action={
            filter ? (
              <span>
                Filters read like <code>metrics.loss &lt; 0.5 and params.lr = '0.01'</code>; strings in single quotes.
              </span>
            ) : undefined
          }
        />
      ) : null}
      {runs.loading && !runs.data ? <Loading what="runs" /> : null}
      {runs.data && rows.length === 0 && !filter ? (
        <EmptyState title="No runs in this experiment yet">
          <p>
            Runs appear here as they are logged: <code>mlflow.start_run()</code> with this experiment set, or a job with{' '}
            <code>experiment_name: {experiment.data?.name ?? '…'}</code>.
          </p>
        </EmptyState>
      ) : null}
      {runs.data && rows.length === 0 && filter ? <p className="muted">No run matches this filter.</p> : null}
      {rows.length > 0 ? (
        <>
          <div className="toolbar">
            <button
              type="button"
              disabled={picked.size < 2}
              onClick={() => navigate(`/w/${workspace}/compare?runs=${[...picked].join(',')}`)}
            >
              Compare {picked.size} run{picked.size === 1 ? '' : 's'}
            </button>
            <span className="muted">
              {picked.size < 2 ? 'Pick two or more runs (click the box, or Space on a row) to compare them.' : null}
            </span>
            {picked.size > 0 ? (
              <button type="button" onClick={() => setPicked(new Set())}>
                Clear picks
              </button>
            ) : null}
          </div>
          <DataTable
            label="Runs"
            columns={columns}
            rows={rows}
            rowKey={(run) => run.info.run_id}
            onOpen={open}
            sort={sort}
            onSort={(next) => update({ sort: `${next.key} ${next.descending ? 'DESC' : 'ASC'}` })}
            selected={picked}
            onToggle={toggle}
          />
          <div className="pager">
            <button type="button" disabled={tokens.length === 0} onClick={() => setTokens(tokens.slice(0, -1))}>
              ← Previous
            </button>
            <span className="muted">
              page {tokens.length + 1} · {rows.length} runs{runs.loading ? ' · loading…' : ''}
            </span>
            <button
              type="button"
              disabled={!runs.data?.nextPageToken}
              onClick={() => runs.data?.nextPageToken && setTokens([...tokens, runs.data.nextPageToken])}
            >
              Next →
            </button>
          </div>
        </>
      ) : null}
    </section>
  );
}
