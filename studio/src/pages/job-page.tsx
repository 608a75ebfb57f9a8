import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import { getJob, isTerminal, jobEvents, type Job, type JobEvent, type LineageInput } from '../api/jobs.js';
import { componentPagePath } from '../api/components.js';
import { pipelineOfJob } from '../api/pipelines.js';
import { sweepOfJob, sweepPagePath } from '../api/sweeps.js';
import { CancelJob } from '../components/cancel-job.js';
import { LogTail } from '../components/log-tail.js';
import { ScheduleOrigin } from '../components/schedule-origin.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDuration, formatTime } from '../lib/format.js';
import { formatNodeHours, jobNodeSeconds } from '../lib/node-timeline.js';
import { usePolling } from '../lib/use-polling.js';
import { useApi } from '../lib/use-api.js';

/** One job: where it stands and why, what it ran with, its state history, its live log, cancel. */
export function JobPage() {
  const { workspace = 'default', name = '' } = useParams();
  const job = useApi(() => getJob(workspace, name), `${workspace}/${name}`);
  const events = useApi(() => jobEvents(workspace, name), `${workspace}/${name}`);
  // The answer to cancel, shown until the next read of the job replaces it.
  const [answered, setAnswered] = useState<Job>();
  const current = answered && job.data && answered.name === job.data.name ? answered : job.data;
  const reloadJob = job.reload;
  const reloadEvents = events.reload;
  const refresh = useCallback(() => {
    setAnswered(undefined);
    reloadJob();
    reloadEvents();
  }, [reloadJob, reloadEvents]);
  usePolling(refresh, current !== undefined && !isTerminal(current.state), 2000);

  if (job.error) return <ErrorNotice error={job.error} action={<Link to={`/w/${workspace}/jobs`}>Back to the jobs</Link>} />;
  if (!current) return <Loading what="the job" />;
  const pipeline = pipelineOfJob(current.tags);
  const pipelinePage = pipeline ? `/w/${workspace}/pipelines/${encodeURIComponent(pipeline.pipeline)}` : undefined;
  const sweep = sweepOfJob(current.tags);
  const sweepPage = sweep ? sweepPagePath(workspace, sweep.sweep) : undefined;
  return (
    <section>
      <nav className="crumbs">
        <Link to={`/w/${workspace}/jobs`}>Jobs</Link> /{' '}
        {pipeline && pipelinePage ? (
          <>
            <Link to={pipelinePage}>{pipeline.pipeline}</Link> /{' '}
          </>
        ) : null}
        {sweep && sweepPage ? (
          <>
            <Link to={sweepPage}>{sweep.sweep}</Link> /{' '}
          </>
        ) : null}
        <span>{current.name}</span>
      </nav>
      <h1>
        {current.displayName || current.name} <StatusBadge status={current.state} />
      </h1>
      {current.reason ? <p className={current.state === 'Failed' ? 'notice error' : 'reason'}>{current.reason}</p> : null}
      {!isTerminal(current.state) ? (
        <CancelJob
          job={current}
          onCanceled={(canceled) => {
            setAnswered(canceled);
            reloadEvents();
          }}
        />
      ) : null}
      <div className="columns">
        <dl className="facts" aria-label="Job">
          <dt>Name</dt>
          <dd>
            <code>{current.name}</code>
          </dd>
          <dt>State</dt>
          <dd>
            {current.state}
            {current.exitCode !== null ? ` (exit code ${current.exitCode})` : ''}
          </dd>
          {pipeline && pipelinePage ? (
            <>
              <dt>Pipeline</dt>
              <dd>
                step <code>{pipeline.step}</code> of <Link to={pipelinePage}>{pipeline.pipeline}</Link>
              </dd>
            </>
          ) : null}
          {sweep && sweepPage ? (
            <>
              <dt>Sweep</dt>
              <dd>
                trial {sweep.trial} of <Link to={sweepPage}>{sweep.sweep}</Link>
              </dd>
            </>
          ) : null}
          <ComponentFact workspace={workspace} job={current} />
          <ScheduleOrigin workspace={workspace} tags={current.tags} />
          <dt>Compute</dt>
          <dd>
            <Link to={`/w/${workspace}/computes/${encodeURIComponent(current.compute)}`}>{current.compute}</Link>
          </dd>
          <dt>Instances</dt>
          <dd>{current.instanceCount}</dd>
          <dt>Attempts</dt>
          <dd>
            {current.attempt}
            {current.retries > 0 ? ` (${current.retries} infrastructure retries)` : ''}
          </dd>
          <dt>Submitted</dt>
          <dd>
            {formatTime(current.submittedAt)} by {current.createdBy}
          </dd>
          <dt>Ran for</dt>
          <dd>
            {current.runningTime ? (
              <RanFor time={current.runningTime} />
            ) : (
              formatDuration(current.startedAt ?? undefined, current.endedAt ?? undefined)
            )}
          </dd>
          <dt>Node-hours</dt>
          <dd>{formatNodeHours(jobNodeSeconds(current, Date.now()))}</dd>
          <dt>MLflow run</dt>
          <dd>
            <Link to={`/w/${workspace}/runs/${current.runId}`}>{current.runId}</Link>{' '}
            <span className="muted">in {current.experimentName}</span>
          </dd>
          {current.description ? (
            <>
              <dt>Description</dt>
              <dd>{current.description}</dd>
            </>
          ) : null}
        </dl>
        <Lineage job={current} />
      </div>

      <h2>State history</h2>
      {events.error ? <ErrorNotice error={events.error} /> : null}
      {events.data ? <StateHistory events={events.data} /> : <Loading what="the state history" />}

      <h2>Log</h2>
      <LogTail workspace={workspace} name={current.name} onState={(event) => event.state !== current.state && refresh()} />
    </section>
  );
}

/** The component the job ran as a pipeline step (the tag `trellis.component: <name>:<version>`), with its page. */
function ComponentFact({ workspace, job }: { workspace: string; job: Job }) {
  const component = job.tags['trellis.component'];
  if (!component) return null;
  return (
    <>
      <dt>Component</dt>
      <dd>
        <Link to={componentPagePath(workspace, component)}>{component}</Link>
      </dd>
    </>
  );
}

/** The running time over all attempts, then each attempt's (an evicted job runs more than once). */
function RanFor({ time }: { time: NonNullable<Job['runningTime']> }) {
  if (time.attempts.length === 0) return <>—</>;
  // The total is a sum of periods, not one span: format its seconds as formatDuration does a span.
  const total = formatDuration(1, 1 + time.seconds * 1000);
  if (time.attempts.length === 1) return <>{total}</>;
  return (
    <>
      {total} over {time.attempts.length} attempts
      <ul className="attempts" aria-label="Attempts">
        {time.attempts.map((attempt) => (
          <li key={attempt.attempt}>
            attempt {attempt.attempt}: {formatDuration(attempt.startedAt, attempt.endedAt ?? undefined)}
            {attempt.endedAs === 'Queued' ? ', until requeued' : attempt.endedAs === null ? ', so far' : ''}
          </li>
        ))}
      </ul>
    </>
  );
}

/** What the job ran with, fixed when it was submitted. */
function Lineage({ job }: { job: Job }) {
  const { code, environment, inputs } = job.lineage;
  const outputs = (job.spec.outputs ?? {}) as Record<string, { type?: string; path?: string; mode?: string; name?: string }>;
  return (
    <dl className="facts" aria-label="Lineage">
      <dt>Command</dt>
      <dd>
        <code>{String(job.spec.command ?? '')}</code>
      </dd>
      <dt>Code</dt>
      <dd>
        {code ? <code title={code.digest}>{`${code.name}:${code.version}`}</code> : <span className="muted">none (the command alone)</span>}
      </dd>
      <dt>Environment</dt>
      <dd>
        {'inline' in environment ? (
          <code title={environment.digest}>inline ({environment.digest.slice(0, 19)}…)</code>
        ) : (
          <code>{`${environment.name}:${environment.version}${environment.curated ? ' (curated)' : ''}`}</code>
        )}
      </dd>
      <dt>Inputs</dt>
      <dd>
        {Object.keys(inputs).length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <NamedList entries={Object.entries(inputs).map(([key, input]) => [key, describeInput(input)])} />
        )}
      </dd>
      <dt>Outputs</dt>
      <dd>
        {Object.keys(outputs).length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <NamedList
            entries={Object.entries(outputs).map(([key, output]) => [
              key,
              [output.type, output.name ? `→ ${output.name}` : output.path, output.mode].filter(Boolean).join(' '),
            ])}
          />
        )}
      </dd>
    </dl>
  );
}

function describeInput(input: LineageInput): string {
  if ('value' in input) return String(input.value);
  if ('asset' in input) return `${input.type} azureml:${input.asset.name}:${input.asset.version} (${input.mode})`;
  return `${input.type} ${input.uri} (${input.mode})`;
}

function NamedList({ entries }: { entries: Array<[string, string]> }) {
  return (
    <ul className="plain">
      {entries.map(([key, value]) => (
        <li key={key}>
          <code>{key}</code>: {value}
        </li>
      ))}
    </ul>
  );
}

/** Each state the job passed through, when, for how long and why. */
function StateHistory({ events }: { events: JobEvent[] }) {
  if (events.length === 0) return <p className="muted">No state changes recorded.</p>;
  return (
    <table className="data-table compact" aria-label="State history">
      <thead>
        <tr>
          <th>State</th>
          <th>At</th>
          <th>For</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event, index) => {
          const next = events[index + 1];
          return (
            <tr key={event.seq}>
              <td>
                <StatusBadge status={event.state} />
              </td>
              <td>{formatTime(event.at)}</td>
              <td>{isTerminal(event.state) ? '' : formatDuration(event.at, next?.at)}</td>
              <td>{event.reason ?? ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
