import type { ScheduleBody, ScheduleFiringBody } from '../../../src/client/trellis-client.js';
import { trellis } from './client.js';
import { monitorRunPagePath } from './monitors.js';

/**
 * Job schedules (/api/v1/workspaces/{ws}/schedules): each with its trigger as written and in words,
 * its next firings, and the jobs it created (its firings, newest first). Types are the client's,
 * inferred from the routes.
 */

export type Schedule = ScheduleBody;
export type ScheduleFiring = ScheduleFiringBody;

export async function listSchedules(workspace: string): Promise<Schedule[]> {
  return (await trellis.listSchedules(workspace)).items;
}

export const getSchedule = (workspace: string, name: string) => trellis.getSchedule(workspace, name);

/** Enables (fires from its next slot after now) or disables (fires nothing) a schedule; the answer is the schedule as it is now. */
export const setScheduleEnabled = (workspace: string, name: string, isEnabled: boolean) =>
  isEnabled ? trellis.enableSchedule(workspace, name) : trellis.disableSchedule(workspace, name);

/** Fires the schedule now, outside its slots, as the caller; the answer is the firing. */
export const triggerSchedule = (workspace: string, name: string) => trellis.triggerSchedule(workspace, name);

export function schedulePagePath(workspace: string, name: string): string {
  return `/w/${workspace}/schedules/${encodeURIComponent(name)}`;
}

/**
 * The page of what a firing made: a monitor's run (named as the firing's job) for a monitor, a
 * pipeline's page for a pipeline template, the job's page otherwise.
 */
export function firingJobPath(workspace: string, schedule: Pick<Schedule, 'name' | 'template'>, job: string): string {
  if (schedule.template.type === 'monitor') return monitorRunPagePath(workspace, schedule.name, job);
  return `/w/${workspace}/${schedule.template.type === 'pipeline' ? 'pipelines' : 'jobs'}/${encodeURIComponent(job)}`;
}

/** Whether a schedule is a model monitor (its action create_monitor): its firings are monitor runs, not jobs. */
export function isMonitorSchedule(schedule: Pick<Schedule, 'template'>): boolean {
  return schedule.template.type === 'monitor';
}

/** The schedule that created a job or pipeline and why it fired (the tags the server puts on the job it submits). */
export function scheduleOfJob(tags: Record<string, string>): { schedule: string; kind: string; slot: string } | undefined {
  const schedule = tags['trellis.schedule'];
  return schedule ? { schedule, kind: tags['trellis.schedule.kind'] ?? '', slot: tags['trellis.schedule.slot'] ?? '' } : undefined;
}
