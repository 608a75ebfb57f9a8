import { Duration } from 'luxon';
import { z } from 'zod';
import { sklearnPackages } from '../environments/curated.js';
import type { EnvironmentSpec } from '../environments/environment-spec.js';
import { submitterOf } from '../identity/workload-identity.js';
import type { ComputeSpecOf } from '../resources/resource-spec.js';
import { firingsBetween } from '../schedules/next-firing.js';
import { triggerSchema } from '../schedules/trigger.js';

/**
 * A compute instance (`type: computeinstance`) is a personal development server, as on Azure ML:
 * JupyterLab run for its assigned user, stopped when idle or on a schedule. What it should be and
 * what it is are decided here, purely; the controller (controllers/compute-instance-controller.ts)
 * starts and stops the process.
 */

export type ComputeInstanceSpec = ComputeSpecOf<'computeinstance'>;

/** Azure's states of a compute instance, as `az ml compute show` reports them. */
export const instanceStates = ['Starting', 'Running', 'Stopping', 'Stopped', 'Failed'] as const;
export type InstanceState = (typeof instanceStates)[number];

/** What the server keeps in the compute's status: read once here, so the rest trusts the types. */
export const instanceStatusSchema = z.object({
  /** What the user (start/stop), a schedule or idle shutdown last asked for; Azure starts an instance on creation. */
  desiredState: z.enum(['Running', 'Stopped']).default('Running'),
  state: z.enum(instanceStates).default('Starting'),
  /** Where JupyterLab answers, through this server; set while it runs. */
  labUrl: z.string().nullable().default(null),
  /** Who the instance is for (create_on_behalf_of, else its creator): only they (and Owners) reach it. */
  assignedUser: z.string().nullable().default(null),
  startedAt: z.number().nullable().default(null),
  /** The last kernel, terminal or API activity JupyterLab reported (epoch ms). */
  lastActivity: z.number().nullable().default(null),
  /** Why it last stopped or failed: 'idle for PT30M', 'schedule', 'trellis compute stop', an error. */
  reason: z.string().nullable().default(null),
  /** Schedules have been applied up to here (epoch ms): a firing between this and now acts once. */
  scheduleCheckedAt: z.number().nullable().default(null),
  /** A restart was asked for at this time: the running process is stopped and started again. */
  restartRequestedAt: z.number().nullable().default(null),
});
export type InstanceStatus = z.output<typeof instanceStatusSchema>;

/** The stored status as typed fields; anything unreadable (an older server's) starts from the defaults. */
export function readInstanceStatus(status: Record<string, unknown>): InstanceStatus {
  const parsed = instanceStatusSchema.safeParse(status);
  return parsed.success ? parsed.data : instanceStatusSchema.parse({});
}

/**
 * The packages of the instance's Python environment, pinned so it is built once and reused from the
 * environment cache: JupyterLab and a kernel, plus the data-science stack of the curated
 * trellis-python-sklearn environment at its pins (full MLflow, scikit-learn, pandas, numpy,
 * matplotlib), so a notebook can do what the jobs it submits do and the cache shares their wheels.
 */
export const instanceEnvironment: EnvironmentSpec = {
  conda_file: {
    name: 'trellis-compute-instance',
    dependencies: ['pip', { pip: ['jupyterlab==4.6.6', 'ipykernel==7.4.0', ...sklearnPackages] }],
  },
};

/** The path JupyterLab is served under (its base_url), through Trellis's server. */
export function labPathOf(workspace: string, name: string): string {
  return `/compute-instances/${workspace}/${name}/lab/`;
}

/**
 * Who the instance belongs to: `create_on_behalf_of.user_object_id` (a user's name here, as Trellis
 * names principals), else the principal that created it. Undefined when neither is a principal.
 */
export function assignedUserOf(spec: ComputeInstanceSpec, createdBy: string): string | undefined {
  return submitterOf(assigneeActorOf(spec, createdBy))?.name;
}

/**
 * The assignee as an audit actor (`user:alice`, or `servicePrincipal:ci` for an instance an
 * automation made for itself): whose rights the instance's token carries. Azure's user_object_id
 * may name a service principal as well as a user: `onBehalfOfKind` is what the name is here.
 */
export function assigneeActorOf(
  spec: ComputeInstanceSpec,
  createdBy: string,
  onBehalfOfKind: 'user' | 'servicePrincipal' = 'user',
): string {
  const onBehalfOf = spec.create_on_behalf_of?.user_object_id;
  return onBehalfOf !== undefined && onBehalfOf !== '' ? `${onBehalfOfKind}:${onBehalfOf}` : createdBy;
}

/**
 * How long the instance may sit idle before it stops: `idle_time_before_shutdown` (ISO 8601,
 * 'PT30M') or `idle_time_before_shutdown_minutes`; undefined when neither is set (never stops).
 */
export function idleShutdownMs(spec: ComputeInstanceSpec): number | undefined {
  if (spec.idle_time_before_shutdown !== undefined) {
    const duration = Duration.fromISO(spec.idle_time_before_shutdown);
    return duration.isValid ? duration.as('milliseconds') : undefined;
  }
  const minutes = spec.idle_time_before_shutdown_minutes;
  return typeof minutes === 'number' ? minutes * 60_000 : undefined;
}

/** What JupyterLab said about its activity: /api/status and /api/kernels. */
export interface LabActivity {
  /** /api/status last_activity: the latest of API calls, kernels and terminals (ISO 8601). */
  lastActivity: string | undefined;
  kernels: Array<{ execution_state?: string | undefined; last_activity?: string | undefined }>;
}

/** The latest activity (epoch ms) and whether a kernel is executing now (a long cell is not idleness). */
export function activityOf(activity: LabActivity): { lastActivity: number | undefined; isBusy: boolean } {
  const times = [activity.lastActivity, ...activity.kernels.map((kernel) => kernel.last_activity)]
    .map((text) => (text === undefined ? Number.NaN : Date.parse(text)))
    .filter((time) => Number.isFinite(time));
  return {
    lastActivity: times.length === 0 ? undefined : Math.max(...times),
    isBusy: activity.kernels.some((kernel) => kernel.execution_state === 'busy'),
  };
}

/** Whether a running instance has been idle past its limit at `now`. */
export function isIdleTooLong(
  idleMs: number | undefined,
  activity: { lastActivity: number | undefined; isBusy: boolean },
  startedAt: number,
  now: number,
): boolean {
  if (idleMs === undefined || activity.isBusy) return false;
  return now - Math.max(activity.lastActivity ?? startedAt, startedAt) >= idleMs;
}

/**
 * The action the instance's `schedules.compute_start_stop` ask for between `from` (exclusive) and
 * `now`: the last one to fire wins (a start at 8:00 and a stop at 18:00 both missed: stopped).
 * Disabled schedules and triggers that do not parse are skipped. Undefined: none fired.
 */
export function scheduledAction(spec: ComputeInstanceSpec, from: number, now: number, createdAt: number): 'start' | 'stop' | undefined {
  let latest: { at: number; action: 'start' | 'stop' } | undefined;
  for (const schedule of spec.schedules?.compute_start_stop ?? []) {
    if (schedule.state === 'disabled' || schedule.trigger === undefined) continue;
    const trigger = triggerSchema.safeParse(schedule.trigger);
    if (!trigger.success) continue;
    // Only the last firing in the window matters; a day of minute firings is bounded by the limit.
    const firings = firingsBetween(trigger.data, from, now, createdAt, 10_000);
    const at = firings.at(-1);
    if (at !== undefined && (latest === undefined || at > latest.at)) latest = { at, action: schedule.action };
  }
  return latest?.action;
}
