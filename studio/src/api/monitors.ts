import type { MonitorBody, MonitorRunBody } from '../../../src/client/trellis-client.js';
import { trellis } from './client.js';

/**
 * Model monitors (/api/v1/workspaces/{ws}/monitors): schedules whose action is create_monitor,
 * each with what it watches, its signals and its latest runs; a run whole has, per signal, the
 * rows compared, each feature's metrics against their thresholds and the two distributions.
 * Types are the client's, inferred from the routes.
 */

export type Monitor = MonitorBody;
export type MonitorRun = MonitorRunBody;
export type SignalResult = MonitorRun['signals'][number];
export type FeatureMetric = SignalResult['metrics'][number];
export type FeatureDistribution = SignalResult['distributions'][number];
export type SignalSide = SignalResult['production'];

/** Every monitor of the workspace, each with its latest run (without distributions). */
export async function listMonitors(workspace: string): Promise<Monitor[]> {
  return (await trellis.listMonitors(workspace)).items;
}

/** One monitor with its last `limit` runs, newest first (their distributions left out). */
export const getMonitor = (workspace: string, name: string, limit = 100) => trellis.getMonitor(workspace, name, { limit });

export const getMonitorRun = (workspace: string, name: string, run: string) => trellis.getMonitorRun(workspace, name, run);

export function monitorsPagePath(workspace: string): string {
  return `/w/${workspace}/monitors`;
}

export function monitorPagePath(workspace: string, name: string): string {
  return `/w/${workspace}/monitors/${encodeURIComponent(name)}`;
}

export function monitorRunPagePath(workspace: string, name: string, run: string): string {
  return `${monitorPagePath(workspace, name)}/runs/${encodeURIComponent(run)}`;
}
