import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import { isTerminal } from '../api/jobs.js';
import { getSweep, type SweepJob, type SweepTrial } from '../api/sweeps.js';
import { CancelSweep } from '../components/cancel-job.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { ObjectiveChart } from '../components/objective-chart.js';
import { ParallelCoordinates } from '../components/parallel-coordinates.js';
import { ScheduleOrigin } from '../components/schedule-origin.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDuration, formatNumber, formatTime } from '../lib/format.js';
import {
  isStoppedEarly,
  progressText,
  type SweepSettings,
  sweepDimensions,
  sweepSettings,
  trialsByObjective,
} from '../lib/sweep-trials.js';
import { usePolling } from '../lib/use-polling.js';
import { useApi } from '../lib/use-api.js';

/**
 * One sweep job: where it stands (progress, the best trial so far), its trials best first with
 * their hyperparameters and why the policy stopped those it stopped, the objective over the
 * trials with the best so far, and the hyperparameters against the objective; live until the
 * sweep ends; cancel.
 */
export function SweepPage() {
  const { workspace = 'default', name = '' } = useParams();
  const sweep = useApi(() => getSweep(workspace, name), `${workspace}/${name}`);
  // The answer to cancel, shown until the next read replaces it.
  const [answered, setAnswered] = useState<SweepJob>();
  const current = answered && sweep.data && answered.name === sweep.data.name ? answered : sweep.data;
  const reload = sweep.reload;
  const refresh = useCallback(() => {
    setAnswered(undefined);
    reload();
  }, [reload]);
  usePolling(refresh, current !== undefined && !isTerminal(current.state), 1500);

  if (sweep.error) return <ErrorNotice error={sweep.error} action={<Link to={`/w/${workspace}/jobs`}>Back to the jobs</Link>} />;
  if (!current) return <Loading what="the sweep" />;
  const settings = sweepSettings(current.spec);
  const trials = current.trials ?? [];
  const scored = trials.filter((trial) => trial.objective !== null);
  return (
    <section>
      <nav className="crumbs">
        <Link to={`/w/${workspace}/jobs`}>Jobs</Link> / <span>{current.name}</span>
      </nav>
      <h1>
        {current.displayName || current.name} <StatusBadge status={current.state} /> <span className="kind">sweep</span>
      </h1>
      {current.reason ? <p className={current.state === 'Failed' ? 'notice error' : 'reason'}>{current.reason}</p> : null}
      {!isTerminal(current.state) ? <CancelSweep sweep={current} onCanceled={setAnswered} /> : null}

      <div className="columns">
        <Facts workspace={workspace} sweep={current} settings={settings} />
        <BestTrial workspace={workspace} best={current.best ?? null} settings={settings} />
      </div>

      <h2>Trials</h2>
      {trials.length === 0 ? (
        <p className="muted">No trial started yet.</p>
      ) : (
        <TrialTable
          workspace={workspace}
          trials={trialsByObjective(settings.goal, trials)}
          settings={settings}
          bestJob={current.best?.job}
        />
      )}

      <h2>
        {settings.primaryMetric} over the trials <span className="muted">({settings.goal})</span>
      </h2>
      {scored.length === 0 ? (
        <p className="muted">No trial has reported {settings.primaryMetric} yet.</p>
      ) : (
        <ObjectiveChart goal={settings.goal} metric={settings.primaryMetric} trials={trials} />
      )}

      <h2>Hyperparameters against {settings.primaryMetric}</h2>
      {scored.length === 0 || settings.parameterNames.length === 0 ? (
        <p className="muted">Drawn once a trial has reported {settings.primaryMetric}.</p>
      ) : (
        <>
          <ParallelCoordinates dimensions={sweepDimensions(settings, scored)} labels={scored.map((trial) => trial.job)} />
          <p className="muted">
            A line per trial that reported {settings.primaryMetric}. Its axis has the best value at the top (
            {settings.goal === 'maximize' ? 'the highest' : 'the lowest'}); the warmer a line, the better its trial.
          </p>
        </>
      )}
    </section>
  );
}

function Facts({ workspace, sweep, settings }: { workspace: string; sweep: SweepJob; settings: SweepSettings }) {
  return (
    <dl className="facts" aria-label="Sweep">
      <dt>Name</dt>
      <dd>
        <code>{sweep.name}</code>
      </dd>
      <dt>State</dt>
      <dd>{sweep.state}</dd>
      <dt>Objective</dt>
      <dd>
        {settings.goal} <code>{settings.primaryMetric}</code>
      </dd>
      <dt>Progress</dt>
      <dd>{sweep.progress ? progressText(sweep.progress) : '—'}</dd>
      <dt>Sampling</dt>
      <dd>{settings.sampling}</dd>
      <dt>Early termination</dt>
      <dd>{settings.earlyTermination ?? <span className="muted">none</span>}</dd>
      <dt>Experiment</dt>
      <dd>
        {sweep.experimentName}{' '}
        <span className="muted">
          (MLflow run <Link to={`/w/${workspace}/runs/${sweep.runId}`}>{sweep.runId}</Link>, the parent of its trials' runs)
        </span>
      </dd>
      <ScheduleOrigin workspace={workspace} tags={sweep.tags} />
      <dt>Submitted</dt>
      <dd>
        {formatTime(sweep.submittedAt)} by {sweep.createdBy}
      </dd>
      <dt>Ran for</dt>
      <dd>{formatDuration(sweep.startedAt ?? undefined, sweep.endedAt ?? undefined)}</dd>
      {sweep.description ? (
        <>
          <dt>Description</dt>
          <dd>{sweep.description}</dd>
        </>
      ) : null}
    </dl>
  );
}

/** The completed trial with the best objective so far: its job, its objective and its hyperparameters. */
function BestTrial({ workspace, best, settings }: { workspace: string; best: SweepTrial | null; settings: SweepSettings }) {
  return (
    <dl className="facts" aria-label="Best trial">
      <dt>Best trial</dt>
      <dd>
        {best ? (
          <>
            <Link to={`/w/${workspace}/jobs/${encodeURIComponent(best.job)}`}>{best.job}</Link>{' '}
            <span className="muted">(trial {best.index})</span>
          </>
        ) : (
          <span className="muted">none yet: no trial has completed with {settings.primaryMetric}</span>
        )}
      </dd>
      {best ? (
        <>
          <dt>{settings.primaryMetric}</dt>
          <dd className="numeric">{formatNumber(best.objective ?? undefined)}</dd>
          <dt>Hyperparameters</dt>
          <dd>
            <ul className="plain">
              {Object.entries(best.parameters).map(([key, value]) => (
                <li key={key}>
                  <code>{key}</code>: {String(value)}
                </li>
              ))}
            </ul>
          </dd>
          {best.runId ? (
            <>
              <dt>MLflow run</dt>
              <dd>
                <Link to={`/w/${workspace}/runs/${best.runId}`}>{best.runId}</Link>
              </dd>
            </>
          ) : null}
        </>
      ) : null}
    </dl>
  );
}

/** The trials best first: status, objective, reports, one column per hyperparameter, and the reason (the policy's, for a trial it stopped). */
function TrialTable({
  workspace,
  trials,
  settings,
  bestJob,
}: {
  workspace: string;
  trials: SweepTrial[];
  settings: SweepSettings;
  bestJob: string | undefined;
}) {
  return (
    <div className="scroll">
      <table className="data-table compact trials" aria-label="Trials">
        <thead>
          <tr>
            <th>Trial</th>
            <th>Status</th>
            <th className="numeric">{settings.primaryMetric}</th>
            <th className="numeric">Reports</th>
            {settings.parameterNames.map((parameter) => (
              <th key={parameter} data-parameter={parameter}>
                {parameter}
              </th>
            ))}
            <th>Reason</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {trials.map((trial) => {
            const isStopped = isStoppedEarly(trial);
            const classes = [isStopped ? 'stopped' : '', trial.job === bestJob ? 'best' : ''].filter(Boolean).join(' ');
            return (
              <tr key={trial.index} data-trial={trial.index} className={classes || undefined}>
                <td>
                  <Link to={`/w/${workspace}/jobs/${encodeURIComponent(trial.job)}`}>{trial.job}</Link>
                  {trial.job === bestJob ? <span className="best-mark"> ★ best</span> : null}
                </td>
                <td>
                  <StatusBadge status={trial.status} />
                  {isStopped ? <span className="stopped-mark">stopped early</span> : null}
                </td>
                <td className="numeric">
                  {trial.objective === null ? <span className="muted">—</span> : formatNumber(trial.objective)}
                  {trial.objective !== null && !trial.isFinal ? <span className="muted"> so far</span> : null}
                </td>
                <td className="numeric">{trial.reports}</td>
                {settings.parameterNames.map((parameter) => (
                  <td key={parameter}>{trial.parameters[parameter] === undefined ? '' : String(trial.parameters[parameter])}</td>
                ))}
                <td className="stop-reason">{trial.stopReason ?? (trial.status === 'Completed' ? '' : (trial.reason ?? ''))}</td>
                <td>{formatDuration(trial.startedAt ?? undefined, trial.endedAt ?? undefined)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
