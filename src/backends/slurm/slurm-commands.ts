import { execFile } from 'node:child_process';
import { TrellisError } from '../../core/errors.js';
import { classifySlurmError, parseSbatchOutput, parseScontrolJob, parseSqueueState, type SlurmJobInfo } from './slurm-output.js';

/**
 * Thin wrappers around Slurm's client tools on this machine (sbatch, squeue, scontrol, scancel).
 * They turn a missing tool, an unreachable controller or a refused job into a TrellisError that
 * says what to fix, and a job Slurm no longer knows into `undefined`.
 */

export interface SlurmCommands {
  /** `sbatch --parsable <script>`; returns the job id. */
  submit(scriptPath: string): Promise<string>;
  /** `squeue -h -j <id> -o %T --states=all`; undefined when Slurm no longer lists the job. */
  queueState(jobId: string): Promise<string | undefined>;
  /** `scontrol show job <id>`; undefined when Slurm no longer knows the job. */
  showJob(jobId: string): Promise<SlurmJobInfo | undefined>;
  /** `scancel --batch --signal=TERM <id>`: TERM to the batch script, which passes it to the command. Only for a running job. */
  terminate(jobId: string): Promise<void>;
  /** `scancel <id>`: Slurm's own stop (TERM, then KILL after the cluster's KillWait). */
  cancel(jobId: string): Promise<void>;
}

export interface SlurmCommandOptions {
  /** How long one command may take; a controller that is down makes them retry for ~10-20 s. */
  timeoutMs?: number;
}

interface Outcome {
  stdout: string;
  stderr: string;
  failed: boolean;
}

/** The commands, run with execFile (no shell) and the server's PATH. */
export function slurmCommands(options: SlurmCommandOptions = {}): SlurmCommands {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const run = (binary: string, args: string[]) => runSlurmTool(binary, args, timeoutMs);
  return {
    async submit(scriptPath) {
      const outcome = await run('sbatch', ['--parsable', scriptPath]);
      const jobId = outcome.failed ? undefined : parseSbatchOutput(outcome.stdout);
      if (jobId === undefined) {
        throw new TrellisError(
          'SlurmSubmitRejected',
          422,
          `Slurm refused the job: ${firstLine(outcome.stderr || outcome.stdout)}; check the compute's partition and account and the job's instance_count and resources against: sinfo -o '%P %D %c %m %G'`,
          { details: { script: scriptPath } },
        );
      }
      return jobId;
    },
    async queueState(jobId) {
      const outcome = await run('squeue', ['-h', '-j', jobId, '-o', '%T', '--states=all']);
      return outcome.failed ? undefined : parseSqueueState(outcome.stdout);
    },
    async showJob(jobId) {
      const outcome = await run('scontrol', ['show', 'job', jobId]);
      return outcome.failed ? undefined : parseScontrolJob(outcome.stdout);
    },
    async terminate(jobId) {
      await run('scancel', ['--batch', '--signal=TERM', jobId]);
    },
    async cancel(jobId) {
      await run('scancel', [jobId]);
    },
  };
}

/** Runs one tool; throws for a missing tool, a timeout or an unreachable controller, and reports other failures. */
async function runSlurmTool(binary: string, args: string[], timeoutMs: number): Promise<Outcome> {
  return await new Promise<Outcome>((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout, stderr, failed: false });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        return reject(
          new TrellisError(
            'SlurmNotInstalled',
            503,
            `slurm's ${binary} is not installed or not on PATH of the Trellis server (PATH=${process.env.PATH ?? ''}); install Slurm's client tools (Debian: apt-get install slurm-client) and configure /etc/slurm/slurm.conf for the cluster`,
            { cause: error },
          ),
        );
      }
      if (error.killed || classifySlurmError(stderr) === 'controller-unreachable') {
        const what = error.killed ? `did not answer within ${timeoutMs / 1000} s` : `says: ${firstLine(stderr)}`;
        return reject(
          new TrellisError(
            'SlurmControllerUnavailable',
            503,
            `the Slurm controller is not reachable (${binary} ${what}); check that slurmctld runs with: scontrol ping (on a single-node test cluster: scripts/slurm/start-cluster.sh)`,
            { cause: error },
          ),
        );
      }
      const failure = classifySlurmError(stderr);
      if (failure === 'unknown-job' || failure === 'job-not-started' || binary === 'sbatch')
        return resolve({ stdout, stderr, failed: true });
      reject(
        new TrellisError('SlurmCommandFailed', 502, `${binary} ${args.join(' ')} failed: ${firstLine(stderr) || error.message}`, {
          cause: error,
        }),
      );
    });
  });
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
