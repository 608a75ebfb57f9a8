/**
 * The environment a job's processes get, before the user's environment_variables (which win,
 * except for the variables that tie the job to its run): the MLflow variables that make
 * `mlflow.log_metric` inside the script land in the job's run, as on Azure ML; the checkpoint
 * folder that survives evictions; and the Azure ML-style names scripts written for Azure read.
 */

export interface JobEnvironmentInput {
  /** The tracking URI of the job's workspace (the server root for the default workspace). */
  trackingUri: string;
  workspace: string;
  jobName: string;
  runId: string;
  experimentId: string;
  experimentName: string;
  checkpointDir: string;
  outputsDir: string;
  userVariables: Record<string, string>;
  /** Per-process variables of a distributed job (see process-layout.ts). */
  processVariables: Record<string, string>;
}

/** Variables that identify the run: a job may not point them elsewhere. */
export const reservedVariables = [
  'MLFLOW_TRACKING_URI',
  'MLFLOW_RUN_ID',
  'MLFLOW_EXPERIMENT_ID',
  'TRELLIS_JOB_NAME',
  'AZUREML_RUN_ID',
] as const;

export function jobEnvironment(input: JobEnvironmentInput): Record<string, string> {
  const pinned: Record<(typeof reservedVariables)[number], string> = {
    MLFLOW_TRACKING_URI: input.trackingUri,
    MLFLOW_RUN_ID: input.runId,
    MLFLOW_EXPERIMENT_ID: input.experimentId,
    TRELLIS_JOB_NAME: input.jobName,
    AZUREML_RUN_ID: input.jobName,
  };
  return {
    MLFLOW_EXPERIMENT_NAME: input.experimentName,
    TRELLIS_WORKSPACE: input.workspace,
    TRELLIS_CHECKPOINT_DIR: input.checkpointDir,
    AZUREML_CHECKPOINT_DIR: input.checkpointDir,
    TRELLIS_OUTPUTS_DIR: input.outputsDir,
    AZUREML_ARM_WORKSPACE_NAME: input.workspace,
    PYTHONUNBUFFERED: '1',
    ...input.userVariables,
    ...input.processVariables,
    ...pinned,
  };
}

/** environment_variables that try to override a reserved variable: refused at submit, naming them. */
export function reservedOverrides(userVariables: Record<string, string>): string[] {
  return Object.keys(userVariables).filter((name) => (reservedVariables as readonly string[]).includes(name));
}
