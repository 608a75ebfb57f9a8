import { TrellisError } from '../../core/errors.js';

/**
 * The handle the job runner stores for a Slurm attempt: `slurm:<jobid>:<workDir>`. It carries
 * the workDir because poll reads the exit_code file there first, and after a server restart the
 * handle is all the backend gets. Pure.
 */

export interface SlurmHandle {
  jobId: string;
  workDir: string;
}

/** `slurm:<jobid>:<workDir>`. */
export function formatSlurmHandle(handle: SlurmHandle): string {
  return `slurm:${handle.jobId}:${handle.workDir}`;
}

/** Reads a handle made by formatSlurmHandle; the workDir may itself hold colons. */
export function parseSlurmHandle(handle: string): SlurmHandle {
  const match = /^slurm:(\d+):(.+)$/s.exec(handle);
  if (!match)
    throw new TrellisError(
      'InvalidBackendHandle',
      500,
      `'${handle}' is not a Slurm attempt handle (expected slurm:<jobid>:<workDir>); was the attempt launched on another backend?`,
    );
  return { jobId: match[1]!, workDir: match[2]! };
}
