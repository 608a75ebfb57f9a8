import type { Job } from '../../core/jobs/job.js';
import type { Context } from '../../services/context.js';
import type { JobRunnerOptions } from './job-runner-options.js';

/** A job's key in the runner's in-process sets and maps: `<workspace>/<name>`. */
export function jobKey(job: Pick<Job, 'workspace' | 'name'>): string {
  return `${job.workspace}/${job.name}`;
}

/**
 * What the job runner's concerns share in this process: the context and options, the jobs whose
 * preparation or finishing is in flight, the stops already sent, and a way to ask for another pass.
 */
export class RunnerState {
  /** Jobs whose preparation or finishing is in flight in this process. */
  readonly busy = new Set<string>();
  /** Stops sent in this process (a restart sends them again). */
  readonly stopping = new Set<string>();

  /** `wake` asks the loop for a reconcile soon. */
  constructor(
    readonly context: Context,
    readonly options: JobRunnerOptions,
    readonly wake: () => void,
  ) {}

  /** The context's clock, in milliseconds since the epoch. */
  now(): number {
    return this.context.clock().getTime();
  }

  /** The lifecycle policy the job transitions follow. */
  policy() {
    return { maxInfrastructureRetries: this.options.maxInfrastructureRetries };
  }

  /** Where simulated evictions draw their chances. */
  get random(): () => number {
    return this.options.random ?? Math.random;
  }
}
