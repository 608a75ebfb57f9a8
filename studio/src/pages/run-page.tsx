import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { getExperiment, getRun, tagMap, type Run } from '../api/mlflow.js';
import { ArtifactBrowser } from '../components/artifact-browser.js';
import { LogTail } from '../components/log-tail.js';
import { ChartControls, MetricPanel, type ChartOptions } from '../components/metric-panel.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDuration, formatNumber, formatTime } from '../lib/format.js';
import { useApi } from '../lib/use-api.js';

/** At most this many metric charts open at once; the rest are a click away. */
const chartsShown = 12;

/** One run: what it is and where it came from, its curves, params, metrics, tags and artifacts. */
export function RunPage() {
  const { workspace = 'default', runId = '' } = useParams();
  const run = useApi(() => getRun(workspace, runId), `${workspace}/${runId}`);
  if (run.error) return <ErrorNotice error={run.error} action={<Link to={`/w/${workspace}/experiments`}>Back to the experiments</Link>} />;
  if (!run.data) return <Loading what="the run" />;
  return <RunView workspace={workspace} run={run.data} />;
}

function RunView({ workspace, run }: { workspace: string; run: Run }) {
  const experiment = useApi(() => getExperiment(workspace, run.info.experiment_id), `${workspace}/${run.info.experiment_id}`);
  const [options, setOptions] = useState<ChartOptions>({ x: 'step', logScale: false, smoothing: 0 });
  const [showAll, setShowAll] = useState(false);
  const tags = tagMap(run);
  const metrics = [...(run.data.metrics ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  // What the job's machine did (CPU, memory, GPU: `system/...`, logged by Trellis for job runs) gets a section of its own.
  const model = metrics.filter((metric) => !metric.key.startsWith('system/'));
  const system = metrics.filter((metric) => metric.key.startsWith('system/'));
  const charted = showAll ? model : model.slice(0, chartsShown);
  const self = [{ id: run.info.run_id, label: run.info.run_name ?? run.info.run_id }];
  return (
    <section>
      <nav className="crumbs">
        <Link to={`/w/${workspace}/experiments`}>Experiments</Link> /{' '}
        <Link to={`/w/${workspace}/experiments/${run.info.experiment_id}`}>{experiment.data?.name ?? run.info.experiment_id}</Link> /{' '}
        <span>{run.info.run_name}</span>
      </nav>
      <h1>
        {run.info.run_name ?? run.info.run_id} <StatusBadge status={run.info.status} />
      </h1>
      <dl className="facts">
        <dt>Run ID</dt>
        <dd>
          <code>{run.info.run_id}</code>
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(run.info.start_time)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(run.info.start_time, run.info.end_time)}</dd>
        <dt>User</dt>
        <dd>{run.info.user_id || '—'}</dd>
        {tags['trellis.job'] ? (
          <>
            <dt>Job</dt>
            <dd>
              <Link to={`/w/${workspace}/jobs/${encodeURIComponent(tags['trellis.job'])}`}>{tags['trellis.job']}</Link>{' '}
              <span className="muted">(its log, lineage and state history)</span>
            </dd>
          </>
        ) : null}
        {tags['mlflow.source.name'] ? (
          <>
            <dt>Source</dt>
            <dd>{tags['mlflow.source.name']}</dd>
          </>
        ) : null}
      </dl>

      <h2>Metrics</h2>
      {metrics.length === 0 ? (
        <p className="muted">This run logged no metrics.</p>
      ) : (
        <ChartControls options={options} onChange={setOptions} />
      )}
      <div className="charts">
        {charted.map((metric) => (
          <MetricPanel key={metric.key} workspace={workspace} runs={self} metric={metric.key} options={options} />
        ))}
      </div>
      {model.length > charted.length ? (
        <button type="button" onClick={() => setShowAll(true)}>
          Show all {model.length} charts
        </button>
      ) : null}
      {system.length > 0 ? (
        <>
          <h2>System</h2>
          <div className="charts">
            {system.map((metric) => (
              <MetricPanel key={metric.key} workspace={workspace} runs={self} metric={metric.key} options={options} />
            ))}
          </div>
        </>
      ) : null}
      {tags['trellis.job'] ? (
        <>
          <h2>Job log</h2>
          <LogTail workspace={workspace} name={tags['trellis.job']} />
        </>
      ) : null}

      <div className="columns">
        <KeyValues title="Parameters" rows={(run.data.params ?? []).map((param) => [param.key, param.value])} empty="No parameters." />
        <KeyValues
          title="Latest metric values"
          rows={metrics.map((metric) => [metric.key, `${formatNumber(metric.value)} (step ${metric.step})`])}
          empty="No metrics."
        />
        <KeyValues
          title="Tags"
          rows={(run.data.tags ?? [])
            .filter((tag) => !tag.key.startsWith('mlflow.') || tag.key === 'mlflow.note.content')
            .map((tag) => [tag.key, tag.value])}
          empty="No tags of its own."
        />
      </div>

      <h2>Artifacts</h2>
      <ArtifactBrowser workspace={workspace} run={run} />
    </section>
  );
}

function KeyValues({ title, rows, empty }: { title: string; rows: Array<[string, string]>; empty: string }) {
  return (
    <div>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table className="data-table compact" aria-label={title}>
          <tbody>
            {rows.map(([key, value]) => (
              <tr key={key}>
                <th>{key}</th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
