import { useCallback } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { isTerminal, jobStates, listComputes, listJobs } from '../api/jobs.js';
import { listPipelines } from '../api/pipelines.js';
import { listSweeps } from '../api/sweeps.js';
import { DataTable, type Column } from '../components/data-table.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDuration, formatTime } from '../lib/format.js';
import { type JobRow, jobRows, rowJob, rowKey, rowPagePath } from '../lib/job-rows.js';
import { formatNodeHours, jobNodeSeconds } from '../lib/node-timeline.js';
import { usePolling } from '../lib/use-polling.js';
import { useApi } from '../lib/use-api.js';

/** `?state=active` keeps the jobs that have not ended. */
const activeFilter = 'active';

/**
 * The workspace's jobs, newest first: command jobs, and pipeline and sweep jobs among them
 * (compute "(pipeline)", "(sweep)", as `trellis job list` shows them), filtered by state and
 * compute (both in the URL); refreshed every few seconds while a job on screen is still queued or
 * running.
 */
export function JobsPage() {
  const { workspace = 'default' } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const state = search.get('state') ?? '';
  const compute = search.get('compute') ?? '';
  const jobs = useApi(() => listJobs(workspace, { compute: compute || undefined }), `${workspace}/${compute}`);
  // A pipeline runs on no compute of its own: filtering by compute leaves the pipelines out.
  const pipelines = useApi(async () => (compute ? [] : listPipelines(workspace)), `${workspace}/${compute}`);
  // Nor do sweeps, as `trellis job list --compute` leaves them out: their trials are the jobs on the compute.
  const sweeps = useApi(async () => (compute ? [] : listSweeps(workspace)), `${workspace}/${compute}`);
  const reloadJobs = jobs.reload;
  const reloadPipelines = pipelines.reload;
  const reloadSweeps = sweeps.reload;
  const reload = useCallback(() => {
    reloadJobs();
    reloadPipelines();
    reloadSweeps();
  }, [reloadJobs, reloadPipelines, reloadSweeps]);
  const computes = useApi(() => listComputes(workspace), workspace);
  const all = jobRows(jobs.data?.items ?? [], pipelines.data ?? [], sweeps.data ?? []);
  const isActive = all.some((row) => !isTerminal(rowJob(row).state));
  usePolling(reload, isActive);
  const rows = all.filter((row) => {
    const rowState = rowJob(row).state;
    return !state || (state === activeFilter ? !isTerminal(rowState) : rowState === state);
  });
  const update = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    setSearch(next, { replace: true });
  };
  const pageOf = (row: JobRow) => rowPagePath(workspace, row);
  const columns: Column<JobRow>[] = [
    { id: 'name', header: 'Name', render: (row) => <Link to={pageOf(row)}>{rowJob(row).name}</Link> },
    {
      id: 'display',
      header: 'Display name',
      render: (row) => (rowJob(row).displayName && rowJob(row).displayName !== rowJob(row).name ? rowJob(row).displayName : ''),
    },
    { id: 'state', header: 'State', render: (row) => <StatusBadge status={rowJob(row).state} /> },
    {
      id: 'compute',
      header: 'Compute',
      render: (row) =>
        row.kind !== 'command' ? (
          <span className="muted">({row.kind})</span>
        ) : (
          <Link to={`/w/${workspace}/computes/${encodeURIComponent(row.job.compute)}`}>{row.job.compute}</Link>
        ),
    },
    { id: 'submitted', header: 'Submitted', render: (row) => formatTime(rowJob(row).submittedAt) },
    {
      id: 'duration',
      header: 'Duration',
      render: (row) => formatDuration(rowJob(row).startedAt ?? undefined, rowJob(row).endedAt ?? undefined),
    },
    {
      id: 'node-hours',
      header: 'Node-hours',
      numeric: true,
      // A pipeline's nodes are its steps', a sweep's its trials', counted on their rows.
      render: (row) => (row.kind === 'command' ? formatNodeHours(jobNodeSeconds(row.job, Date.now())) : ''),
    },
  ];
  const isFiltered = Boolean(state || compute);
  return (
    <section>
      <h1>Jobs</h1>
      <div className="toolbar">
        <select aria-label="Filter by state" value={state} onChange={(event) => update('state', event.target.value)}>
          <option value="">Every state</option>
          <option value={activeFilter}>Not ended</option>
          {jobStates.map((item) => (
            <option key={item} value={item}>
              {item}
            </option>
          ))}
        </select>
        <select aria-label="Filter by compute" value={compute} onChange={(event) => update('compute', event.target.value)}>
          <option value="">Every compute</option>
          {[...new Set([...(computes.data ?? []).map((item) => item.name), ...(compute ? [compute] : [])])].map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        {isFiltered ? (
          <button type="button" onClick={() => setSearch(new URLSearchParams(), { replace: true })}>
            Clear filters
          </button>
        ) : null}
        <span className="muted">{isActive ? 'refreshing every 3 s while jobs run' : ''}</span>
      </div>
      {jobs.error ? (
        <ErrorNotice
          error={jobs.error}
          action={
            <button type="button" onClick={jobs.reload}>
              Try again
            </button>
          }
        />
      ) : null}
      {pipelines.error ? <ErrorNotice error={pipelines.error} /> : null}
      {sweeps.error ? <ErrorNotice error={sweeps.error} /> : null}
      {jobs.loading && !jobs.data ? <Loading what="jobs" /> : null}
      {jobs.data && pipelines.data && sweeps.data && all.length === 0 && !compute ? (
        <EmptyState title="No jobs yet">
          <p>A command job runs a script on a compute cluster and logs to an MLflow run. Write a job file and submit it:</p>
          <pre>{`# job.yml
command: echo "hello from Trellis" && sleep 5
environment: azureml:trellis-node@latest
compute: azureml:cpu-cluster`}</pre>
          <p>
            <code>trellis job create --file job.yml</code> — then follow it here, or with <code>trellis job stream -n &lt;name&gt;</code>.
          </p>
        </EmptyState>
      ) : null}
      {jobs.data && rows.length === 0 && (all.length > 0 || compute) ? <p className="muted">No job matches these filters.</p> : null}
      {rows.length > 0 ? (
        <>
          <DataTable label="Jobs" columns={columns} rows={rows} rowKey={rowKey} onOpen={(row) => navigate(pageOf(row))} />
          <p className="muted">
            {rows.length} of {all.length} jobs{jobs.data?.truncated ? ' (the newest 500)' : ''}
          </p>
        </>
      ) : null}
    </section>
  );
}
