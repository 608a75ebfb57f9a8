import type { Job } from '../api/jobs.js';
import type { PipelineJob } from '../api/pipelines.js';
import type { SweepJob } from '../api/sweeps.js';

/**
 * A row of the jobs list: a command job, a pipeline job (which runs on no compute of its own) or
 * a sweep job (whose trials are command jobs, on rows of their own).
 */
export type JobRow = { kind: 'command'; job: Job } | { kind: 'pipeline'; pipeline: PipelineJob } | { kind: 'sweep'; sweep: SweepJob };

/** What the list shows of any kind. */
export const rowJob = (row: JobRow): Job | PipelineJob | SweepJob =>
  row.kind === 'command' ? row.job : row.kind === 'pipeline' ? row.pipeline : row.sweep;

/** The key of a row: jobs of different kinds may not share it even where they share a name. */
export const rowKey = (row: JobRow): string => `${row.kind}:${rowJob(row).name}`;

/** The studio page of a row's job: /jobs, /pipelines or /sweeps. */
export function rowPagePath(workspace: string, row: JobRow): string {
  const folder = row.kind === 'command' ? 'jobs' : row.kind === 'pipeline' ? 'pipelines' : 'sweeps';
  return `/w/${workspace}/${folder}/${encodeURIComponent(rowJob(row).name)}`;
}

/** Command, pipeline and sweep jobs in one list, newest first, as `trellis job list` prints them. */
export function jobRows(jobs: readonly Job[], pipelines: readonly PipelineJob[], sweeps: readonly SweepJob[] = []): JobRow[] {
  const rows: JobRow[] = [
    ...jobs.map((job): JobRow => ({ kind: 'command', job })),
    ...pipelines.map((pipeline): JobRow => ({ kind: 'pipeline', pipeline })),
    ...sweeps.map((sweep): JobRow => ({ kind: 'sweep', sweep })),
  ];
  return rows.sort((a, b) => rowJob(b).submittedAt - rowJob(a).submittedAt || rowJob(b).name.localeCompare(rowJob(a).name));
}
