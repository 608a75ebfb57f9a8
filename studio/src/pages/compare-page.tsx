import { useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { getRun } from '../api/mlflow.js';
import { ChartControls, MetricPanel, type ChartOptions } from '../components/metric-panel.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { ParallelCoordinates } from '../components/parallel-coordinates.js';
import { ScatterPlot } from '../components/scatter-plot.js';
import { compareRows, dimensionOf } from '../lib/compare.js';
import { formatNumber } from '../lib/format.js';
import { useApi } from '../lib/use-api.js';

/** At most this many runs side by side (the URL names them). */
const maxRuns = 20;

/**
 * Runs side by side (`?runs=a,b,c`): params and latest metrics with the differences marked, their
 * curves overlaid, a parallel-coordinates plot of the params against a chosen metric, and a
 * scatter of any two values.
 */
export function ComparePage() {
  const { workspace = 'default' } = useParams();
  const [search, setSearch] = useSearchParams();
  const ids = (search.get('runs') ?? '').split(',').filter(Boolean).slice(0, maxRuns);
  const runs = useApi(() => Promise.all(ids.map((id) => getRun(workspace, id))), `${workspace}/${ids.join(',')}`);
  const [onlyDifferences, setOnlyDifferences] = useState(false);
  const [options, setOptions] = useState<ChartOptions>({ x: 'step', logScale: false, smoothing: 0 });
  const rows = useMemo(() => compareRows(runs.data ?? []), [runs.data]);
  const labels = (runs.data ?? []).map((run) => run.info.run_name || run.info.run_id);
  const metricKeys = rows.filter((row) => row.kind === 'metrics').map((row) => row.key);
  const metric = search.get('metric') ?? metricKeys[0];
  const dimensions = useMemo(() => rows.map(dimensionOf), [rows]);
  const byId = new Map(dimensions.map((dimension) => [dimension.id, dimension]));
  const x = byId.get(search.get('x') ?? '') ?? dimensions.find((dimension) => dimension.id.startsWith('params.')) ?? dimensions[0];
  const y = byId.get(search.get('y') ?? '') ?? (metric ? byId.get(`metrics.${metric}`) : undefined) ?? dimensions[1];
  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(search);
    next.set(key, value);
    setSearch(next, { replace: true });
  };

  if (ids.length < 2) {
    return (
      <EmptyState title="Pick runs to compare">
        <p>Open an experiment, pick two or more runs in its table (the boxes, or Space on a row) and press Compare.</p>
        <Link to={`/w/${workspace}/experiments`}>Experiments</Link>
      </EmptyState>
    );
  }
  if (runs.error) return <ErrorNotice error={runs.error} />;
  if (!runs.data) return <Loading what="the runs" />;
  const shown = onlyDifferences ? rows.filter((row) => row.differs) : rows;
  const runIds = runs.data.map((run) => run.info.run_id);
  const paramDimensions = dimensions.filter((dimension) => dimension.id.startsWith('params.'));
  const metricDimension = metric ? byId.get(`metrics.${metric}`) : undefined;
  return (
    <section>
      <h1>Compare {runs.data.length} runs</h1>
      <label>
        <input type="checkbox" checked={onlyDifferences} onChange={(event) => setOnlyDifferences(event.target.checked)} /> only what differs
      </label>
      <div className="scroll">
        <table className="data-table compact compare" aria-label="Comparison">
          <thead>
            <tr>
              <th />
              {runs.data.map((run) => (
                <th key={run.info.run_id}>
                  <Link to={`/w/${workspace}/runs/${run.info.run_id}`}>{run.info.run_name || run.info.run_id}</Link>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((row) => (
              <tr key={`${row.kind}.${row.key}`} className={row.differs ? 'differs' : undefined}>
                <th>
                  <span className="muted">{row.kind === 'params' ? 'param' : 'metric'}</span> {row.key}
                </th>
                {row.values.map((value, index) => (
                  <td key={runIds[index]} className={row.kind === 'metrics' ? 'numeric' : undefined}>
                    {value === undefined ? <span className="muted">—</span> : typeof value === 'number' ? formatNumber(value) : value}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {metricKeys.length > 0 ? (
        <>
          <h2>Parameters against a metric</h2>
          <label>
            metric{' '}
            <select
              aria-label="Metric for the parallel coordinates"
              value={metric}
              onChange={(event) => setParam('metric', event.target.value)}
            >
              {metricKeys.map((key) => (
                <option key={key}>{key}</option>
              ))}
            </select>
          </label>
          {metricDimension && paramDimensions.length > 0 ? (
            <ParallelCoordinates dimensions={[...paramDimensions, metricDimension]} labels={labels} />
          ) : (
            <p className="muted">These runs have no params to plot.</p>
          )}
        </>
      ) : null}

      {x && y ? (
        <>
          <h2>Scatter</h2>
          <div className="toolbar">
            {(['x', 'y'] as const).map((axis) => (
              <label key={axis}>
                {axis}{' '}
                <select
                  aria-label={`Scatter ${axis}`}
                  value={(axis === 'x' ? x : y).id}
                  onChange={(event) => setParam(axis, event.target.value)}
                >
                  {dimensions.map((dimension) => (
                    <option key={dimension.id} value={dimension.id}>
                      {dimension.label}
                    </option>
                  ))}
                </select>
              </label>
            ))}
          </div>
          <ScatterPlot x={x} y={y} labels={labels} />
        </>
      ) : null}

      {metricKeys.length > 0 ? (
        <>
          <h2>Curves</h2>
          <ChartControls options={options} onChange={setOptions} />
          <div className="charts">
            {metricKeys.slice(0, 12).map((key) => (
              <MetricPanel
                key={key}
                workspace={workspace}
                runs={runs.data!.map((run, index) => ({ id: run.info.run_id, label: labels[index]! }))}
                metric={key}
                options={options}
              />
            ))}
          </div>
        </>
      ) : null}
    </section>
  );
}
