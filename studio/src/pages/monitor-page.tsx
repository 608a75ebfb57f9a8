import { Link, useParams } from 'react-router';
import { getMonitor, type Monitor, monitorRunPagePath, monitorsPagePath } from '../api/monitors.js';
import { schedulePagePath } from '../api/schedules.js';
import { Watched } from '../components/monitor-target.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { SignalChart } from '../components/signal-chart.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatTime } from '../lib/format.js';
import { outcomeTones, runOutcome, signalHistory } from '../lib/monitor-series.js';
import { formatRelative } from '../lib/relative-time.js';
import { usePolling } from '../lib/use-polling.js';
import { useApi } from '../lib/use-api.js';

/**
 * One model monitor: what it watches, who is mailed, its signals; each signal's metrics over its
 * runs (a line per feature, the threshold, breaches ringed in red); and its runs, each with how
 * every signal came out, linked to the run's page. Re-read every few seconds: a firing adds a run.
 */
export function MonitorPage() {
  const { workspace = 'default', name = '' } = useParams();
  const monitor = useApi(() => getMonitor(workspace, name), `${workspace}/${name}`);
  usePolling(monitor.reload, monitor.data !== undefined, 5000);
  if (monitor.error)
    return <ErrorNotice error={monitor.error} action={<Link to={monitorsPagePath(workspace)}>Back to the monitors</Link>} />;
  if (!monitor.data) return <Loading what="the monitor" />;
  const current = monitor.data;
  return (
    <section>
      <nav className="crumbs">
        <Link to={monitorsPagePath(workspace)}>Monitors</Link> / <span>{current.name}</span>
      </nav>
      <h1>
        {current.displayName || current.name}{' '}
        <span className={`badge ${current.enabled ? 'ok' : 'idle'}`}>{current.enabled ? 'enabled' : 'disabled'}</span>{' '}
        <span className="kind">monitor</span>
      </h1>
      <p className="reason trigger">{current.triggerDescription}</p>

      <div className="columns">
        <Facts workspace={workspace} monitor={current} />
        <SignalList monitor={current} />
      </div>

      <h2>Signals over time</h2>
      {current.runs.length === 0 ? (
        <p className="muted">No run yet: the first comes at its next firing, or with Trigger now on its schedule's page.</p>
      ) : (
        current.signals.map((signal) => <SignalCharts key={signal.name} monitor={current} signal={signal.name} />)
      )}

      <h2>Runs</h2>
      <RunTable workspace={workspace} monitor={current} />
    </section>
  );
}

function Facts({ workspace, monitor }: { workspace: string; monitor: Monitor }) {
  return (
    <dl className="facts" aria-label="Monitor">
      <dt>Watches</dt>
      <dd>
        <Watched workspace={workspace} monitor={monitor} />
      </dd>
      {monitor.mlTask ? (
        <>
          <dt>ML task</dt>
          <dd>{monitor.mlTask}</dd>
        </>
      ) : null}
      <dt>Emails</dt>
      <dd>{monitor.emails.length > 0 ? monitor.emails.join(', ') : <span className="muted">none</span>}</dd>
      <dt>Schedule</dt>
      <dd>
        <Link to={schedulePagePath(workspace, monitor.name)}>{monitor.name}</Link>{' '}
        <span className="muted">(enable, disable or fire it there)</span>
      </dd>
      <dt>Next run</dt>
      <dd>
        {monitor.nextFireAt !== null ? (
          <>
            {formatTime(monitor.nextFireAt)} <span className="muted">({formatRelative(monitor.nextFireAt, Date.now())})</span>
          </>
        ) : (
          <span className="muted">{monitor.enabled ? 'none (past its end)' : '— (disabled)'}</span>
        )}
      </dd>
    </dl>
  );
}

/** The signals, with their type, whether they alert, and how each came out in the newest run. */
function SignalList({ monitor }: { monitor: Monitor }) {
  const last = monitor.runs[0];
  return (
    <table className="data-table compact" aria-label="Signals">
      <thead>
        <tr>
          <th>Signal</th>
          <th>Type</th>
          <th>Alerts</th>
          <th>Last outcome</th>
        </tr>
      </thead>
      <tbody>
        {monitor.signals.map((signal) => {
          const result = last?.signals.find((item) => item.name === signal.name);
          return (
            <tr key={signal.name} data-signal={signal.name}>
              <td>{signal.name}</td>
              <td>
                <code>{signal.type}</code>
              </td>
              <td>{signal.alertEnabled ? 'on' : <span className="muted">off</span>}</td>
              <td>{result ? <span className={`badge ${outcomeTones[result.outcome]}`}>{result.outcome}</span> : '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A chart per metric of one signal over the runs. */
function SignalCharts({ monitor, signal }: { monitor: Monitor; signal: string }) {
  const histories = signalHistory(monitor.runs, signal);
  return (
    <section className="signal-history" aria-label={`Signal ${signal}`} data-signal={signal}>
      <h3>{signal}</h3>
      {histories.length === 0 ? (
        <p className="muted">No values yet: no run could compute this signal (see the runs' reasons).</p>
      ) : (
        <div className="charts">
          {histories.map((history) => (
            <SignalChart key={history.metric} title={`${signal}: ${history.metric}`} history={history} />
          ))}
        </div>
      )}
    </section>
  );
}

/** The runs, newest first: when, state, each signal's outcome, breaches, and whether alerts went out. */
function RunTable({ workspace, monitor }: { workspace: string; monitor: Monitor }) {
  if (monitor.runs.length === 0) return <p className="muted">None yet.</p>;
  return (
    <div className="scroll">
      <table className="data-table compact" aria-label="Runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Computed for</th>
            <th>State</th>
            {monitor.signals.map((signal) => (
              <th key={signal.name} data-signal={signal.name}>
                {signal.name}
              </th>
            ))}
            <th className="numeric">Breaches</th>
            <th>Notes</th>
          </tr>
        </thead>
        <tbody>
          {monitor.runs.map((run) => {
            const outcome = runOutcome(run);
            return (
              <tr key={run.name} data-run={run.name} className={run.breaches > 0 ? 'breached' : undefined}>
                <td>
                  <Link to={monitorRunPagePath(workspace, monitor.name, run.name)}>{run.name}</Link>
                </td>
                <td>{formatTime(run.slotAt)}</td>
                <td>
                  <StatusBadge status={run.state} />
                </td>
                {monitor.signals.map((signal) => {
                  const result = run.signals.find((item) => item.name === signal.name);
                  return (
                    <td key={signal.name}>
                      {result ? <span className={`badge ${outcomeTones[result.outcome]}`}>{result.outcome}</span> : '—'}
                    </td>
                  );
                })}
                <td className="numeric">
                  <span className={`badge ${outcome.tone}`}>{run.breaches}</span>
                </td>
                <td>{[run.reason, run.alertError].filter(Boolean).join('; ')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
