import { join } from 'node:path';
import { TrellisError } from '../../core/errors.js';
import type { ProcessSlot } from '../../core/jobs/process-layout.js';
import type { LaunchRequest } from '../compute-backend.js';
import { isShellVariableName, shellQuote } from './shell-quote.js';
import { slurmTimeLimit } from './time-limit.js';

/**
 * The sbatch script for one attempt. Pure: a LaunchRequest in, the script's text out. The script
 * runs the command in its own session (so TERM reaches everything it started), sends it TERM at
 * limits.timeout and when Trellis stops it (`scancel --batch --signal=TERM`), leaves the hard stop
 * to Slurm's time limit (timeout + grace) or a plain scancel, and records the exit
 * code in <workDir>/exit_code (write, then rename), because Slurm forgets finished jobs after
 * MinJobAge and accounting may be off. One process runs in the batch script itself; more run as
 * `srun` tasks, each taking its rank variables from Slurm's placement.
 */

export interface BatchScriptOptions {
  /** Seconds between the TERM at limits.timeout and Slurm's hard stop at the time limit. */
  graceSeconds: number;
  partition?: string | undefined;
  account?: string | undefined;
}

/** Where the batch script writes the command's exit code. */
export function exitCodePath(workDir: string): string {
  return join(workDir, 'exit_code');
}

/** Where the backend stores the rendered script before submitting it. */
export function batchScriptPath(workDir: string): string {
  return join(workDir, 'slurm_batch.sh');
}

/** Variables that Slurm knows better than the plan, since Slurm picks the nodes: name → bash expression. */
const placementVariables: Record<string, string> = {
  RANK: '"$SLURM_PROCID"',
  OMPI_COMM_WORLD_RANK: '"$SLURM_PROCID"',
  LOCAL_RANK: '"$SLURM_LOCALID"',
  OMPI_COMM_WORLD_LOCAL_RANK: '"$SLURM_LOCALID"',
  NODE_RANK: '"$SLURM_NODEID"',
  GROUP_RANK: '"$SLURM_NODEID"',
  OMPI_COMM_WORLD_NODE_RANK: '"$SLURM_LOCALID"',
  WORLD_SIZE: '"$SLURM_NTASKS"',
  OMPI_COMM_WORLD_SIZE: '"$SLURM_NTASKS"',
  // The task's second argument: the first host of the allocation, found once by the batch script.
  MASTER_ADDR: '"$2"',
  AZ_BATCHAI_MPI_MASTER_NODE: '"$2"',
};

/** Renders the sbatch script for `request`; throws a TrellisError for what Slurm cannot carry. */
export function renderBatchScript(request: LaunchRequest, options: BatchScriptOptions): string {
  const processCount = request.processes.length;
  if (processCount < 1) throw new TrellisError('InvalidLaunch', 422, `job '${request.jobName}' has no processes to start`);
  if (request.instanceCount < 1) throw new TrellisError('InvalidLaunch', 422, `job '${request.jobName}' needs instance_count of 1 or more`);
  const isDistributed = processCount > 1;
  const perNode = Math.ceil(processCount / request.instanceCount);
  const logFile = join(request.logDir, isDistributed ? 'std_log_process_%t.txt' : 'std_log.txt');

  const directives = [
    `--job-name=${jobName(request)}`,
    // A distributed job's own output is only Slurm's and srun's messages; each task has its own file.
    `--output=${directivePath(isDistributed ? join(request.workDir, 'slurm_batch_log.txt') : escapePercent(logFile))}`,
    `--chdir=${directivePath(request.codeDir)}`,
    `--nodes=${request.instanceCount}`,
    `--ntasks=${processCount}`,
    `--ntasks-per-node=${perNode}`,
    `--cpus-per-task=${Math.max(1, Math.floor(request.resources.vcpus / perNode))}`,
    ...(request.resources.memoryGiB > 0 ? [`--mem=${Math.floor(request.resources.memoryGiB * 1024)}M`] : []),
    ...(request.resources.gpus > 0 ? [`--gres=gpu:${request.resources.gpus}`] : []),
    ...(request.timeoutSeconds === undefined ? [] : [`--time=${slurmTimeLimit(request.timeoutSeconds, options.graceSeconds)}`]),
    ...(options.partition ? [`--partition=${directiveWord(options.partition, 'partition')}`] : []),
    ...(options.account ? [`--account=${directiveWord(options.account, 'account')}`] : []),
    // Only what Trellis writes below reaches the job, not the server's own environment.
    '--export=NONE',
  ];

  const lines = [
    '#!/bin/bash',
    `# Trellis job ${request.workspace}/${request.jobName}, attempt ${request.attempt}; rendered by src/backends/slurm/batch-script.ts.`,
    ...directives.map((directive) => `#SBATCH ${directive}`),
    '',
    ...exportLines(request.env),
    '',
    `trellis_command=${shellQuote(request.command)}`,
    `trellis_exit_file=${shellQuote(exitCodePath(request.workDir))}`,
    '',
    // TERM comes from Trellis's stop (scancel --batch) or the timeout timer; pass it on once to everything the command started.
    'trellis_child=',
    'trellis_stopping=0',
    isDistributed
      ? // srun answers TERM by killing the step outright, so the tasks themselves (step 0) get the TERM.
        'trellis_forward_term() { [ -n "$trellis_child" ] && scancel --signal=TERM "$SLURM_JOB_ID.0" 2>/dev/null; }'
      : 'trellis_forward_term() { [ -n "$trellis_child" ] && kill -TERM -- -"$trellis_child" 2>/dev/null; }',
    'trap \'[ "$trellis_stopping" = 1 ] || { trellis_stopping=1; trellis_forward_term; }\' TERM',
    ...timerLines(request.timeoutSeconds),
    ...(isDistributed ? startTasks(request, logFile) : ['setsid /bin/bash -c "$trellis_command" &']),
    'trellis_child=$!',
    'if [ "$trellis_stopping" = 1 ]; then trellis_forward_term; fi',
    // wait returns early when a trapped signal arrives; wait again until the child is gone, then once more for its status.
    'while kill -0 "$trellis_child" 2>/dev/null; do wait "$trellis_child"; done',
    'wait "$trellis_child"',
    'trellis_code=$?',
    ...(request.timeoutSeconds === undefined ? [] : ['kill -- -"$trellis_timer" 2>/dev/null']),
    'printf \'%s\\n\' "$trellis_code" >"$trellis_exit_file.tmp" && mv -f "$trellis_exit_file.tmp" "$trellis_exit_file"',
    'exit "$trellis_code"',
    '',
  ];
  return lines.join('\n');
}

function startTasks(request: LaunchRequest, logFile: string): string[] {
  const perNode = Math.ceil(request.processes.length / request.instanceCount);
  const srun = [
    'srun',
    // The steps get the environment this script built (--export=NONE would otherwise carry over).
    '--export=ALL',
    // As on Azure ML, one failed process fails the job instead of leaving the others waiting.
    '--kill-on-bad-exit=1',
    `--nodes=${request.instanceCount}`,
    `--ntasks=${request.processes.length}`,
    `--ntasks-per-node=${perNode}`,
    `--cpus-per-task=${Math.max(1, Math.floor(request.resources.vcpus / perNode))}`,
    // Block placement puts ranks 0..k-1 on the first node, as the process layout plans them.
    '--distribution=block',
    `--output=${shellQuote(escapePercent(request.logDir) + logFile.slice(request.logDir.length))}`,
    '/bin/bash -c "$trellis_task" trellis-task "$trellis_command" "$trellis_master_addr"',
  ];
  return [
    `trellis_task=${shellQuote(taskScript(request.processes))}`,
    'trellis_master_addr=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
    `setsid ${srun.join(' ')} &`,
  ];
}

/** What each srun task runs: its own variables by SLURM_PROCID, then the command ($1). */
function taskScript(processes: ProcessSlot[]): string {
  const branches = processes.map((slot) => {
    const assignments = Object.entries(slot.env).map(
      ([name, value]) => `${variableName(name)}=${placementVariables[name] ?? placedEndpoint(name, value) ?? shellQuote(value)}`,
    );
    return assignments.length === 0 ? `  ${slot.rank}) ;;` : `  ${slot.rank}) export ${assignments.join(' ')} ;;`;
  });
  return ['case "$SLURM_PROCID" in', ...branches, 'esac', 'exec /bin/bash -c "$1"'].join('\n');
}

/** AZ_BATCH_MASTER_NODE is `host:port`: the host Slurm picked (the task's $2), the planned port. */
function placedEndpoint(name: string, value: string): string | undefined {
  return name === 'AZ_BATCH_MASTER_NODE' ? `"$2":${shellQuote(value.slice(value.lastIndexOf(':') + 1))}` : undefined;
}

function exportLines(env: Record<string, string>): string[] {
  return Object.entries(env).map(([name, value]) => `export ${variableName(name)}=${shellQuote(value)}`);
}

// limits.timeout: TERM at the timeout from the script itself, since Slurm's --signal can come a minute early.
function timerLines(timeoutSeconds: number | undefined): string[] {
  if (timeoutSeconds === undefined) return [];
  return [`setsid /bin/bash -c 'sleep "$1" && kill -TERM "$2"' trellis-timeout ${timeoutSeconds} $$ &`, 'trellis_timer=$!'];
}

function jobName(request: LaunchRequest): string {
  return `trellis-${request.workspace}-${request.jobName}-${request.attempt}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

function variableName(name: string): string {
  if (!isShellVariableName(name)) {
    throw new TrellisError(
      'InvalidLaunch',
      422,
      `environment variable name '${name}' cannot be passed to a Slurm job; use letters, digits and _ and do not start with a digit`,
    );
  }
  return name;
}

// sbatch reads #SBATCH values up to the end of the line and strips double quotes, so a path with
// spaces is quoted; a path with a quote, a backslash or a line break cannot be written there.
function directivePath(path: string): string {
  if (/["\\\r\n]/.test(path)) {
    throw new TrellisError(
      'InvalidLaunch',
      422,
      `path ${JSON.stringify(path)} cannot be given to sbatch; move the Trellis data folder to a path without quotes, backslashes or line breaks`,
    );
  }
  return `"${path}"`;
}

function directiveWord(value: string, what: string): string {
  if (!/^[A-Za-z0-9._,-]+$/.test(value))
    throw new TrellisError('InvalidCompute', 422, `Slurm ${what} '${value}' may hold only letters, digits and . _ , -`);
  return value;
}

// Slurm expands %j, %t ... in output file names; %% is a literal %.
function escapePercent(path: string): string {
  return path.replaceAll('%', '%%');
}
