import type { ProcessSlot } from '../core/jobs/process-layout.js';

/**
 * The one interface every compute backend (local, slurm, kubernetes) implements. The job runner
 * prepares an attempt's folder on this machine (code, inputs, outputs, checkpoints), asks a
 * backend to launch it, and from then on knows the attempt only by the `handle` it got back,
 * which it stores: after a server restart, `poll` and `stop` with that handle find the attempt
 * again. Backends never touch the metadata store.
 */

/** One attempt of a job, ready to start. Paths are absolute and on this machine. */
export interface LaunchRequest {
  workspace: string;
  jobName: string;
  /** 1 for the first attempt; requeued jobs (evictions, lost nodes) get the next number. */
  attempt: number;
  /** The command with its ${{inputs.*}} / ${{outputs.*}} placeholders already filled, run by bash. */
  command: string;
  /** The attempt's folder, holding code/, inputs/, outputs/, checkpoints/ and user_logs/. */
  workDir: string;
  /** The working directory of every process: the job's code snapshot. */
  codeDir: string;
  /** Where output goes: std_log.txt for a single process, std_log_process_<rank>.txt for each process of a distributed job (as on Azure ML). */
  logDir: string;
  /** Variables every process gets (MLflow run identity, checkpoint dir, the user's environment_variables). */
  env: Record<string, string>;
  /** One entry per process with its node index, global rank and own variables (RANK, LOCAL_RANK, ...). */
  processes: ProcessSlot[];
  instanceCount: number;
  /** limits.timeout: the backend stops every process after this many seconds. */
  timeoutSeconds?: number | undefined;
  /** What one node of the compute's size offers; backends that can enforce limits do. */
  resources: { vcpus: number; memoryGiB: number; gpus: number };
  /** The environment's container image, for backends that run containers. */
  image?: string | undefined;
  /** The local backend: the node slots the scheduler gave this attempt. */
  nodes?: string[] | undefined;
}

/** Where an attempt stands, as the backend sees it. */
export type AttemptState =
  | { state: 'running' }
  /** `reason`: what the backend knows beyond the code (the node ran out of memory). */
  | { state: 'exited'; exitCode: number; reason?: string | undefined }
  /** The attempt is gone without an exit code (node lost, evicted by the platform, deleted). */
  | { state: 'lost'; reason: string };

export interface ComputeBackend {
  /** Starts the attempt and returns the handle that finds it again; throws a TrellisError when it cannot start. */
  launch(request: LaunchRequest): Promise<{ handle: string }>;
  /** Where the attempt stands now. Idempotent, and correct after a server restart. */
  poll(handle: string): Promise<AttemptState>;
  /** Asks every process to stop (SIGTERM or the platform's equivalent), then stops them hard after graceSeconds. */
  stop(handle: string, graceSeconds: number): Promise<void>;
  /**
   * The handle of an attempt launched in `workDir` by a server that died before recording it, or
   * undefined when nothing was launched there: after a restart, such an attempt is adopted
   * instead of launched a second time. Backends that cannot tell leave it out.
   */
  adopt?(workDir: string): Promise<string | undefined>;
}
