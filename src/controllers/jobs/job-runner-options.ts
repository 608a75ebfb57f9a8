import type { ComputeBackend } from '../../backends/compute-backend.js';
import type { JobSettings } from '../../config/config.js';
import type { Job } from '../../core/jobs/job.js';
import type { Resource } from '../../core/resources/resource.js';
import type { Timers } from '../timers.js';

/** What the job runner is configured with: the server's job settings plus where jobs run and log to. */
export interface JobRunnerOptions extends JobSettings {
  jobsRoot: string;
  /** The MLflow tracking URI jobs of a workspace log to. */
  trackingUriFor(workspace: string): string;
  /**
   * Variables that let clients in a job trust the server's certificate when it is served over
   * TLS (MLFLOW_TRACKING_SERVER_CERT_PATH, TRELLIS_CA_FILE); empty over plain HTTP.
   */
  serverTrust?: Record<string, string>;
  /** Where simulated evictions draw their chances (tests pass their own). */
  random?: () => number;
  /**
   * The backend that runs jobs on a compute (amlcompute and computeinstance run locally, slurm
   * on the cluster the compute names). `undefined` when the compute was deleted while its job
   * ran: its attempts are then polled and stopped by their handles alone.
   */
  backendFor(compute: Resource | undefined): ComputeBackend | undefined;
  /**
   * Whether this server may still start job processes, asked just before each launch: false once
   * the controllers' lease it runs under may have lapsed (another server may be starting the same
   * job). Always, when unset.
   */
  mayLaunch?: () => boolean;
  /** Called when a job ended (Completed, Failed or Canceled): the pipeline runner wakes. */
  onJobEnded?: (job: Job) => void;
  /** The timers the loop ticks on (tests pass fake ones); the real ones by default. */
  timers?: Timers;
}
