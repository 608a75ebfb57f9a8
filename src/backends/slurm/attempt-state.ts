import type { AttemptState } from '../compute-backend.js';
import type { SlurmJobInfo } from './slurm-output.js';

/**
 * What a Slurm job state means for a Trellis attempt, for jobs that left no exit_code file (the
 * batch script writes one whenever the command ends, so this is for jobs Slurm ended first).
 * Pure. A state that only Slurm's infrastructure causes (node failure, preemption) makes the
 * attempt `lost`, so the runner may try again; a job that failed on its own terms `exited`.
 */

/** States in which the job may still run the command or has not started it yet. */
const activeStates = new Set([
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'STOPPED',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESV_DEL_HOLD',
  'SPECIAL_EXIT',
]);

/** Whether a Slurm job in this state is still queued or running. */
export function isActiveSlurmState(state: string): boolean {
  return activeStates.has(state);
}

/** The exit code a shell would report: the status, or 128 + the signal that ended the script. */
export function shellExitCode(info: Pick<SlurmJobInfo, 'exitStatus' | 'exitSignal'>): number {
  return info.exitSignal > 0 ? 128 + info.exitSignal : info.exitStatus;
}

/** The attempt's state from `scontrol show job` (undefined when Slurm no longer knows the job). */
export function attemptStateFromSlurm(jobId: string, info: SlurmJobInfo | undefined): AttemptState {
  if (info === undefined) {
    return {
      state: 'lost',
      reason: `Slurm no longer knows job ${jobId} (finished jobs are forgotten after MinJobAge) and it left no exit code`,
    };
  }
  if (isActiveSlurmState(info.state)) return { state: 'running' };
  const why = info.reason ? ` (${info.reason})` : '';
  const code = shellExitCode(info);
  switch (info.state) {
    case 'COMPLETED':
      return { state: 'exited', exitCode: code };
    // The script could not start or was killed before it wrote exit_code; a zero code still means failure.
    case 'FAILED':
      return { state: 'exited', exitCode: code === 0 ? 1 : code };
    // Slurm's hard stop at timeout + grace: the command ignored the TERM at the timeout.
    case 'TIMEOUT':
      return { state: 'exited', exitCode: code === 0 ? 137 : code };
    case 'OUT_OF_MEMORY':
      return { state: 'exited', exitCode: 137 };
    case 'CANCELLED':
      return { state: 'lost', reason: `canceled in Slurm${why}: job ${jobId} was canceled with scancel by a user or an administrator` };
    case 'NODE_FAIL':
      return { state: 'lost', reason: `a node of Slurm job ${jobId} failed${why}` };
    case 'PREEMPTED':
      return { state: 'lost', reason: `Slurm preempted job ${jobId} for a job of higher priority${why}` };
    case 'BOOT_FAIL':
      return { state: 'lost', reason: `a node of Slurm job ${jobId} failed to boot${why}` };
    case 'DEADLINE':
      return { state: 'lost', reason: `Slurm job ${jobId} reached its deadline${why}` };
    default:
      return { state: 'lost', reason: `Slurm job ${jobId} ended in state ${info.state}${why} without an exit code` };
  }
}
