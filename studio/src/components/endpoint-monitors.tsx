import { Link } from 'react-router';
import { listMonitors, type Monitor, monitorPagePath, monitorRunPagePath } from '../api/monitors.js';
import { formatTime } from '../lib/format.js';
import { monitorsWatching, runOutcome } from '../lib/monitor-series.js';
import { useApi } from '../lib/use-api.js';
import { ErrorNotice } from './notice.js';

/** The model monitors that watch an endpoint (any of its deployments), each linked with its last run; or how to make one. */
export function EndpointMonitors({ workspace, endpoint }: { workspace: string; endpoint: string }) {
  const monitors = useApi(() => listMonitors(workspace), `${workspace}/${endpoint}`);
  if (monitors.error) return <ErrorNotice error={monitors.error} />;
  if (!monitors.data) return null;
  return <MonitorLinks workspace={workspace} endpoint={endpoint} monitors={monitorsWatching(monitors.data, endpoint)} />;
}

/** A list of monitors: name (linked), the deployment watched, the last run and how it came out. */
export function MonitorLinks({ workspace, endpoint, monitors }: { workspace: string; endpoint: string; monitors: readonly Monitor[] }) {
  if (monitors.length === 0)
    return (
      <p className="muted">
        No monitor watches {endpoint}: a schedule with <code>create_monitor</code> whose{' '}
        <code>monitoring_target.endpoint_deployment_id</code> is <code>azureml:{endpoint}:&lt;deployment&gt;</code>.
      </p>
    );
  return (
    <ul className="plain" aria-label="Monitors watching">
      {monitors.map((monitor) => {
        const last = monitor.runs[0];
        const outcome = last ? runOutcome(last) : undefined;
        return (
          <li key={monitor.name} data-monitor={monitor.name}>
            <Link to={monitorPagePath(workspace, monitor.name)}>{monitor.name}</Link>{' '}
            <span className="muted">
              watches {monitor.deployment ?? 'every deployment'} · {monitor.enabled ? monitor.triggerDescription : 'disabled'}
            </span>{' '}
            {last && outcome ? (
              <>
                · last run <Link to={monitorRunPagePath(workspace, monitor.name, last.name)}>{formatTime(last.slotAt)}</Link>{' '}
                <span className={`badge ${outcome.tone}`}>{outcome.label}</span>
              </>
            ) : (
              <span className="muted">· no run yet</span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
