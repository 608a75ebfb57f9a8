import type { UploadedContent } from '../resources/uploaded-content.js';
import type { Trigger } from './trigger.js';

/** The kinds of job a schedule creates. */
export const scheduleJobTypes = ['command', 'pipeline'] as const;
export type ScheduleJobType = (typeof scheduleJobTypes)[number];

/** What a schedule's firing makes: a job of a kind, or a run of a model monitor (`create_monitor`). */
export const scheduleActionTypes = [...scheduleJobTypes, 'monitor'] as const;
export type ScheduleActionType = (typeof scheduleActionTypes)[number];

/**
 * The job a schedule submits at each firing: a job file as `trellis job create` sends it (its text,
 * with the create_job overrides applied, and the contents its local paths were uploaded as), kept
 * whole so that a firing needs nothing but the store. `${{name}}` and
 * `${{creation_context.trigger_time}}` in the text are replaced at each firing.
 */
export interface JobTemplate {
  /** `monitor`: `text` is the create_monitor mapping as YAML, and a firing runs the monitor instead of submitting a job. */
  type: ScheduleActionType;
  fileName: string;
  text: string;
  uploads: Record<string, UploadedContent>;
  inlined: Record<string, string>;
  defaultExperimentName?: string | undefined;
  /** Where it came from: 'inline', a file name, or `azureml:<job>` (an existing job as the template). */
  source: string;
}

/** A job schedule (Azure ML `schedule.schema.json`). */
export interface Schedule {
  workspace: string;
  name: string;
  displayName: string;
  description: string | null;
  tags: Record<string, string>;
  trigger: Trigger;
  template: JobTemplate;
  /** The schedule file as written (create_job as sent), for show. */
  spec: Record<string, unknown>;
  enabled: boolean;
  /** The next slot to fire (epoch ms); null when the trigger has no more (past its end_time). */
  nextFireAt: number | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** Why a firing happened: its slot came, the slots missed while the server was down, or `trellis schedule trigger`. */
export const firingKinds = ['scheduled', 'catch-up', 'manual'] as const;
export type FiringKind = (typeof firingKinds)[number];

/** A firing's job: claimed (not yet submitted), submitted, or refused at submit. */
export const firingStates = ['pending', 'submitted', 'failed'] as const;
export type FiringState = (typeof firingStates)[number];

/** One firing of a schedule and the job it created. */
export interface ScheduleFiring {
  workspace: string;
  schedule: string;
  /** The slot it fired for (epoch ms); for a manual firing, when it was asked for. */
  slotAt: number;
  kind: FiringKind;
  /** For a catch-up firing: how many slots passed while the server was down (this one included). */
  missed: number;
  job: string;
  state: FiringState;
  reason: string | null;
  firedAt: number;
}

/**
 * The name of the job a slot creates: the schedule's name and the slot's UTC minute, so a slot
 * always names the same job — a firing retried after a crash, or by a second server, finds it.
 */
export function firingJobName(schedule: string, slotAt: number, kind: FiringKind): string {
  const stamp = new Date(slotAt)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .replace('T', 't');
  // A manual firing is no slot: its name says so and has the second, so two in a minute differ.
  return kind === 'manual' ? `${schedule}-manual-${stamp}` : `${schedule}-${stamp.slice(0, -2)}`;
}
