import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { isTerminal, jobStates, listComputes, listJobs, type Job } from '../api/jobs.js';
import { DataTable, type Column } from '../components/data-table.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDuration, formatTime } from '../lib/format.js';
import { formatNodeHours, jobNodeSeconds } from '../lib/node-timeline.js';
import { usePolling } from '../lib/use-polling.js';
import { useApi } from '../lib/use-api.js';

/** `?state=active` keeps the jobs that have not ended. */
const activeFilter = 'active';

/**
 * The workspace's command jobs, newest first, filtered by state and compute (both in the URL);
 * refreshed every few seconds while a job on screen is still queued or running.
 */
export function JobsPage() {
  const { workspace = 'default' } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const state = search.get('state') ?? '';
  const compute = search.get('compute') ?? '';
  const jobs = useApi(() => listJobs(workspace, { compute: compute || undefined }), `${workspace}/${compute}`);
  const computes = useApi(() => listComputes(workspace), workspace);
  const all = jobs.data?.items ?? [];
  usePolling(
    jobs.reload,
    all.some((job) => !isTerminal(job.state)),
  );
  const rows = all.filter((job) => !state || (state === activeFilter ? !isTerminal(job.state) : job.state === state));
  const update = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(key, value);
    else next.delete(key);
    setSearch(next, { replace: true });
  };
  const columns: Column<Job>[] = [
    { id: 'name', header: 'Name', render: (job) => <Link to={`/w/${workspace}/jobs/${encodeURIComponent(job.name)}`}>{job.name}</Link> },
    { id: 'display', header: 'Display name', render: (job) => (job.displayName && job.displayName !== job.name ? job.displayName : '') },
    { id: 'state', header: 'State', render: (job) => <StatusBadge status={job.state} /> },
    {
      id: 'compute',
      header: 'Compute',
      render: (job) => <Link to={`/w/${workspace}/computes/${encodeURIComponent(job.compute)}`}>{job.compute}</Link>,
    },
    { id: 'submitted', header: 'Submitted', render: (job) => formatTime(job.submittedAt) },
    { id: 'duration', header: 'Duration', render: (job) => formatDuration(job.startedAt ?? undefined, job.endedAt ?? undefined) },
    { id: 'node-hours', header: 'Node-hours', numeric: true, render: (job) => formatNodeHours(jobNodeSeconds(job, Date.now())) },
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
        <span className="muted">{all.some((job) => !isTerminal(job.state)) ? 'refreshing every 3 s while jobs run' : ''}</span>
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
      {jobs.loading && !jobs.data ? <Loading what="jobs" /> : null}
      {jobs.data && all.length === 0 && !compute ? (
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
          <DataTable
            label="Jobs"
            columns={columns}
            rows={rows}
            rowKey={(job) => job.name}
            onOpen={(job) => navigate(`/w/${workspace}/jobs/${encodeURIComponent(job.name)}`)}
          />
          <p className="muted">
            {rows.length} of {all.length} jobs{jobs.data?.truncated ? ' (the newest 500)' : ''}
          </p>
        </>
      ) : null}
    </section>
  );
}
