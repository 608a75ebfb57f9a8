import type { RunInfo, RunStatus } from '../core/tracking/entities.js';

/** A row of the runs table, as the run repository and run search read it. */
export interface RunRow {
  run_uuid: string;
  experiment_id: number;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number | string;
  end_time: number | string | null;
  artifact_uri: string;
  lifecycle_stage: string;
}

/** A runs row as MLflow's RunInfo. */
export function toRunInfo(row: RunRow): RunInfo {
  return {
    run_id: row.run_uuid,
    run_uuid: row.run_uuid,
    run_name: row.run_name,
    experiment_id: String(row.experiment_id),
    user_id: row.user_id,
    status: row.status as RunStatus,
    start_time: Number(row.start_time),
    ...(row.end_time !== null ? { end_time: Number(row.end_time) } : {}),
    artifact_uri: row.artifact_uri,
    lifecycle_stage: row.lifecycle_stage as RunInfo['lifecycle_stage'],
  };
}
