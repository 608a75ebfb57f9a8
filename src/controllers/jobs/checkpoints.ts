import type { Job } from '../../core/jobs/job.js';
import { saveCheckpoints } from '../../services/jobs/finalize-attempt.js';
import { jobKey, type RunnerState } from './runner-state.js';

/** Saves running jobs' checkpoints to their outputs: at each checkpoint interval, before an eviction, and as an attempt ends. */
export class CheckpointSaving {
  private readonly lastCheckpoint = new Map<string, number>();

  constructor(private readonly state: RunnerState) {}

  /** Saves the job's checkpoints when its checkpoint interval has passed since the last save (or its start). */
  async maybeSave(job: Job, now: number): Promise<void> {
    const last = this.lastCheckpoint.get(jobKey(job)) ?? job.startedAt ?? now;
    if (now - last < this.state.options.checkpointIntervalSeconds * 1000) return;
    this.lastCheckpoint.set(jobKey(job), now);
    await this.save(job, 'at its checkpoint interval');
  }

  /** Saves the job's checkpoints; a failure loses only this save (the next one, or a resumed attempt, uses older ones). */
  async save(job: Job, when: string): Promise<void> {
    const { context, options } = this.state;
    await saveCheckpoints(context, job, options.jobsRoot).catch((error: unknown) =>
      context.logger.warn(
        { err: error, job: jobKey(job) },
        `job runner: the checkpoints of job ${jobKey(job)} were not saved ${when}; a requeued attempt resumes from older ones, if any`,
      ),
    );
  }

  /** Forgets the job's last save (its attempt ended). */
  forget(job: Job): void {
    this.lastCheckpoint.delete(jobKey(job));
  }
}
