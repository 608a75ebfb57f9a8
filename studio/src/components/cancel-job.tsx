import { useState } from 'react';
import { cancelJob, type Job } from '../api/jobs.js';
import { ErrorNotice } from './notice.js';

/** Cancel, in two steps (the second says what will happen), then the job as the server answers. */
export function CancelJob({ job, onCanceled }: { job: Job; onCanceled: (job: Job) => void }) {
  const [step, setStep] = useState<'idle' | 'confirm' | 'sending'>('idle');
  const [error, setError] = useState<Error>();
  if (job.stopRequest?.startsWith('cancel:'))
    return <span className="muted">Cancel requested by {job.stopRequest.slice('cancel:'.length)}; the job is stopping…</span>;
  const send = async () => {
    setStep('sending');
    setError(undefined);
    try {
      onCanceled(await cancelJob(job.workspace, job.name));
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
          Cancel job
        </button>
      ) : (
        <fieldset className="confirm" aria-label="Confirm cancel">
          <span>
            Cancel <strong>{job.displayName || job.name}</strong>?{' '}
            {job.state === 'Queued' ? 'It leaves the queue.' : 'Its process is stopped and its nodes are freed.'}
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
