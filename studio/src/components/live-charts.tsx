import { useEffect, useMemo, useState } from 'react';
import { endpointStats, type DeploymentStats, type SecondPoint } from '../api/endpoints.js';
import { useApi } from '../lib/use-api.js';
import { MetricChart, type ChartSeries } from './metric-chart.js';
import { ErrorNotice } from './notice.js';

/** How far back the charts look, and how often they are read again. */
const windowSeconds = 120;
const refreshMs = 2000;

/**
 * An endpoint's traffic now, per deployment: requests/s, latency p50/p99, errors and requests in
 * flight over the last two minutes, read every 2 s, with the instance counts beside them.
 */
export function LiveCharts({ workspace, endpoint }: { workspace: string; endpoint: string }) {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((value) => value + 1), refreshMs);
    return () => clearInterval(timer);
  }, []);
  const stats = useApi(() => endpointStats(workspace, endpoint, windowSeconds), `${workspace}/${endpoint}/${tick}`);
  const deployments = useMemo(() => stats.data?.deployments ?? [], [stats.data]);
  const charts = useMemo(() => chartsOf(deployments), [deployments]);
  const total = (pick: (point: SecondPoint) => number) =>
    deployments.reduce((sum, deployment) => sum + deployment.series.reduce((inner, point) => inner + pick(point), 0), 0);
  const requests = total((point) => point.requests);
  const errors = total((point) => point.errors['5xx'] + point.errors.failed);
  return (
    <div className="live" data-requests={requests} data-errors={errors}>
      {stats.error && !stats.data ? <ErrorNotice error={stats.error} /> : null}
      <table className="data-table compact" aria-label="Instances">
        <thead>
          <tr>
            <th>Deployment</th>
            <th className="numeric">Ready instances</th>
            <th className="numeric">Wanted</th>
            <th className="numeric">In flight now</th>
            <th className="numeric">Requests ({windowSeconds} s)</th>
          </tr>
        </thead>
        <tbody>
          {deployments.map((deployment) => (
            <tr key={deployment.name}>
              <th>{deployment.name}</th>
              <td className="numeric">{deployment.readyInstances}</td>
              <td className="numeric">{deployment.desiredInstances}</td>
              <td className="numeric">{deployment.inFlight}</td>
              <td className="numeric">{deployment.series.reduce((sum, point) => sum + point.requests, 0).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted live-caption">
        {requests.toLocaleString()} request{requests === 1 ? '' : 's'} and {errors.toLocaleString()} error{errors === 1 ? '' : 's'} in the
        last {windowSeconds} s · refreshed every {refreshMs / 1000} s · counted by this server since it started
      </p>
      <div className="charts">
        {charts.map((chart) => (
          <figure key={chart.title} className="metric-panel">
            <MetricChart title={chart.title} series={chart.series} xLabel="time" isTime logScale={false} height={200} />
          </figure>
        ))}
      </div>
    </div>
  );
}

function chartsOf(deployments: DeploymentStats[]): Array<{ title: string; series: ChartSeries[] }> {
  const line = (label: string, deployment: DeploymentStats, value: (point: SecondPoint) => number | null) => ({
    label,
    xs: deployment.series.map((point) => point.at),
    ys: deployment.series.map((point) => value(point) ?? Number.NaN),
  });
  if (deployments.length === 0) return [];
  return [
    { title: 'Requests/s', series: deployments.map((deployment) => line(deployment.name, deployment, (point) => point.requests)) },
    {
      title: 'Latency (ms)',
      series: deployments.flatMap((deployment) => [
        line(`${deployment.name} p50`, deployment, (point) => point.p50Ms),
        line(`${deployment.name} p99`, deployment, (point) => point.p99Ms),
      ]),
    },
    {
      title: 'Errors/s (5xx and no answer; 4xx apart)',
      series: deployments.flatMap((deployment) => [
        line(`${deployment.name} 5xx`, deployment, (point) => point.errors['5xx'] + point.errors.failed),
        line(`${deployment.name} 4xx`, deployment, (point) => point.errors['4xx']),
      ]),
    },
    { title: 'In flight (average)', series: deployments.map((deployment) => line(deployment.name, deployment, (point) => point.inFlight)) },
  ];
}
