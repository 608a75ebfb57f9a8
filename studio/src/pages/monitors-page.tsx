import { Link, useNavigate, useParams } from 'react-router';
import { listMonitors, type Monitor, monitorPagePath, monitorRunPagePath } from '../api/monitors.js';
import { type Column, DataTable } from '../components/data-table.js';
import { Watched } from '../components/monitor-target.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { formatTime } from '../lib/format.js';
import { runOutcome } from '../lib/monitor-series.js';
import { formatRelative } from '../lib/relative-time.js';
import { usePolling } from '../lib/use-polling.js';
import { useApi } from '../lib/use-api.js';

/**
 * The workspace's model monitors, by name: the deployment each watches, its trigger in words,
 * its signals, and its last run with how it came out (breaches counted); re-read every few
 * seconds, so a firing shows up.
 */
export function MonitorsPage() {
  const { workspace = 'default' } = useParams();
  const navigate = useNavigate();
  const monitors = useApi(() => listMonitors(workspace), workspace);
  usePolling(monitors.reload, (monitors.data?.length ?? 0) > 0, 5000);
  const columns: Column<Monitor>[] = [
    {
      id: 'name',
      header: 'Name',
      render: (monitor) => <Link to={monitorPagePath(workspace, monitor.name)}>{monitor.name}</Link>,
    },
    { id: 'watches', header: 'Watches', render: (monitor) => <Watched workspace={workspace} monitor={monitor} /> },
    {
      id: 'trigger',
      header: 'Trigger',
      render: (monitor) => (monitor.enabled ? monitor.triggerDescription : <span className="muted">disabled</span>),
    },
    { id: 'signals', header: 'Signals', render: (monitor) => monitor.signals.map((signal) => signal.name).join(', ') },
    { id: 'last', header: 'Last run', render: (monitor) => <LastRun workspace={workspace} monitor={monitor} /> },
  ];
  return (
    <section>
      <h1>Monitors</h1>
      {monitors.error ? <ErrorNotice error={monitors.error} /> : null}
      {monitors.loading && !monitors.data ? <Loading what="monitors" /> : null}
      {monitors.data?.length === 0 ? (
        <EmptyState title="No monitors yet">
          <p>
            A monitor is a schedule with <code>create_monitor</code>: at each firing it compares a deployment's collected data (or a data
            asset) with a reference and checks each feature's drift and quality against thresholds.
          </p>
          <pre>{`# iris-monitor.yml
$schema: http://azureml/sdk-2-0/Schedule.json
name: iris-monitor
trigger: {type: recurrence, frequency: day, interval: 1}
create_monitor:
  monitoring_target:
    endpoint_deployment_id: azureml:iris-endpoint:blue
  monitoring_signals:
    drift:
      type: data_drift
      reference_data:
        input_data: {path: azureml:iris-train:1, type: uri_file}
        data_column_names: {target_column: species}`}</pre>
          <p>
            <code>trellis schedule create --file iris-monitor.yml</code> — then follow its runs here, or with{' '}
            <code>trellis monitor show --name iris-monitor</code>.
          </p>
        </EmptyState>
      ) : null}
      {monitors.data && monitors.data.length > 0 ? (
        <DataTable
          label="Monitors"
          columns={columns}
          rows={monitors.data}
          rowKey={(monitor) => monitor.name}
          onOpen={(monitor) => navigate(monitorPagePath(workspace, monitor.name))}
        />
      ) : null}
    </section>
  );
}

/** The monitor's newest run: when, linked, and how it came out. */
function LastRun({ workspace, monitor }: { workspace: string; monitor: Monitor }) {
  const last = monitor.runs[0];
  if (!last) return <span className="muted">none yet</span>;
  const outcome = runOutcome(last);
  return (
    <>
      <Link to={monitorRunPagePath(workspace, monitor.name, last.name)} title={last.name}>
        {formatTime(last.slotAt)}
      </Link>{' '}
      <span className="muted">({formatRelative(last.slotAt, Date.now())})</span>{' '}
      <span className={`badge ${outcome.tone}`}>{outcome.label}</span>
    </>
  );
}
