import { Link, useNavigate, useParams } from 'react-router';
import { monitorPagePath } from '../api/monitors.js';
import { firingJobPath, isMonitorSchedule, listSchedules, type Schedule, schedulePagePath } from '../api/schedules.js';
import { type Column, DataTable } from '../components/data-table.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatTime } from '../lib/format.js';
import { formatRelative } from '../lib/relative-time.js';
import { usePolling } from '../lib/use-polling.js';
import { useApi } from '../lib/use-api.js';

/**
 * The workspace's job schedules, by name: whether each is enabled, its trigger in words, when it
 * fires next, the job it submits and the last job it created; re-read every few seconds, so a
 * firing shows up and "in 12 min" counts down.
 */
export function SchedulesPage() {
  const { workspace = 'default' } = useParams();
  const navigate = useNavigate();
  const schedules = useApi(() => listSchedules(workspace), workspace);
  usePolling(schedules.reload, (schedules.data?.length ?? 0) > 0, 5000);
  const now = Date.now();
  const columns: Column<Schedule>[] = [
    {
      id: 'name',
      header: 'Name',
      render: (schedule) => <Link to={schedulePagePath(workspace, schedule.name)}>{schedule.name}</Link>,
    },
    { id: 'enabled', header: 'Enabled', render: (schedule) => (schedule.enabled ? 'yes' : <span className="muted">disabled</span>) },
    { id: 'trigger', header: 'Trigger', render: (schedule) => schedule.triggerDescription },
    {
      id: 'next',
      header: 'Next firing',
      render: (schedule) =>
        schedule.enabled && schedule.nextFireAt !== null ? (
          <>
            {formatTime(schedule.nextFireAt)} <span className="muted">({formatRelative(schedule.nextFireAt, now)})</span>
          </>
        ) : (
          <span className="muted">{schedule.enabled ? 'none (past its end)' : '— (disabled)'}</span>
        ),
    },
    {
      id: 'job',
      header: 'Job',
      render: (schedule) =>
        isMonitorSchedule(schedule) ? (
          <>
            <Link to={monitorPagePath(workspace, schedule.name)}>monitor {schedule.name}</Link>{' '}
            <span className="muted">(create_monitor)</span>
          </>
        ) : (
          <>
            <code>{schedule.template.source}</code> <span className="muted">({schedule.template.type} job)</span>
          </>
        ),
    },
    { id: 'last', header: 'Last job', render: (schedule) => <LastJob workspace={workspace} schedule={schedule} /> },
  ];
  return (
    <section>
      <h1>Schedules</h1>
      {schedules.error ? <ErrorNotice error={schedules.error} /> : null}
      {schedules.loading && !schedules.data ? <Loading what="schedules" /> : null}
      {schedules.data?.length === 0 ? (
        <EmptyState title="No schedules yet">
          <p>A schedule submits a job or a pipeline job at each slot of its trigger, a cron expression or a recurrence:</p>
          <pre>{`# nightly.yml
$schema: https://azuremlschemas.azureedge.net/latest/schedule.schema.json
name: nightly
trigger:
  type: cron
  expression: "0 4 * * *"
  time_zone: "Pacific Standard Time"
create_job:
  type: command
  command: echo "fired for \${{creation_context.trigger_time}}"
  environment: azureml:trellis-node@latest
  compute: azureml:cpu-cluster`}</pre>
          <p>
            <code>trellis schedule create --file nightly.yml</code> — then follow its firings here, or with{' '}
            <code>trellis schedule show -n nightly</code>.
          </p>
        </EmptyState>
      ) : null}
      {schedules.data && schedules.data.length > 0 ? (
        <DataTable
          label="Schedules"
          columns={columns}
          rows={schedules.data}
          rowKey={(schedule) => schedule.name}
          onOpen={(schedule) => navigate(schedulePagePath(workspace, schedule.name))}
        />
      ) : null}
    </section>
  );
}

/** The newest job the schedule created, with where it stands (or why it was not created). */
function LastJob({ workspace, schedule }: { workspace: string; schedule: Schedule }) {
  const last = schedule.firings[0];
  if (!last) return <span className="muted">none yet</span>;
  if (last.state !== 'submitted' || last.jobState === null)
    return (
      <>
        <code>{last.job}</code> <span className="muted">{last.state === 'submitted' ? 'gone' : last.state}</span>
      </>
    );
  return (
    <>
      <Link to={firingJobPath(workspace, schedule, last.job)}>{last.job}</Link> <StatusBadge status={last.jobState} />
    </>
  );
}
