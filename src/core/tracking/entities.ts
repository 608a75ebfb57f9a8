/** MLflow's entities as its REST API writes them (mlflow/protos/service.proto). */
export interface KeyValue {
  key: string;
  value: string;
}

export interface MetricPoint {
  key: string;
  /** NaN and ±Infinity travel as the strings "NaN", "Infinity", "-Infinity" (protobuf JSON). */
  value: number;
  timestamp: number;
  step: number;
  /** MLflow 3: the logged model (and dataset) a metric was computed for, when the client says so. */
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  last_update_time: number;
  creation_time: number;
  tags: KeyValue[];
}

export const runStatuses = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof runStatuses)[number];

export interface RunInfo {
  run_id: string;
  /** Deprecated alias of run_id that older clients still read. */
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: 'active' | 'deleted';
}

export interface Dataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

/** A dataset a run read, with the input's tags (e.g. `mlflow.data.context: training`). */
export interface DatasetInput {
  tags: KeyValue[];
  dataset: Dataset;
}

export interface Run {
  info: RunInfo;
  data: { metrics: MetricPoint[]; params: KeyValue[]; tags: KeyValue[] };
  inputs: { dataset_inputs: DatasetInput[]; model_inputs: Array<{ model_id: string }> };
  outputs: { model_outputs: Array<{ model_id: string; step: number }> };
}

export const loggedModelStatuses = [
  'LOGGED_MODEL_STATUS_UNSPECIFIED',
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
] as const;
export type LoggedModelStatus = (typeof loggedModelStatuses)[number];

/** An MLflow 3 logged model: what log_model makes, with its own artifacts (service.proto LoggedModel). */
export interface LoggedModel {
  info: {
    experiment_id: string;
    model_id: string;
    name: string;
    artifact_uri: string;
    creation_timestamp_ms: number;
    last_updated_timestamp_ms: number;
    model_type?: string;
    source_run_id?: string;
    status: LoggedModelStatus;
    status_message?: string;
    tags: KeyValue[];
  };
  data: { params: KeyValue[]; metrics: Array<MetricPoint & { run_id: string }> };
}

/** The tag MLflow keeps the run name in, beside run_name. */
export const runNameTag = 'mlflow.runName';
