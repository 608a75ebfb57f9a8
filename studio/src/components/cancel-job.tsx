import { useState } from 'react';
import { cancelJob, type Job } from '../api/jobs.js';
import { cancelPipeline, type PipelineJob } from '../api/pipelines.js';
import { cancelSweep, type SweepJob } from '../api/sweeps.js';
import { ErrorNotice } from './notice.js';

/** What a cancel button needs of what it cancels: a job, a pipeline job or a sweep job. */
interface Cancelable {
  name: string;
  displayName: string;
  stopRequest: string | null;
}

/** Cancel, in two steps (the second says what will happen), then what the server answers. */
function CancelButton<T extends Cancelable>({
  target,
  what,
  consequence,
  cancel,
  onCanceled,
}: {
  target: T;
  /** 'job', 'pipeline' or 'sweep', as the button says it. */
  what: string;
  consequence: string;
  cancel: () => Promise<T>;
  onCanceled: (answer: T) => void;
}) {
  const [step, setStep] = useState<'idle' | 'confirm' | 'sending'>('idle');
  const [error, setError] = useState<Error>();
  if (target.stopRequest?.startsWith('cancel:'))
    return (
      <span className="muted">
        Cancel requested by {target.stopRequest.slice('cancel:'.length)}; the {what} is stopping…
      </span>
    );
  const send = async () => {
    setStep('sending');
    setError(undefined);
    try {
      onCanceled(await cancel());
      setStep('idle');
    } catch (failure) {
      setError(failure as Error);
      setStep('confirm');
    }
  };
  return (
    <div className="cancel-job">
      {step === 'idle' ? (
        <button type="button" className="danger" onClick={() => setStep('confirm')}>
          Cancel {what}
        </button>
      ) : (
        <fieldset className="confirm" aria-label="Confirm cancel">
          <span>
            Cancel <strong>{target.displayName || target.name}</strong>? {consequence}
          </span>
          <button type="button" className="danger" disabled={step === 'sending'} onClick={send}>
            Yes, cancel it
          </button>
          <button type="button" disabled={step === 'sending'} onClick={() => setStep('idle')}>
            Keep it
          </button>
        </fieldset>
      )}
      {error ? <ErrorNotice error={error} /> : null}
    </div>
  );
}

/** Cancels a command job, then shows the job as the server answers. */
export function CancelJob({ job, onCanceled }: { job: Job; onCanceled: (job: Job) => void }) {
  return (
    <CancelButton
      target={job}
      what="job"
      consequence={job.state === 'Queued' ? 'It leaves the queue.' : 'Its process is stopped and its nodes are freed.'}
      cancel={() => cancelJob(job.workspace, job.name)}
      onCanceled={onCanceled}
    />
  );
}

/** Cancels a pipeline job: its running steps are canceled and the waiting ones skipped. */
export function CancelPipeline({ pipeline, onCanceled }: { pipeline: PipelineJob; onCanceled: (pipeline: PipelineJob) => void }) {
  return (
    <CancelButton
      target={pipeline}
      what="pipeline"
      consequence="Its running steps are stopped and the steps still waiting are skipped."
      cancel={() => cancelPipeline(pipeline.workspace, pipeline.name)}
      onCanceled={onCanceled}
    />
  );
}

/** Cancels a sweep job: its running trials are canceled and no more are started. */
export function CancelSweep({ sweep, onCanceled }: { sweep: SweepJob; onCanceled: (sweep: SweepJob) => void }) {
  return (
    <CancelButton
      target={sweep}
      what="sweep"
      consequence="Its running trials are stopped and no more trials are started."
      cancel={() => cancelSweep(sweep.workspace, sweep.name)}
      onCanceled={onCanceled}
    />
  );
}
