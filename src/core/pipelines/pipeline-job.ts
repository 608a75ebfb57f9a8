import type { PipelineJobFile } from '../azureml/pipeline-job-schema.js';
import type { UploadedContent } from '../resources/uploaded-content.js';

/**
 * A pipeline job as Trellis keeps it: the validated file, what its local paths were uploaded as
 * (each step is submitted with them when it becomes ready), where it stands, and its MLflow run,
 * the parent of its steps' runs. Times are milliseconds since the epoch.
 */
export interface PipelineJob {
  workspace: string;
  name: string;
  displayName: string;
  experimentName: string;
  description: string | null;
  tags: Record<string, string>;
  spec: PipelineJobSpec;
  /** The contents uploaded for the file's local paths, by the path as written. */
  uploads: Record<string, UploadedContent>;
  /** Local files Azure ML inlines (an inline environment's conda_file), by the path as written. */
  inlined: Record<string, string>;
  state: PipelineState;
  reason: string | null;
  runId: string;
  createdBy: string;
  submittedAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** A cancel asked for and not yet seen through: 'cancel:<by>'. */
  stopRequest: string | null;
  /** The file as submitted (registered components inline): a schedule's template when it names this job; null before it was kept. */
  source: PipelineSource | null;
}

/** A pipeline job's file as submitted. */
export interface PipelineSource {
  fileName: string;
  text: string;
  defaultExperimentName?: string | undefined;
}

export type PipelineJobSpec = PipelineJobFile & { name: string };

export const pipelineStates = ['Queued', 'Running', 'Completed', 'Failed', 'Canceled'] as const;
export type PipelineState = (typeof pipelineStates)[number];

/**
 * A step of a pipeline job: Waiting for the steps it reads from; Submitted as its own command
 * job (its state is that job's); Reused (an earlier completed job did the same work: `job` names
 * it, and its outputs are this step's); Skipped (a step it needs failed, or the pipeline was canceled or
 * failed first); or NotSubmitted (its command job was refused, the reason says why).
 */
export interface PipelineStep {
  workspace: string;
  pipeline: string;
  step: string;
  state: StepState;
  /** The command job that runs it, once submitted; the earlier job whose work it reuses, when Reused. */
  job: string | null;
  reason: string | null;
  /** Why it was reused or ran, in words (see reuse-key.ts); null until it was decided. */
  reuseNote: string | null;
}

export const stepStates = ['Waiting', 'Submitted', 'Reused', 'Skipped', 'NotSubmitted'] as const;
export type StepState = (typeof stepStates)[number];

/** The name of the command job that runs a step: fixed, so a restart finds the job it submitted. */
export function stepJobName(pipeline: string, step: string): string {
  // A pipeline component's step (<step>.<inner>): job names take no dots.
  return `${pipeline}-${step.replaceAll('.', '-')}`.slice(0, 255);
}
