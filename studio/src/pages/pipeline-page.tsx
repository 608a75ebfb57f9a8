import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router';
import { componentPagePath } from '../api/components.js';
import { isTerminal } from '../api/jobs.js';
import { getPipeline, type PipelineJob, type PipelineStep } from '../api/pipelines.js';
import { CancelPipeline } from '../components/cancel-job.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { PipelineGraph } from '../components/pipeline-graph.js';
import { ScheduleOrigin } from '../components/schedule-origin.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatDuration, formatTime } from '../lib/format.js';
import { pipelineInputs, pipelineOutputs, pipelineSettings, stepBindings, stepComponents } from '../lib/pipeline-spec.js';
import { usePolling } from '../lib/use-polling.js';
import { useApi } from '../lib/use-api.js';

/**
 * One pipeline job: its steps as a graph, live until the pipeline ends; what it was given and
 * makes, its settings; per step the job that ran it (or the earlier job it reuses) and why it ran
 * or was reused; cancel.
 */
export function PipelinePage() {
  const { workspace = 'default', name = '' } = useParams();
  const pipeline = useApi(() => getPipeline(workspace, name), `${workspace}/${name}`);
  // The answer to cancel, shown until the next read replaces it.
  const [answered, setAnswered] = useState<PipelineJob>();
  const current = answered && pipeline.data && answered.name === pipeline.data.name ? answered : pipeline.data;
  const reload = pipeline.reload;
  const refresh = useCallback(() => {
    setAnswered(undefined);
    reload();
  }, [reload]);
  usePolling(refresh, current !== undefined && !isTerminal(current.state), 1500);

  if (pipeline.error) return <ErrorNotice error={pipeline.error} action={<Link to={`/w/${workspace}/jobs`}>Back to the jobs</Link>} />;
  if (!current) return <Loading what="the pipeline" />;
  const steps = current.steps ?? [];
  return (
    <section>
      <nav className="crumbs">
        <Link to={`/w/${workspace}/jobs`}>Jobs</Link> / <span>{current.name}</span>
      </nav>
      <h1>
        {current.displayName || current.name} <StatusBadge status={current.state} /> <span className="kind">pipeline</span>
      </h1>
      {current.reason ? <p className={current.state === 'Failed' ? 'notice error' : 'reason'}>{current.reason}</p> : null}
      {!isTerminal(current.state) ? <CancelPipeline pipeline={current} onCanceled={setAnswered} /> : null}

      <h2>Steps</h2>
      <PipelineGraph workspace={workspace} steps={steps} bindings={stepBindings(current.spec)} />
      <StepTable workspace={workspace} steps={steps} components={stepComponents(current.spec)} />

      <h2>Details</h2>
      <div className="columns">
        <Facts workspace={workspace} pipeline={current} />
        <InputsAndOutputs pipeline={current} />
      </div>
    </section>
  );
}

function Facts({ workspace, pipeline }: { workspace: string; pipeline: PipelineJob }) {
  const tags = Object.entries(pipeline.tags);
  return (
    <dl className="facts" aria-label="Pipeline">
      <dt>Name</dt>
      <dd>
        <code>{pipeline.name}</code>
      </dd>
      <dt>Display name</dt>
      <dd>{pipeline.displayName}</dd>
      <dt>State</dt>
      <dd>{pipeline.state}</dd>
      <dt>Experiment</dt>
      <dd>
        {pipeline.experimentName}{' '}
        <span className="muted">
          (MLflow run <Link to={`/w/${workspace}/runs/${pipeline.runId}`}>{pipeline.runId}</Link>, the parent of its steps' runs)
        </span>
      </dd>
      <ScheduleOrigin workspace={workspace} tags={pipeline.tags} />
      <dt>Submitted</dt>
      <dd>
        {formatTime(pipeline.submittedAt)} by {pipeline.createdBy}
      </dd>
      <dt>Ran for</dt>
      <dd>{formatDuration(pipeline.startedAt ?? undefined, pipeline.endedAt ?? undefined)}</dd>
      {pipeline.description ? (
        <>
          <dt>Description</dt>
          <dd>{pipeline.description}</dd>
        </>
      ) : null}
      {tags.length > 0 ? (
        <>
          <dt>Tags</dt>
          <dd>
            <NamedList entries={tags} />
          </dd>
        </>
      ) : null}
    </dl>
  );
}

function InputsAndOutputs({ pipeline }: { pipeline: PipelineJob }) {
  const inputs = pipelineInputs(pipeline.spec);
  const outputs = pipelineOutputs(pipeline.spec);
  const settings = pipelineSettings(pipeline.spec);
  return (
    <dl className="facts" aria-label="Inputs, outputs and settings">
      <dt>Inputs</dt>
      <dd>
        {inputs.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <NamedList entries={inputs.map((input) => [input.name, input.value])} />
        )}
      </dd>
      <dt>Outputs</dt>
      <dd>
        {outputs.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <NamedList
            entries={outputs.map((output) => [
              output.name,
              [
                output.type,
                output.assetName ? `→ ${output.assetName}` : undefined,
                output.mode,
                output.writtenBy.length > 0 ? `written by ${output.writtenBy.join(', ')}` : undefined,
              ]
                .filter(Boolean)
                .join(' '),
            ])}
          />
        )}
      </dd>
      <dt>Settings</dt>
      <dd>
        {settings.length === 0 ? (
          <span className="muted">none (the defaults)</span>
        ) : (
          <NamedList entries={settings.map((setting) => [setting.name, setting.value])} />
        )}
      </dd>
    </dl>
  );
}

/** Each step: where it stands, its job, what it waits for, and why it ran or was reused (as `trellis job show` says). */
function StepTable({ workspace, steps, components }: { workspace: string; steps: PipelineStep[]; components: Map<string, string> }) {
  return (
    <table className="data-table compact" aria-label="Steps">
      <thead>
        <tr>
          <th>Step</th>
          <th>Status</th>
          <th>Job</th>
          <th>Waits for</th>
          <th>Why it ran or was reused</th>
          <th>Reason</th>
          <th>Duration</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((step) => {
          const component = components.get(step.step);
          return (
            <tr key={step.step} data-step={step.step}>
              <td>
                {step.step}
                {component ? (
                  <div className="muted">
                    component <Link to={componentPagePath(workspace, component)}>{component}</Link>
                  </div>
                ) : null}
              </td>
              <td>
                <StatusBadge status={step.status} />
              </td>
              <td>{step.job ? <Link to={`/w/${workspace}/jobs/${encodeURIComponent(step.job)}`}>{step.job}</Link> : '—'}</td>
              <td>{step.dependsOn.join(', ') || '—'}</td>
              <td>{step.reuseNote ?? ''}</td>
              <td>{step.reason ?? ''}</td>
              <td>{step.state === 'Reused' ? '' : formatDuration(step.startedAt ?? undefined, step.endedAt ?? undefined)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
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
