import { Link, useNavigate, useParams } from 'react-router';
import { listComputes, listJobs, workspaceUsage, type Compute, type Job } from '../api/jobs.js';
import { DataTable, type Column } from '../components/data-table.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDuration, formatTime } from '../lib/format.js';
import { formatCost } from '../lib/node-cost.js';
import { formatNodeHours } from '../lib/node-timeline.js';
import { useClusterRefresh } from '../lib/use-polling.js';
import { useApi } from '../lib/use-api.js';

interface ClusterRow {
  compute: Compute;
  nodesNow: number;
  busyNow: number;
  nodeSeconds: number;
  cost: string;
  queued: number;
}

/** The workspace's clusters: their size and bounds, nodes now, node-hours so far; and the queue. */
export function ComputesPage() {
  const { workspace = 'default' } = useParams();
  const navigate = useNavigate();
  const computes = useApi(() => listComputes(workspace), workspace);
  const usage = useApi(() => workspaceUsage(workspace), workspace);
  const jobs = useApi(() => listJobs(workspace), workspace);
  const queue = (jobs.data?.items ?? [])
    .filter((job) => job.state === 'Queued')
    .sort((a, b) => b.priority - a.priority || a.submittedAt - b.submittedAt);
  useClusterRefresh(usage, jobs);
  const rows: ClusterRow[] = (computes.data ?? []).map((compute) => {
    const lines = (usage.data?.usage ?? []).filter((line) => line.compute === compute.name);
    const nodes = (usage.data?.nodes ?? []).filter((node) => node.compute === compute.name);
    return {
      compute,
      nodesNow: nodes.length,
      busyNow: nodes.filter((node) => node.job !== null).length,
      nodeSeconds: lines.reduce((sum, line) => sum + line.nodeSeconds, 0),
      cost: lines.length === 0 ? '$0.0000' : lines.map(formatCost).join(' + '),
      queued: queue.filter((job) => job.compute === compute.name).length,
    };
  });
  const spec = (row: ClusterRow, key: string) => (row.compute.spec[key] === undefined ? '—' : String(row.compute.spec[key]));
  const columns: Column<ClusterRow>[] = [
    {
      id: 'name',
      header: 'Name',
      render: (row) => <Link to={`/w/${workspace}/computes/${encodeURIComponent(row.compute.name)}`}>{row.compute.name}</Link>,
    },
    { id: 'type', header: 'Type', render: (row) => spec(row, 'type') },
    { id: 'size', header: 'Size', render: (row) => spec(row, 'size') },
    { id: 'tier', header: 'Tier', render: (row) => spec(row, 'tier') },
    { id: 'min', header: 'Min', numeric: true, render: (row) => spec(row, 'min_instances') },
    { id: 'max', header: 'Max', numeric: true, render: (row) => spec(row, 'max_instances') },
    {
      id: 'nodes',
      header: 'Nodes now',
      numeric: true,
      render: (row) => `${row.nodesNow}${row.nodesNow > 0 ? ` (${row.busyNow} busy)` : ''}`,
    },
    { id: 'queued', header: 'Queued', numeric: true, render: (row) => row.queued },
    { id: 'node-hours', header: 'Node-hours', numeric: true, render: (row) => formatNodeHours(row.nodeSeconds) },
    { id: 'cost', header: 'Cost', numeric: true, render: (row) => row.cost },
  ];
  const error = computes.error ?? usage.error ?? jobs.error;
  return (
    <section>
      <h1>Compute</h1>
      {error ? (
        <ErrorNotice
          error={error}
          action={
            <button type="button" onClick={computes.reload}>
              Try again
            </button>
          }
        />
      ) : null}
      {computes.loading && !computes.data ? <Loading what="computes" /> : null}
      {computes.data && computes.data.length === 0 ? (
        <EmptyState title="No compute clusters yet">
          <p>Jobs run on a cluster that grows with its queue and shrinks to its minimum when idle. Describe one and create it:</p>
          <pre>{`# compute.yml
name: cpu-cluster
type: amlcompute
size: Standard_DS3_v2
min_instances: 0
max_instances: 2
idle_time_before_scale_down: 120`}</pre>
          <p>
            <code>trellis compute create --file compute.yml</code>, then submit a job to it: <code>trellis job create --file job.yml</code>
          </p>
        </EmptyState>
      ) : null}
      {rows.length > 0 ? (
        <>
          <DataTable
            label="Clusters"
            columns={columns}
            rows={rows}
            rowKey={(row) => row.compute.name}
            onOpen={(row) => navigate(`/w/${workspace}/computes/${encodeURIComponent(row.compute.name)}`)}
          />
          <p className="muted">
            Node-hours count every node from its start to its removal, idle ones too. Cost: {usage.data?.pricing.note}.
          </p>
        </>
      ) : null}
      <h2>Queue</h2>
      <QueueTable workspace={workspace} jobs={queue} showCompute />
    </section>
  );
}

/** Queued jobs in the order the scheduler takes them (priority, then age), each with why it waits. */
export function QueueTable({ workspace, jobs, showCompute }: { workspace: string; jobs: Job[]; showCompute: boolean }) {
  const navigate = useNavigate();
  if (jobs.length === 0) return <p className="muted">No job is waiting.</p>;
  const columns: Column<Job>[] = [
    {
      id: 'name',
      header: 'Job',
      render: (job) => <Link to={`/w/${workspace}/jobs/${encodeURIComponent(job.name)}`}>{job.displayName || job.name}</Link>,
    },
    { id: 'state', header: 'State', render: (job) => <StatusBadge status={job.state} /> },
    ...(showCompute ? [{ id: 'compute', header: 'Compute', render: (job: Job) => job.compute }] : []),
    { id: 'instances', header: 'Instances', numeric: true, render: (job) => job.instanceCount },
    { id: 'waiting', header: 'Waiting for', render: (job) => formatDuration(job.submittedAt, undefined) },
    { id: 'submitted', header: 'Submitted', render: (job) => formatTime(job.submittedAt) },
    { id: 'reason', header: 'Reason', render: (job) => job.reason ?? '' },
  ];
  return (
    <DataTable
      label="Queue"
      columns={columns}
      rows={jobs}
      rowKey={(job) => job.name}
      onOpen={(job) => navigate(`/w/${workspace}/jobs/${encodeURIComponent(job.name)}`)}
    />
  );
}
