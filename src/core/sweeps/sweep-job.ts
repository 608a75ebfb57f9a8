import type { SweepJobFile } from '../azureml/sweep-job-schema.js';
import type { UploadedContent } from '../resources/uploaded-content.js';
import type { Parameters, SearchSpace } from './sweep-types.js';

/**
 * A sweep job as Trellis keeps it: the validated file, what its local paths were uploaded as
 * (each trial is submitted with them), where it stands, and its MLflow run, the parent of its
 * trials' runs. Times are milliseconds since the epoch.
 */
export interface SweepJob {
  workspace: string;
  name: string;
  displayName: string;
  experimentName: string;
  description: string | null;
  tags: Record<string, string>;
  spec: SweepJobSpec;
  /** The contents uploaded for the file's local paths, by the path as written. */
  uploads: Record<string, UploadedContent>;
  /** Local files Azure ML inlines (an inline environment's conda_file), by the path as written. */
  inlined: Record<string, string>;
  state: SweepState;
  reason: string | null;
  runId: string;
  createdBy: string;
  submittedAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** A cancel asked for and not yet seen through: 'cancel:<by>'. */
  stopRequest: string | null;
  /** The file as submitted. */
  source: { fileName: string; text: string; defaultExperimentName?: string | undefined };
}

/** The file as parsed, its search space checked expression by expression. */
export type SweepJobSpec = SweepJobFile & { name: string; search_space: SearchSpace };

export const sweepStates = ['Queued', 'Running', 'Completed', 'Failed', 'Canceled'] as const;
export type SweepState = (typeof sweepStates)[number];

/**
 * A trial of a sweep: its hyperparameters and the command job that runs them (its state is that
 * job's). Written in the commit that queues the job, so a trial never exists without its job nor
 * a job without its trial. Once the job ended, the objective it reached is kept with it.
 */
export interface SweepTrial {
  workspace: string;
  sweep: string;
  /** 0-based, in the order the trials were sampled. */
  index: number;
  job: string;
  parameters: Parameters;
  /** The last reported value of the primary metric, once the trial's job ended (null: it never reported it). */
  objective: number | null;
  /** How many times the trial reported the primary metric, once its job ended. */
  reports: number;
  /** Whether the job ended and its objective and reports are final. */
  isFinal: boolean;
  /** The early-termination policy's rule and figures, when it stopped the trial. */
  stopReason: string | null;
}

/** The name of the command job that runs trial `index`: `<sweep>_<index>`, as Azure ML names its trials; fixed, so a restart finds it. */
export function trialJobName(sweep: string, index: number): string {
  return `${sweep}_${index}`;
}
