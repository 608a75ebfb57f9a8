import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { TrellisError } from '../../core/errors.js';
import type { AttemptState, ComputeBackend, LaunchRequest } from '../compute-backend.js';
import { attemptStateFromSlurm, isActiveSlurmState } from './attempt-state.js';
import { batchScriptPath, exitCodePath, renderBatchScript } from './batch-script.js';
import { slurmCommands, type SlurmCommands } from './slurm-commands.js';
import { formatSlurmHandle, parseSlurmHandle } from './slurm-handle.js';

/**
 * Runs attempts as Slurm batch jobs through the client tools on this machine (the Trellis server
 * is a Slurm login node). The workDir must be on a filesystem that every Slurm node sees, since
 * the job reads its code there and writes its logs and exit_code there.
 */

export interface SlurmBackendOptions {
  /** The compute's `partition`; the cluster's default partition when absent. */
  partition?: string | undefined;
  /** The compute's `account`, for clusters that charge node-hours to accounts. */
  account?: string | undefined;
  /** The compute's `nodes_max`: an attempt asking for more nodes is refused at launch. */
  nodesMax?: number | undefined;
  /** Seconds between the TERM at limits.timeout and Slurm's hard stop (default 30). */
  graceSeconds?: number | undefined;
  /** The Slurm tools; tests may pass their own. */
  commands?: SlurmCommands | undefined;
  /** How often stop() looks whether the job has ended during the grace period (default 1000 ms). */
  stopCheckIntervalMs?: number | undefined;
}

/** A ComputeBackend that submits each attempt with sbatch. */
export function createSlurmBackend(options: SlurmBackendOptions = {}): ComputeBackend {
  const commands = options.commands ?? slurmCommands();
  const graceSeconds = options.graceSeconds ?? 30;
  const stopCheckIntervalMs = options.stopCheckIntervalMs ?? 1000;

  /** Whether Slurm still has the job queued or running (the exit_code file, once there, says no). */
  const isActive = async (jobId: string, workDir: string): Promise<boolean> => {
    if ((await readExitCode(workDir)) !== undefined) return false;
    const state = await commands.queueState(jobId);
    return state !== undefined && isActiveSlurmState(state);
  };

  return {
    async launch(request: LaunchRequest) {
      if (options.nodesMax !== undefined && request.instanceCount > options.nodesMax) {
        throw new TrellisError(
          'InstanceCountTooLarge',
          422,
          `job '${request.jobName}' asks for ${request.instanceCount} nodes but the Slurm compute allows ${options.nodesMax} (nodes_max); lower instance_count or raise nodes_max`,
        );
      }
      const script = renderBatchScript(request, { graceSeconds, partition: options.partition, account: options.account });
      await mkdir(request.logDir, { recursive: true });
      // An exit code left by an earlier submission of this workDir would end the new attempt at once.
      await rm(exitCodePath(request.workDir), { force: true });
      const scriptPath = batchScriptPath(request.workDir);
      // The script holds the job's environment, which may include tokens: owner only.
      await writeFile(scriptPath, script, { mode: 0o700 });
      await chmod(scriptPath, 0o700);
      const jobId = await commands.submit(scriptPath);
      return { handle: formatSlurmHandle({ jobId, workDir: request.workDir }) };
    },

    async poll(handle: string): Promise<AttemptState> {
      const { jobId, workDir } = parseSlurmHandle(handle);
      const recorded = await readExitCode(workDir);
      if (recorded !== undefined) return { state: 'exited', exitCode: recorded };
      const state = await commands.queueState(jobId);
      if (state !== undefined && isActiveSlurmState(state)) return { state: 'running' };
      const info = await commands.showJob(jobId);
      // The job may have written its exit code between the first read and Slurm's answer.
      const late = await readExitCode(workDir);
      if (late !== undefined) return { state: 'exited', exitCode: late };
      return attemptStateFromSlurm(jobId, info);
    },

    async stop(handle: string, stopGraceSeconds: number) {
      const { jobId, workDir } = parseSlurmHandle(handle);
      if ((await readExitCode(workDir)) !== undefined) return;
      const state = await commands.queueState(jobId);
      if (state === undefined || !isActiveSlurmState(state) || state === 'COMPLETING') return;
      // Nothing of the command runs yet (and scancel --batch retries for ~95 s on a pending job).
      if (state !== 'RUNNING') return await commands.cancel(jobId);
      // TERM to the batch script only: it passes TERM on to the command (srun would kill its tasks outright).
      await commands.terminate(jobId);
      const deadline = Date.now() + stopGraceSeconds * 1000;
      while (Date.now() < deadline) {
        await sleep(Math.min(stopCheckIntervalMs, Math.max(0, deadline - Date.now())));
        if (!(await isActive(jobId, workDir))) return;
      }
      await commands.cancel(jobId);
    },
  };
}

/** The code in <workDir>/exit_code, or undefined while there is none. */
async function readExitCode(workDir: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(exitCodePath(workDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const match = /^(\d+)\s*$/.exec(text);
  return match ? Number(match[1]) : undefined;
}
