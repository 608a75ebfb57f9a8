import type { Job } from '../api/jobs.js';
import type { PipelineJob } from '../api/pipelines.js';

/** A row of the jobs list: a command job, or a pipeline job (which runs on no compute of its own). */
export type JobRow = { kind: 'command'; job: Job } | { kind: 'pipeline'; pipeline: PipelineJob };

/** What the list shows of either kind. */
export const rowJob = (row: JobRow): Job | PipelineJob => (row.kind === 'command' ? row.job : row.pipeline);

/** The key of a row: a pipeline and a command job may not share it even where they share a name. */
export const rowKey = (row: JobRow): string => `${row.kind}:${rowJob(row).name}`;

/** Command jobs and pipeline jobs in one list, newest first, as `trellis job list` prints them. */
export function jobRows(jobs: readonly Job[], pipelines: readonly PipelineJob[]): JobRow[] {
  const rows: JobRow[] = [
    ...jobs.map((job): JobRow => ({ kind: 'command', job })),
    ...pipelines.map((pipeline): JobRow => ({ kind: 'pipeline', pipeline })),
  ];
  return rows.sort((a, b) => rowJob(b).submittedAt - rowJob(a).submittedAt || rowJob(b).name.localeCompare(rowJob(a).name));
}
