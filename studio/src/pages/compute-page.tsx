import { useMemo } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { computeUsage, getCompute, jobEvents, listJobs, type ComputeNode, type Job } from '../api/jobs.js';
import { DataTable, type Column } from '../components/data-table.js';
import { MetricChart, type ChartSeries } from '../components/metric-chart.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDuration, formatTime } from '../lib/format.js';
import { formatCost, nodeCostSoFar } from '../lib/node-cost.js';
import { countOverTime, formatNodeHours, holdingIntervals, jobNodeSeconds, type Interval } from '../lib/node-timeline.js';
import { useClusterRefresh } from '../lib/use-polling.js';
import { useApi } from '../lib/use-api.js';
import { QueueTable } from './computes-page.js';

/** Jobs whose state history draws the timeline: the most recent ones that got nodes. */
const chartedJobs = 50;

/** One cluster: its settings, its nodes now, the nodes over time, its node-hours and cost, its queue. */
export function ComputePage() {
  const { workspace = 'default', name = '' } = useParams();
  const navigate = useNavigate();
  const compute = useApi(() => getCompute(workspace, name), `${workspace}/${name}`);
  // The nodes of the last day, removed ones too, for the chart of nodes over time.
  const usage = useApi(() => computeUsage(workspace, name, Date.now() - chartSpanMs), `${workspace}/${name}`);
  const jobs = useApi(() => listJobs(workspace, { compute: name, max: 200 }), `${workspace}/${name}`);
  const started = (jobs.data?.items ?? []).filter((job) => job.startedAt !== null || job.state !== 'Queued').slice(0, chartedJobs);
  // One key per set of jobs and states: the histories are read again only when a job moved.
  const historyKey = started.map((job) => `${job.name}:${job.state}:${job.attempt}`).join(',');
  const histories = useApi(
    async () => Promise.all(started.map(async (job) => ({ job, events: await jobEvents(workspace, job.name) }))),
    `${workspace}/${historyKey}`,
  );
  useClusterRefresh(usage, jobs);

  const nodes = usage.data?.nodes ?? [];
  const history = usage.data?.history;
  const series = useMemo(() => timeline(history ?? nodes, histories.data ?? []), [history, nodes, histories.data]);
  if (compute.error)
    return <ErrorNotice error={compute.error} action={<Link to={`/w/${workspace}/computes`}>Back to the computes</Link>} />;
  if (!compute.data) return <Loading what="the compute" />;
  const spec = compute.data.spec;
  const lines = usage.data?.usage ?? [];
  const nodeSeconds = lines.reduce((sum, line) => sum + line.nodeSeconds, 0);
  const queue = (jobs.data?.items ?? [])
    .filter((job) => job.state === 'Queued')
    .sort((a, b) => b.priority - a.priority || a.submittedAt - b.submittedAt);
  const now = Date.now();
  const nodeColumns: Column<ComputeNode>[] = [
    { id: 'node', header: 'Node', render: (node) => <code>{node.nodeId}</code> },
    { id: 'state', header: 'State', render: (node) => <StatusBadge status={node.state} /> },
    {
      id: 'job',
      header: 'Job',
      render: (node) =>
        node.job ? (
          <Link to={`/w/${workspace}/jobs/${encodeURIComponent(node.job)}`}>{node.job}</Link>
        ) : (
          <span className="muted">idle{node.idleSince ? ` for ${formatDuration(node.idleSince, undefined)}` : ''}</span>
        ),
    },
    { id: 'size', header: 'Size', render: (node) => `${node.size} (${node.tier})` },
    { id: 'since', header: 'Up since', render: (node) => formatTime(node.createdAt) },
    { id: 'node-hours', header: 'Node-hours', numeric: true, render: (node) => formatNodeHours((now - node.createdAt) / 1000) },
    { id: 'cost', header: 'Cost', numeric: true, render: (node) => nodeCostSoFar(node, (now - node.createdAt) / 1000) },
  ];
  const jobColumns: Column<Job>[] = [
    {
      id: 'name',
      header: 'Job',
      render: (job) => <Link to={`/w/${workspace}/jobs/${encodeURIComponent(job.name)}`}>{job.displayName || job.name}</Link>,
    },
    { id: 'state', header: 'State', render: (job) => <StatusBadge status={job.state} /> },
    { id: 'submitted', header: 'Submitted', render: (job) => formatTime(job.submittedAt) },
    { id: 'duration', header: 'Duration', render: (job) => formatDuration(job.startedAt ?? undefined, job.endedAt ?? undefined) },
    { id: 'node-hours', header: 'Node-hours', numeric: true, render: (job) => formatNodeHours(jobNodeSeconds(job, Date.now())) },
  ];
  return (
    <section>
      <nav className="crumbs">
        <Link to={`/w/${workspace}/computes`}>Compute</Link> / <span>{compute.data.name}</span>
      </nav>
      <h1>{compute.data.name}</h1>
      {(usage.error ?? jobs.error) ? <ErrorNotice error={(usage.error ?? jobs.error)!} /> : null}
      <dl className="facts" aria-label="Compute">
        <dt>Type</dt>
        <dd>{String(spec.type ?? '—')}</dd>
        <dt>Size</dt>
        <dd>
          {String(spec.size ?? '—')} {spec.tier ? <span className="muted">({String(spec.tier)})</span> : null}
        </dd>
        <dt>Instances</dt>
        <dd>
          {String(spec.min_instances ?? 0)} to {String(spec.max_instances ?? '—')}
          {spec.idle_time_before_scale_down !== undefined ? (
            <span className="muted"> · scales down after {String(spec.idle_time_before_scale_down)} s idle</span>
          ) : null}
        </dd>
        <dt>Nodes now</dt>
        <dd>
          {nodes.length} ({nodes.filter((node) => node.job !== null).length} busy)
        </dd>
        <dt>Node-hours</dt>
        <dd>
          {formatNodeHours(nodeSeconds)} <span className="muted">over {lines.reduce((sum, line) => sum + line.nodes, 0)} nodes so far</span>
        </dd>
        <dt>Cost</dt>
        <dd>
          {lines.length === 0 ? '$0.0000' : lines.map(formatCost).join(' + ')} <span className="muted">({usage.data?.pricing.note})</span>
        </dd>
      </dl>

      <h2>Nodes over time</h2>
      {series ? (
        <figure className="metric-panel">
          <MetricChart title="Nodes" series={series} xLabel="time" isTime logScale={false} height={220} />
          <figcaption className="muted">
            Nodes up: every node of the cluster in the last day, from its start to its removal (scale-down, eviction). Held by jobs: from
            each job's state history (Preparing until it ends); the difference is idle nodes waiting for work or for
            idle_time_before_scale_down.
          </figcaption>
        </figure>
      ) : (
        <p className="muted">No job has run here yet.</p>
      )}

      <h2>Nodes</h2>
      {usage.loading && !usage.data ? <Loading what="nodes" /> : null}
      {usage.data && nodes.length === 0 ? (
        <p className="muted">No node is up: the cluster is at zero and starts nodes when a job is queued.</p>
      ) : null}
      {nodes.length > 0 ? (
        <DataTable
          label="Nodes"
          columns={nodeColumns}
          rows={nodes}
          rowKey={(node) => node.nodeId}
          onOpen={(node) => node.job && navigate(`/w/${workspace}/jobs/${encodeURIComponent(node.job)}`)}
        />
      ) : null}

      <h2>Queue</h2>
      <QueueTable workspace={workspace} jobs={queue} showCompute={false} />

      <h2>Recent jobs</h2>
      {(jobs.data?.items.length ?? 0) === 0 ? (
        <p className="muted">
          No job has run here. Submit one with <code>compute: azureml:{compute.data.name}</code>:{' '}
          <code>trellis job create --file job.yml</code>
        </p>
      ) : (
        <DataTable
          label="Jobs on this compute"
          columns={jobColumns}
          rows={jobs.data!.items.slice(0, 20)}
          rowKey={(job) => job.name}
          onOpen={(job) => navigate(`/w/${workspace}/jobs/${encodeURIComponent(job.name)}`)}
        />
      )}
    </section>
  );
}

/** How far back the chart of nodes over time goes. */
const chartSpanMs = 24 * 3600_000;

/** Nodes held by jobs and nodes up (each from its start to its removal), over the span the records cover (at most a day). */
function timeline(
  nodes: ComputeNode[],
  histories: Array<{ job: Job; events: Awaited<ReturnType<typeof jobEvents>> }>,
): ChartSeries[] | undefined {
  const held: Interval[] = histories.flatMap(({ job, events }) => holdingIntervals(events, job.instanceCount));
  const up: Interval[] = nodes.map((node) => ({ start: node.createdAt, end: node.removedAt ?? undefined, count: 1 }));
  if (held.length === 0 && up.length === 0) return undefined;
  const now = Date.now();
  const from = Math.max(now - chartSpanMs, Math.min(...[...held, ...up].map((interval) => interval.start)) - 5_000);
  const heldSeries = countOverTime(held, from, now);
  const upSeries = countOverTime(up, from, now);
  return [
    { label: 'held by jobs', ...heldSeries },
    { label: 'nodes up', ...upSeries },
  ];
}
