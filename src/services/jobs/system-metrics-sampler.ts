import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir, readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Logger } from 'pino';
import { processGroupsOf } from '../../backends/local/local-backend.js';
import { hasCode } from '../../core/error-codes.js';
import type { Job } from '../../core/jobs/job.js';
import {
  jobSample,
  metricPrefix,
  nvidiaSmiQueries,
  parseGpuDevices,
  parseGpuProcesses,
  parseMachineCpu,
  parseProcessStat,
  parseResidentBytes,
  selectJobGpus,
  selectJobProcesses,
  systemMetricValues,
  type GpuDevice,
  type GpuProcess,
  type JobSample,
  type NodeSize,
  type ProcessStat,
} from '../../core/jobs/system-metrics.js';
import type { Context } from '../context.js';
import { getRun, logBatch } from '../tracking/run-service.js';

export interface SystemMetricsSamplerOptions {
  /** The least time between two samples of one job; MLflow's default is 10 s. */
  intervalMs?: number;
  /** The nvidia-smi to run: a path, `null` for none, or left out to look for it on PATH (once). */
  nvidiaSmi?: string | null;
  /** How long nvidia-smi may take; past it, that sample has no GPU metrics. */
  nvidiaSmiTimeoutMs?: number;
  /** Where a failing sample is reported (once per job, and once for nvidia-smi); stderr by default. */
  warn?: (message: string) => void;
}

interface JobState {
  /** The attempt the previous reading belongs to: a new attempt starts CPU deltas afresh. */
  handle: string;
  lastSampledAt: number;
  previous: JobSample | undefined;
  /** The step of the next sample: after the run's last system/ step, so a restart or a new attempt goes on. */
  nextStep: number | undefined;
  hasWarned: boolean;
}

interface GpuReading {
  devices: GpuDevice[];
  processes: GpuProcess[];
}

/**
 * Samples the CPU, memory and GPUs of running local jobs into their MLflow runs as `system/...`
 * metrics (what each one means: core/jobs/system-metrics.ts). The job runner calls `sample` for
 * every running job on each tick; a job is sampled at most once per interval, and the previous
 * reading is kept to turn cumulative CPU time into a rate, so the first sample of an attempt has
 * no CPU figure. Sampling never throws: a failure is reported once per job and the job runs on.
 * Only the local backend's processes are visible here (Linux /proc); other handles are skipped.
 */
export class SystemMetricsSampler {
  private readonly intervalMs: number;
  private readonly nvidiaSmiTimeoutMs: number;
  private readonly warn: (message: string) => void;
  private readonly jobs = new Map<string, JobState>();
  private nvidiaSmi: Promise<string | undefined> | undefined;
  private lastGpuReading: { at: number; reading: Promise<GpuReading | undefined> } | undefined;
  /** The nvidia-smi queries still running: while they hang, none is started again. */
  private gpuQueryInFlight: Promise<GpuReading | undefined> | undefined;
  private hasWarnedAboutGpus = false;

  constructor(
    private readonly context: Context,
    options: SystemMetricsSamplerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.nvidiaSmiTimeoutMs = options.nvidiaSmiTimeoutMs ?? 5_000;
    this.warn = options.warn ?? ((message) => context.logger.warn(`system metrics: ${message}`));
    if (options.nvidiaSmi !== undefined) this.nvidiaSmi = Promise.resolve(options.nvidiaSmi ?? undefined);
  }

  /**
   * Logs one sample of a running job's attempt (`handle`) to its run, unless the job was sampled
   * less than the interval ago. `resources` is one node of the compute's size, which the
   * percentages are of; without it, this machine's.
   */
  async sample(job: Pick<Job, 'workspace' | 'name' | 'runId'>, handle: string, resources?: NodeSize): Promise<void> {
    if (process.platform !== 'linux' || !handle.startsWith('local:')) return;
    const key = `${job.workspace}/${job.name}`;
    const now = this.context.clock().getTime();
    let state = this.jobs.get(key);
    if (state && now - state.lastSampledAt < this.intervalMs) return;
    if (!state) {
      state = { handle, lastSampledAt: now, previous: undefined, nextStep: undefined, hasWarned: false };
      this.jobs.set(key, state);
    }
    state.lastSampledAt = now;
    if (state.handle !== handle) {
      state.handle = handle;
      state.previous = undefined;
    }
    try {
      await this.sampleAttempt(job, state, resources, now);
    } catch (error) {
      if (!state.hasWarned) this.warn(`job '${key}' is not sampled: ${(error as Error).message}`);
      state.hasWarned = true;
    }
  }

  /** Drops what is kept for a job that ended. */
  forget(job: Pick<Job, 'workspace' | 'name'>): void {
    this.jobs.delete(`${job.workspace}/${job.name}`);
  }

  private async sampleAttempt(
    job: Pick<Job, 'workspace' | 'runId'>,
    state: JobState,
    resources: NodeSize | undefined,
    now: number,
  ): Promise<void> {
    const leaders = await processGroupsOf(state.handle, this.context.logger);
    if (!leaders) return;
    const [all, machine] = await Promise.all([readAllProcesses(), readFile('/proc/stat', 'utf8').then(parseMachineCpu)]);
    if (!machine) throw new Error('/proc/stat has no cpu line');
    const processes = selectJobProcesses(all, leaders);
    // No process left: the attempt is ending, and the runner will see it on this tick's poll.
    if (processes.length === 0) {
      state.previous = undefined;
      return;
    }
    // A process that exited since the scan (or a zombie) has no resident memory left: it is not sampled.
    const measured = (
      await Promise.all(processes.map(async (process) => ({ ...process, residentBytes: await readResidentBytes(process.pid) })))
    ).filter((process) => process.residentBytes > 0);
    if (measured.length === 0) {
      state.previous = undefined;
      return;
    }
    const current = jobSample(measured, machine);
    const gpuReading = await this.readGpus(now);
    const gpus =
      gpuReading &&
      selectJobGpus(
        gpuReading.devices,
        gpuReading.processes,
        new Set(processes.map((process) => process.pid)),
        new Set(all.map((process) => process.pid)),
      );
    const metrics = systemMetricValues({ previous: state.previous, current, size: resources, machineMemoryBytes: totalmem(), gpus });
    state.previous = current;
    state.nextStep ??= await nextSystemStep(this.context, job.workspace, job.runId);
    const step = state.nextStep;
    await logBatch(this.context, job.workspace, job.runId, {
      metrics: [...metrics].map(([key, value]) => ({ key, value, timestamp: now, step })),
      params: [],
      tags: [],
    });
    state.nextStep = step + 1;
  }

  /** One nvidia-smi reading, shared by the jobs sampled within half an interval; undefined without nvidia-smi or when it fails. */
  private async readGpus(now: number): Promise<GpuReading | undefined> {
    this.nvidiaSmi ??= findOnPath('nvidia-smi', this.context.logger);
    const binary = await this.nvidiaSmi;
    if (!binary) return undefined;
    if (!this.lastGpuReading || now - this.lastGpuReading.at >= this.intervalMs / 2) {
      this.lastGpuReading = { at: now, reading: this.queryGpus(binary) };
    }
    return this.lastGpuReading.reading;
  }

  private async queryGpus(binary: string): Promise<GpuReading | undefined> {
    if (!this.gpuQueryInFlight) {
      const query = Promise.all([
        runTool(binary, nvidiaSmiQueries.devices, this.nvidiaSmiTimeoutMs),
        runTool(binary, nvidiaSmiQueries.processes, this.nvidiaSmiTimeoutMs),
      ]).then(([devices, processes]) => ({ devices: parseGpuDevices(devices), processes: parseGpuProcesses(processes) }));
      this.gpuQueryInFlight = query;
      // The sample that awaits it reports a failure (once); one that came after its deadline is said here.
      void query
        .catch((error: unknown) => this.context.logger.debug({ err: error, binary }, `system metrics: ${binary} failed`))
        .finally(() => (this.gpuQueryInFlight = undefined));
    }
    try {
      // A child stuck in the driver may outlive even SIGKILL: the sample does not wait for it.
      return await withDeadline(this.gpuQueryInFlight, this.nvidiaSmiTimeoutMs + 1_000);
    } catch (error) {
      if (!this.hasWarnedAboutGpus) this.warn(`no GPU metrics: ${binary} ${(error as Error).message}`);
      this.hasWarnedAboutGpus = true;
      return undefined;
    }
  }
}

/** Every process of this machine; those that vanish mid-scan are left out. */
async function readAllProcesses(): Promise<ProcessStat[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = await Promise.all(pids.map(async (pid) => parseProcessStat(pid, await readProcessFile(pid, 'stat'))));
  return stats.filter((stat) => stat !== undefined);
}

async function readResidentBytes(pid: number): Promise<number> {
  return parseResidentBytes(await readProcessFile(pid, 'status'));
}

/** A /proc file of a process; empty when the process has exited meanwhile (anything else fails the sample, which says so). */
async function readProcessFile(pid: number, file: 'stat' | 'status'): Promise<string> {
  try {
    return await readFile(`/proc/${pid}/${file}`, 'utf8');
  } catch (error) {
    if (hasCode(error, 'ENOENT', 'ESRCH')) return '';
    throw error;
  }
}

/** The step after the run's last `system/` one (0 for a run without any). */
async function nextSystemStep(context: Context, workspace: string, runId: string): Promise<number> {
  const run = await getRun(context, workspace, runId);
  const steps = run.data.metrics.filter((metric) => metric.key.startsWith(metricPrefix)).map((metric) => metric.step);
  return steps.length === 0 ? 0 : Math.max(...steps) + 1;
}

async function findOnPath(name: string, logger: Logger): Promise<string | undefined> {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch (error) {
      // Not in this folder, or not one we may run: look on. Anything else is said, and the search goes on too.
      if (!hasCode(error, 'ENOENT', 'ENOTDIR', 'EACCES'))
        logger.warn({ err: error, candidate }, `system metrics: ${candidate} could not be checked; looking for ${name} further on PATH`);
    }
  }
  return undefined;
}

function runTool(binary: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      reject(
        new Error(
          error.killed
            ? `did not answer within ${timeoutMs / 1000} s`
            : `failed: ${(stderr || stdout || error.message).trim().split('\n')[0]}`,
        ),
      );
    });
  });
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not answer within ${ms / 1000} s`)), ms);
    timer.unref();
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
