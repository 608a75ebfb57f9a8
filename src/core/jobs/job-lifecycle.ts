/**
 * The states of a job and the moves between them, as Azure ML shows them: Queued → Preparing →
 * Running → Finalizing → Completed | Failed | Canceled. An evicted or lost node sends a running
 * job back to Queued (it resumes from its checkpoint); cancel is possible from any live state.
 * Pure: the scheduler asks `transition` and stores what it answers.
 */

export const jobStates = ['Queued', 'Preparing', 'Running', 'Finalizing', 'Completed', 'Failed', 'Canceled'] as const;
export type JobState = (typeof jobStates)[number];

export const terminalStates: readonly JobState[] = ['Completed', 'Failed', 'Canceled'];

export type JobEvent =
  | { type: 'start-preparing' }
  | { type: 'start-running' }
  /** `detail`: what the backend knows beyond the code, e.g. "out of memory: ...". */
  | { type: 'process-exited'; exitCode: number; detail?: string | undefined }
  | { type: 'outputs-saved' }
  | { type: 'preparation-failed'; reason: string }
  | { type: 'infrastructure-failed'; reason: string }
  | { type: 'timed-out'; timeoutSeconds: number }
  /** `reason`: what the job's reason says instead of "canceled by <by>". */
  | { type: 'cancel'; by: string; reason?: string | undefined };

export interface JobProgress {
  state: JobState;
  /** Why the job is in this state, for people: "queued: waiting for a node", "exit code 2", ... */
  reason: string | null;
  /** Infrastructure retries used (evictions, lost nodes); user-code failures never retry. */
  retries: number;
  exitCode: number | null;
}

export interface RetryPolicy {
  maxInfrastructureRetries: number;
}

export class InvalidTransition extends Error {}

/** The next progress for an event, or InvalidTransition when the event cannot happen in this state. */
export function transition(current: JobProgress, event: JobEvent, policy: RetryPolicy): JobProgress {
  const refuse = (): never => {
    throw new InvalidTransition(`a ${current.state} job cannot take '${event.type}'`);
  };
  if (terminalStates.includes(current.state)) refuse();
  switch (event.type) {
    case 'start-preparing':
      return current.state === 'Queued' ? { ...current, state: 'Preparing', reason: null } : refuse();
    case 'start-running':
      return current.state === 'Preparing' ? { ...current, state: 'Running', reason: null } : refuse();
    case 'process-exited':
      if (current.state !== 'Running') return refuse();
      return event.exitCode === 0
        ? { ...current, state: 'Finalizing', reason: null, exitCode: 0 }
        : {
            ...current,
            state: 'Failed',
            reason: `the command exited with code ${event.exitCode}${event.detail ? `: ${event.detail}` : ''}`,
            exitCode: event.exitCode,
          };
    case 'outputs-saved':
      return current.state === 'Finalizing' ? { ...current, state: 'Completed', reason: null } : refuse();
    case 'preparation-failed':
      return current.state === 'Preparing' ? { ...current, state: 'Failed', reason: `preparation failed: ${event.reason}` } : refuse();
    case 'infrastructure-failed':
      if (current.state === 'Queued') return refuse();
      if (current.retries >= policy.maxInfrastructureRetries) {
        return {
          ...current,
          state: 'Failed',
          reason: `${event.reason}; gave up after ${current.retries} infrastructure ${current.retries === 1 ? 'retry' : 'retries'}`,
        };
      }
      return {
        ...current,
        state: 'Queued',
        reason: `requeued after ${event.reason} (retry ${current.retries + 1} of ${policy.maxInfrastructureRetries})`,
        retries: current.retries + 1,
      };
    case 'timed-out':
      return current.state === 'Running'
        ? { ...current, state: 'Failed', reason: `stopped at limits.timeout (${event.timeoutSeconds} s)` }
        : refuse();
    case 'cancel':
      return { ...current, state: 'Canceled', reason: event.reason ?? `canceled by ${event.by}` };
  }
}

export function initialProgress(): JobProgress {
  return { state: 'Queued', reason: null, retries: 0, exitCode: null };
}
