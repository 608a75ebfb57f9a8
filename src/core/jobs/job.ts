import type { CommandJobFile } from '../azureml/command-job-schema.js';
import type { JobState } from './job-lifecycle.js';
import type { JobRunningTime } from './running-time.js';

/**
 * A command job as Trellis keeps it: what was submitted, the lineage fixed at submit (exact code,
 * environment and input versions), and where it stands. Times are milliseconds since the epoch.
 */
export interface Job {
  workspace: string;
  name: string;
  displayName: string;
  experimentName: string;
  description: string | null;
  tags: Record<string, string>;
  /** The compute it runs on; jobs without `compute:` get the workspace's serverless cluster. */
  compute: string;
  /** The submitted job, validated, with references as written and Azure's defaults filled in. */
  spec: JobSpec;
  lineage: JobLineage;
  state: JobState;
  reason: string | null;
  exitCode: number | null;
  retries: number;
  /** Attempts started so far (an evicted job starts again as the next attempt). */
  attempt: number;
  priority: number;
  instanceCount: number;
  submittedAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** The MLflow run the job logs to. */
  runId: string;
  createdBy: string;
  /** Node-seconds the job held, over all attempts (instance_count × running time). */
  nodeSeconds: number;
  /** The nodes the running attempt holds. */
  nodes: string[];
  /** How the backend finds the running attempt again, after a restart too. */
  handle: string | null;
  /** A stop asked for and not yet seen through: 'cancel:<by>', 'evict:<reason>' or 'timeout'. */
  stopRequest: string | null;
  /** Running time over all attempts, from the state history; the API adds it to a single job's answer. */
  runningTime?: JobRunningTime;
}

/** A job's spec as stored: the validated command job file, named. */
export type JobSpec = CommandJobFile & { name: string };

/** What a job ran with, fixed at submit: what a registered model later points back to. */
export interface JobLineage {
  code: { name: string; version: string; digest: string } | null;
  environment: { name: string; version: string; curated: boolean } | { inline: true; digest: string };
  inputs: Record<string, LineageInput>;
  compute: string;
  submittedBy: string;
  /** What the enforce-setting policies held the job to at submit; absent when none applied. */
  enforced?: EnforcedSettings | undefined;
}

/** The enforce-setting policies a job was submitted under, kept so its run is held to the same. */
export interface EnforcedSettings {
  /** signingKeys: the code's signature as verified at submit; the run verifies the files it runs against it. */
  codeSignature?: VerifiedCodeSignature | undefined;
  /** allowedPythonPackageChannels: the environment is built from sources each of these lists allows, and nothing else. */
  packageSources?: Array<{ assignment: string; allowed: string[] }> | undefined;
}

/** A job's code signature as found at submit. */
export interface VerifiedCodeSignature {
  /** The signing key, `SHA256:...` as ssh-keygen prints it. */
  fingerprint: string;
  /** The digest of the folder without its signature file: what the key signed. */
  digest: string;
  /** The assignments that asked for it. */
  assignments: string[];
}

export type LineageInput =
  | { type: 'literal'; value: string | number | boolean }
  /** `asset.registry` is set for an asset read from an Azure ML registry (azureml://registries/...). */
  | { type: string; asset: { name: string; version: string; registry?: string | undefined }; digest: string | null; mode: string }
  | { type: string; uri: string; mode: string };

export interface JobEvent {
  seq: number;
  at: number;
  state: JobState;
  reason: string | null;
}

/** The data asset a job's output is registered as (Azure ML's `azureml_<job>_output_data_<output>`), unless the output names one. */
export function outputAssetName(jobName: string, output: string, declared?: { name?: string | undefined }): string {
  return declared?.name ?? `azureml_${jobName}_output_data_${output}`;
}

/** Azure ML's queue_settings.priority as a number the scheduler orders by (higher first). */
export function priorityOf(setting: string | undefined): number {
  return setting === 'high' ? 3 : setting === 'low' ? 1 : 2;
}
