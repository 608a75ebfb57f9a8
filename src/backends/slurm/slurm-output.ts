/**
 * Reading what Slurm's client tools print: `sbatch --parsable`, `squeue -h -o %T` and
 * `scontrol show job`, and telling their error messages apart. Pure; the examples in the tests
 * are captured from Slurm 22.05 (Debian 12's slurm-wlm).
 */

/** What `scontrol show job` says about a job, as far as Trellis needs it. */
export interface SlurmJobInfo {
  jobId: string;
  /** Slurm's long state name: PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, CANCELLED, ... */
  state: string;
  /** Why the job is in that state (TimeLimit, NonZeroExitCode, Priority, ...); undefined for "None". */
  reason: string | undefined;
  /** The batch script's exit status, the `a` of ExitCode=a:b. */
  exitStatus: number;
  /** The signal that ended the batch script, the `b` of ExitCode=a:b; 0 when none. */
  exitSignal: number;
}

/** The job id from `sbatch --parsable`, which prints `<id>` or `<id>;<cluster>`. */
export function parseSbatchOutput(stdout: string): string | undefined {
  const match = /^(\d+)(?:;\S+)?$/m.exec(stdout.trim());
  return match?.[1];
}

/** The state from `squeue -h -j <id> -o %T --states=all`; undefined when Slurm lists nothing. */
export function parseSqueueState(stdout: string): string | undefined {
  const line = stdout
    .split('\n')
    .map((text) => text.trim())
    .find((text) => text !== '');
  return line;
}

/** The job from `scontrol show job <id>`; undefined when the output holds no JobState. */
export function parseScontrolJob(stdout: string): SlurmJobInfo | undefined {
  const jobId = /(?:^|\s)JobId=(\d+)/.exec(stdout)?.[1];
  const state = /(?:^|\s)JobState=(\S+)/.exec(stdout)?.[1];
  if (jobId === undefined || state === undefined) return undefined;
  // Reason is one word in Slurm's output; stop at the next field in case a site patches that.
  const reason = /(?:^|\s)Reason=(.*?)(?=\s+\w+=|\s*$)/m.exec(stdout)?.[1]?.trim();
  const exit = /(?:^|\s)ExitCode=(\d+):(\d+)/.exec(stdout);
  return {
    jobId,
    state,
    reason: reason === undefined || reason === '' || reason === 'None' ? undefined : reason,
    exitStatus: exit ? Number(exit[1]) : 0,
    exitSignal: exit ? Number(exit[2]) : 0,
  };
}

/** What went wrong when a Slurm client tool failed, judged by its message. */
export type SlurmFailure = 'controller-unreachable' | 'unknown-job' | 'job-not-started' | 'other';

/** Classifies a Slurm client tool's stderr. */
export function classifySlurmError(stderr: string): SlurmFailure {
  if (
    /Unable to contact slurm controller|Socket timed out|Connection refused|Zero Bytes were transmitted or received|Communication connection failure/i.test(
      stderr,
    )
  ) {
    return 'controller-unreachable';
  }
  if (/Invalid job id specified/i.test(stderr)) return 'unknown-job';
  // What `scancel --batch --signal=TERM` says about a job that is still pending.
  if (/Job can not be altered now/i.test(stderr)) return 'job-not-started';
  return 'other';
}
