import { TrellisError } from '../../core/errors.js';
import type { MonitorRun } from '../../core/monitoring/monitor-run.js';
import type { Schedule } from '../../core/schedules/schedule.js';
import { describeTrigger } from '../../core/schedules/trigger.js';
import type { Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';
import { definitionOf } from './run-monitor.js';

/** A monitor as the API answers it: its schedule, what it watches, and its latest runs. */
export interface MonitorView {
  workspace: string;
  name: string;
  displayName: string;
  enabled: boolean;
  triggerDescription: string;
  nextFireAt: number | null;
  endpoint: string | null;
  deployment: string | null;
  mlTask: string | null;
  emails: string[];
  signals: Array<{ name: string; type: MonitorRun['signals'][number]['type']; alertEnabled: boolean }>;
  runs: MonitorRun[];
}

/** Monitors are the schedules that create_monitor: listed with their latest run. */
export async function listMonitors(context: Context, workspace: string): Promise<MonitorView[]> {
  await requireWorkspace(context, workspace);
  const schedules = await context.store.repositories.schedules.list(workspace);
  return Promise.all(schedules.filter(isMonitor).map((schedule) => viewOf(context, schedule, 1, false)));
}

export async function getMonitor(context: Context, workspace: string, name: string, limit = 50): Promise<MonitorView> {
  return viewOf(context, await requireMonitor(context, workspace, name), limit, false);
}

export async function getMonitorRun(context: Context, workspace: string, name: string, run: string): Promise<MonitorRun> {
  await requireMonitor(context, workspace, name);
  const found = await context.store.repositories.monitors.getRun(workspace, run);
  if (!found || found.schedule !== name)
    throw new TrellisError(
      'MonitorRunNotFound',
      404,
      `monitor '${name}' has no run '${run}'; its runs are listed by: trellis monitor show --name ${name}`,
    );
  return found;
}

async function requireMonitor(context: Context, workspace: string, name: string): Promise<Schedule> {
  await requireWorkspace(context, workspace);
  const schedule = await context.store.repositories.schedules.get(workspace, name);
  if (!schedule || !isMonitor(schedule))
    throw new TrellisError(
      'MonitorNotFound',
      404,
      `no monitor named '${name}' in workspace '${workspace}' (a monitor is a schedule with create_monitor); list them with: trellis monitor list`,
    );
  return schedule;
}

function isMonitor(schedule: Schedule): boolean {
  return schedule.template.type === 'monitor';
}

async function viewOf(context: Context, schedule: Schedule, limit: number, withDistributions: boolean): Promise<MonitorView> {
  const definition = definitionOf(schedule);
  const runs = await context.store.repositories.monitors.runs(schedule.workspace, schedule.name, limit);
  return {
    workspace: schedule.workspace,
    name: schedule.name,
    displayName: schedule.displayName,
    enabled: schedule.enabled,
    triggerDescription: describeTrigger(schedule.trigger),
    nextFireAt: schedule.enabled ? schedule.nextFireAt : null,
    endpoint: definition.endpoint,
    deployment: definition.deployment,
    mlTask: definition.mlTask,
    emails: definition.emails,
    signals: definition.signals.map((signal) => ({ name: signal.name, type: signal.type, alertEnabled: signal.alertEnabled })),
    // Lists and histories leave the distributions out: a run's own page has them.
    runs: withDistributions
      ? runs
      : runs.map((run) => ({ ...run, signals: run.signals.map((signal) => ({ ...signal, distributions: [] })) })),
  };
}
