import { type ReactNode, useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import { monitorPagePath } from '../api/monitors.js';
import { firingJobPath, getSchedule, isMonitorSchedule, type Schedule, type ScheduleFiring } from '../api/schedules.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { ScheduleActions } from '../components/schedule-actions.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatTime } from '../lib/format.js';
import { formatRelative } from '../lib/relative-time.js';
import { triggerFields } from '../lib/trigger-fields.js';
import { usePolling } from '../lib/use-polling.js';
import { useApi } from '../lib/use-api.js';

/**
 * One schedule: its trigger in words and as written, whether it is enabled, its next five firings,
 * and the jobs it created with where each stands (a monitor's: its runs, linked to the monitor's
 * pages); enable or disable it, fire it now. Re-read every few seconds while open: a slot may
 * fire, and the jobs it made run on.
 */
export function SchedulePage() {
  const { workspace = 'default', name = '' } = useParams();
  const schedule = useApi(() => getSchedule(workspace, name), `${workspace}/${name}`);
  // The answer to enable or disable, shown until the next read replaces it.
  const [answered, setAnswered] = useState<Schedule>();
  const [fired, setFired] = useState<ScheduleFiring>();
  const current = answered && schedule.data && answered.name === schedule.data.name ? answered : schedule.data;
  const reload = schedule.reload;
  const refresh = useCallback(() => {
    setAnswered(undefined);
    reload();
  }, [reload]);
  usePolling(refresh, current !== undefined, 2000);

  if (schedule.error)
    return <ErrorNotice error={schedule.error} action={<Link to={`/w/${workspace}/schedules`}>Back to the schedules</Link>} />;
  if (!current) return <Loading what="the schedule" />;
  const now = Date.now();
  const isMonitor = isMonitorSchedule(current);
  return (
    <section>
      <nav className="crumbs">
        <Link to={`/w/${workspace}/schedules`}>Schedules</Link> / <span>{current.name}</span>
      </nav>
      <h1>
        {current.displayName || current.name}{' '}
        <span className={`badge ${current.enabled ? 'ok' : 'idle'}`}>{current.enabled ? 'enabled' : 'disabled'}</span>{' '}
        <span className="kind">schedule</span>
      </h1>
      <p className="reason trigger">{current.triggerDescription}</p>
      <ScheduleActions
        schedule={current}
        onChanged={setAnswered}
        onFired={(firing) => {
          setFired(firing);
          refresh();
        }}
      />
      {fired ? (
        <p className="muted" role="status">
          Fired: {isMonitor ? 'run' : 'job'} <Link to={firingJobPath(workspace, current, fired.job)}>{fired.job}</Link>{' '}
          {fired.state === 'failed' ? `was refused: ${fired.reason ?? ''}` : 'submitted'}.
        </p>
      ) : null}

      <section aria-label="Next firings">
        <h2>Next firings</h2>
        {current.nextFirings.length > 0 ? (
          <ol className="plain">
            {current.nextFirings.map((at) => (
              <li key={at}>
                {formatTime(at)} <span className="muted">({formatRelative(at, now)})</span>
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted">
            {current.enabled
              ? 'None: the trigger has no slot left (past its end_time).'
              : 'None while disabled: it fires nothing until enabled.'}
          </p>
        )}
      </section>

      {isMonitor ? (
        <p className="muted">
          A model monitor: its runs' signals, metrics and distributions are on{' '}
          <Link to={monitorPagePath(workspace, current.name)}>the monitor's page</Link>.
        </p>
      ) : null}

      <h2>{isMonitor ? 'Runs it made' : 'Jobs it created'}</h2>
      <FiringTable workspace={workspace} schedule={current} />

      <h2>Details</h2>
      <div className="columns">
        <Facts schedule={current} />
        <dl className="facts" aria-label="Trigger as written">
          {triggerFields(current.trigger).map(([key, value]) => (
            <Fact key={key} term={key}>
              <code>{value}</code>
            </Fact>
          ))}
        </dl>
      </div>
    </section>
  );
}

function Facts({ schedule }: { schedule: Schedule }) {
  const tags = Object.entries(schedule.tags);
  return (
    <dl className="facts" aria-label="Schedule">
      <Fact term="Name">
        <code>{schedule.name}</code>
      </Fact>
      <Fact term="Display name">{schedule.displayName}</Fact>
      {schedule.description ? <Fact term="Description">{schedule.description}</Fact> : null}
      <Fact term="Enabled">{schedule.enabled ? 'yes' : 'no'}</Fact>
      {isMonitorSchedule(schedule) ? (
        <Fact term="Monitor">
          <Link to={monitorPagePath(schedule.workspace, schedule.name)}>{schedule.name}</Link>{' '}
          <span className="muted">(create_monitor)</span>
        </Fact>
      ) : (
        <Fact term="Job">
          <code>{schedule.template.source}</code> <span className="muted">({schedule.template.type} job)</span>
        </Fact>
      )}
      <Fact term="Created">
        {formatTime(schedule.createdAt)} by {schedule.createdBy}
      </Fact>
      <Fact term="Updated">{formatTime(schedule.updatedAt)}</Fact>
      {tags.length > 0 ? (
        <Fact term="Tags">
          <ul className="plain">
            {tags.map(([key, value]) => (
              <li key={key}>
                <code>{key}</code>: {value}
              </li>
            ))}
          </ul>
        </Fact>
      ) : null}
    </dl>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** How a firing went: submitted, still being submitted, or refused at submit. */
const firingTones = { submitted: 'ok', pending: 'busy', failed: 'bad' } as const;

/**
 * Each firing, newest first: its slot, why it fired, its job (linked) and where that job stands, as
 * `trellis schedule show` says; for a monitor, the run it made, linked to the run's page.
 */
function FiringTable({ workspace, schedule }: { workspace: string; schedule: Schedule }) {
  if (schedule.firings.length === 0) return <p className="muted">None yet: the first comes at its next firing, or with Trigger now.</p>;
  const made = isMonitorSchedule(schedule) ? 'Run' : 'Job';
  return (
    <table className="data-table compact" aria-label="Firings">
      <thead>
        <tr>
          <th>Slot</th>
          <th>Kind</th>
          <th>{made}</th>
          <th>Firing</th>
          <th>{made} state</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {schedule.firings.map((firing) => (
          <tr key={firing.job} data-job={firing.job}>
            <td>
              {formatTime(firing.slotAt)}
              {firing.firedAt - firing.slotAt > 60_000 ? <div className="muted">fired {formatTime(firing.firedAt)}</div> : null}
            </td>
            <td>{firing.kind === 'catch-up' ? `catch-up (for ${firing.missed} slots)` : firing.kind}</td>
            <td>
              {firing.jobState === null ? (
                <code>{firing.job}</code>
              ) : (
                <Link to={firingJobPath(workspace, schedule, firing.job)}>{firing.job}</Link>
              )}
            </td>
            <td>
              <span className={`badge ${firingTones[firing.state]}`}>{firing.state}</span>
            </td>
            <td>
              {firing.jobState !== null ? (
                <StatusBadge status={firing.jobState} />
              ) : (
                <span className="muted">{firing.state === 'submitted' ? 'gone' : '—'}</span>
              )}
            </td>
            <td>{firing.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
