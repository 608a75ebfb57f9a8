import { useMemo } from 'react';
import { metricSeries } from '../api/trellis.js';
import { smooth } from '../lib/smoothing.js';
import { useApi } from '../lib/use-api.js';
import { MetricChart } from './metric-chart.js';
import { ErrorNotice, Loading } from './notice.js';

export interface ChartOptions {
  x: 'step' | 'timestamp';
  logScale: boolean;
  smoothing: number;
}

/** Points asked of the server per curve: about one per pixel of a wide chart (LTTB keeps the shape). */
const pointsPerCurve = 1500;

/** One metric of one or more runs: the server downsamples each history, the chart overlays them. */
export function MetricPanel({
  workspace,
  runs,
  metric,
  options,
}: {
  workspace: string;
  runs: Array<{ id: string; label: string }>;
  metric: string;
  options: ChartOptions;
}) {
  const loaded = useApi(
    () => Promise.all(runs.map((run) => metricSeries(workspace, run.id, metric, pointsPerCurve, options.x))),
    JSON.stringify([workspace, runs, metric, options.x]),
  );
  const series = useMemo(
    () =>
      (loaded.data ?? []).map((answer, index) => ({
        label: runs[index]?.label ?? answer.runId,
        xs: answer.points.map((point) => (options.x === 'step' ? point.step : point.timestamp)),
        ys: smooth(
          answer.points.map((point) => point.value),
          options.smoothing,
        ),
      })),
    [loaded.data, runs, options.x, options.smoothing],
  );
  const total = loaded.data?.reduce((sum, answer) => sum + answer.total, 0) ?? 0;
  const drawn = series.reduce((sum, item) => sum + item.xs.length, 0);
  return (
    <figure className="metric-panel">
      {loaded.error ? <ErrorNotice error={loaded.error} /> : null}
      {loaded.loading && !loaded.data ? <Loading what={metric} /> : null}
      {loaded.data ? (
        <MetricChart
          title={metric}
          series={series}
          xLabel={options.x === 'step' ? 'step' : 'time'}
          isTime={options.x === 'timestamp'}
          logScale={options.logScale}
        />
      ) : null}
      {loaded.data ? (
        <figcaption className="muted">
          {total > drawn
            ? `${drawn.toLocaleString()} of ${total.toLocaleString()} points (downsampled on the server, LTTB)`
            : `${total.toLocaleString()} point${total === 1 ? '' : 's'}`}
        </figcaption>
      ) : null}
    </figure>
  );
}

export function ChartControls({ options, onChange }: { options: ChartOptions; onChange: (options: ChartOptions) => void }) {
  return (
    <div className="toolbar">
      <label>
        x axis{' '}
        <select
          aria-label="x axis"
          value={options.x}
          onChange={(event) => onChange({ ...options, x: event.target.value as ChartOptions['x'] })}
        >
          <option value="step">step</option>
          <option value="timestamp">time</option>
        </select>
      </label>
      <label>
        <input type="checkbox" checked={options.logScale} onChange={(event) => onChange({ ...options, logScale: event.target.checked })} />{' '}
        log scale
      </label>
      <label>
        smoothing{' '}
        <input
          type="range"
          aria-label="smoothing"
          min={0}
          max={0.99}
          step={0.01}
          value={options.smoothing}
          onChange={(event) => onChange({ ...options, smoothing: Number(event.target.value) })}
        />{' '}
        {options.smoothing.toFixed(2)}
      </label>
    </div>
  );
}
