/**
 * How limits.timeout becomes a Slurm time limit. The batch script sends TERM itself at the
 * timeout (Slurm's own `--signal=B:TERM@n` fires up to 60 s early, measured here: 54 s early
 * for a 5 s timeout), so Slurm's time limit is only the hard stop: the timeout plus the grace
 * period, rounded up to whole minutes because Slurm counts limits in minutes. At the limit Slurm
 * sends TERM to every process, then KILL after the cluster's KillWait.
 */

/** The value for sbatch's `--time` (D-HH:MM:SS), for a timeout and a grace period in seconds. */
export function slurmTimeLimit(timeoutSeconds: number, graceSeconds: number): string {
  if (!(timeoutSeconds > 0)) throw new Error(`timeoutSeconds must be positive, got ${timeoutSeconds}`);
  if (!(graceSeconds >= 0)) throw new Error(`graceSeconds must be 0 or more, got ${graceSeconds}`);
  return formatSlurmDuration(Math.ceil((timeoutSeconds + graceSeconds) / 60));
}

/** Whole minutes in Slurm's D-HH:MM:SS form, e.g. 1530 → "1-01:30:00". */
export function formatSlurmDuration(minutes: number): string {
  if (!Number.isInteger(minutes) || minutes < 0) throw new Error(`minutes must be a whole number, got ${minutes}`);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${days}-${pad(hours)}:${pad(minutes % 60)}:00`;
}
