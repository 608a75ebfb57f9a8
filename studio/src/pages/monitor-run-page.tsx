import { Link, useParams } from 'react-router';
import {
  type FeatureMetric,
  getMonitorRun,
  type MonitorRun,
  monitorPagePath,
  monitorsPagePath,
  type SignalResult,
} from '../api/monitors.js';
import { DistributionChart } from '../components/distribution-chart.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDuration, formatNumber, formatTime } from '../lib/format.js';
import { breachesBelow, describeSide, outcomeTones, runOutcome } from '../lib/monitor-series.js';
import { useApi } from '../lib/use-api.js';

/**
 * One run of a monitor, whole: per signal, how it came out and why, the rows compared
 * (production window and reference), each feature's metrics against their thresholds with
 * breaches highlighted, and per feature the reference and production distributions overlaid
 * with that feature's values (drift distances, data-quality rates). A run never changes: read once.
 */
export function MonitorRunPage() {
  const { workspace = 'default', name = '', run = '' } = useParams();
  const loaded = useApi(() => getMonitorRun(workspace, name, run), `${workspace}/${name}/${run}`);
  if (loaded.error)
    return <ErrorNotice error={loaded.error} action={<Link to={monitorPagePath(workspace, name)}>Back to monitor {name}</Link>} />;
  if (!loaded.data) return <Loading what="the run" />;
  const current = loaded.data;
  const outcome = runOutcome(current);
  return (
    <section>
      <nav className="crumbs">
        <Link to={monitorsPagePath(workspace)}>Monitors</Link> / <Link to={monitorPagePath(workspace, name)}>{name}</Link> /{' '}
        <span>{current.name}</span>
      </nav>
      <h1>
        {current.name} <StatusBadge status={current.state} /> <span className={`badge ${outcome.tone}`}>{outcome.label}</span>{' '}
        <span className="kind">monitor run</span>
      </h1>
      {current.reason ? <p className={current.state === 'Failed' ? 'notice error' : 'reason'}>{current.reason}</p> : null}
      {current.alertError ? (
        <p className="notice error" role="alert">
          Alerts were not sent: {current.alertError}
        </p>
      ) : null}
      <Facts workspace={workspace} run={current} />
      {current.signals.map((signal) => (
        <SignalSection key={signal.name} signal={signal} />
      ))}
    </section>
  );
}

function Facts({ workspace, run }: { workspace: string; run: MonitorRun }) {
  return (
    <dl className="facts" aria-label="Run">
      <dt>Monitor</dt>
      <dd>
        <Link to={monitorPagePath(workspace, run.schedule)}>{run.schedule}</Link>
      </dd>
      <dt>Computed for</dt>
      <dd>{formatTime(run.slotAt)}</dd>
      <dt>Ran</dt>
      <dd>
        {formatTime(run.startedAt)} <span className="muted">({formatDuration(run.startedAt, run.endedAt)})</span>
      </dd>
      <dt>Breaches</dt>
      <dd>{run.breaches}</dd>
    </dl>
  );
}

/** One signal of the run: outcome, the two sides, the metrics table and the distributions. */
function SignalSection({ signal }: { signal: SignalResult }) {
  return (
    <section className="monitor-signal" aria-label={`Signal ${signal.name}`} data-signal={signal.name} data-outcome={signal.outcome}>
      <h2>
        {signal.name} <span className={`badge ${outcomeTones[signal.outcome]}`}>{signal.outcome}</span>{' '}
        <span className="kind">{signal.type}</span>
      </h2>
      {signal.reason ? <p className={signal.outcome === 'failed' ? 'notice error' : 'reason'}>{signal.reason}</p> : null}
      <dl className="facts" aria-label={`Rows compared by ${signal.name}`}>
        <dt>Production</dt>
        <dd>{describeSide(signal.production)}</dd>
        <dt>Reference</dt>
        <dd>{describeSide(signal.reference)}</dd>
      </dl>
      {signal.metrics.length > 0 ? <MetricTable label={`Metrics of ${signal.name}`} metrics={signal.metrics} showFeature /> : null}
      {signal.distributions.length > 0 ? (
        <>
          <h3>Distributions</h3>
          <div className="distributions">
            {signal.distributions.map((distribution) => {
              const metrics = signal.metrics.filter((metric) => metric.feature === distribution.feature);
              const isBreached = metrics.some((metric) => metric.breached);
              return (
                <section
                  key={distribution.feature}
                  className={`feature-distribution${isBreached ? ' breached' : ''}`}
                  aria-label={`Feature ${distribution.feature}`}
                  data-feature={distribution.feature}
                >
                  <h4>
                    {distribution.feature} <span className="muted">({distribution.featureType})</span>
                    {isBreached ? <span className="badge bad">breached</span> : null}
                  </h4>
                  <DistributionChart distribution={distribution} />
                  {metrics.length > 0 ? (
                    <MetricTable label={`Metrics of ${signal.name} for ${distribution.feature}`} metrics={metrics} showFeature={false} />
                  ) : null}
                </section>
              );
            })}
          </div>
        </>
      ) : null}
    </section>
  );
}

/** Feature metrics against their thresholds; a row past its threshold is highlighted and says so. */
function MetricTable({ label, metrics, showFeature }: { label: string; metrics: FeatureMetric[]; showFeature: boolean }) {
  return (
    <table className="data-table compact monitor-metrics" aria-label={label}>
      <thead>
        <tr>
          {showFeature ? <th>Feature</th> : null}
          {showFeature ? <th>Type</th> : null}
          <th>Metric</th>
          <th className="numeric">Value</th>
          <th className="numeric">Threshold</th>
          <th>Verdict</th>
        </tr>
      </thead>
      <tbody>
        {metrics.map((metric) => (
          <tr
            key={`${metric.feature}/${metric.metric}`}
            className={metric.breached ? 'breached' : undefined}
            data-feature={metric.feature}
            data-metric={metric.metric}
          >
            {showFeature ? <td>{metric.feature}</td> : null}
            {showFeature ? <td className="muted">{metric.featureType}</td> : null}
            <td>
              <code>{metric.metric}</code>
            </td>
            <td className="numeric">{metric.value === null ? <span className="muted">—</span> : formatNumber(metric.value)}</td>
            <td className="numeric">
              {formatNumber(metric.threshold)}{' '}
              <span className="muted" title={breachesBelow(metric.metric) ? 'breached below it' : 'breached above it'}>
                {breachesBelow(metric.metric) ? '(min)' : '(max)'}
              </span>
            </td>
            <td>
              {metric.breached ? (
                <span className="badge bad">breached</span>
              ) : metric.value === null ? (
                <span className="muted">{metric.reason ?? 'not computed'}</span>
              ) : (
                <span className="badge ok">within</span>
              )}
              {metric.reason && metric.value !== null ? <div className="muted">{metric.reason}</div> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
