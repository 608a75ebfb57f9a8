import type {
  ComputeUsageBody,
  JobBody,
  JobEventBody,
  JobLogEvent,
  QuotaUsageBody,
  ResourceBody,
} from '../../../src/client/trellis-client.js';
import { allPages, trellis } from './client.js';

/**
 * Trellis's jobs and computes (/api/v1/workspaces/{ws}/jobs, /computes, /usage, /quotas): command
 * jobs with their state history and log, clusters with their nodes, node-seconds and costs. Types
 * are the client's, inferred from the routes.
 */

export const terminalStates = ['Completed', 'Failed', 'Canceled'] as const;
export const jobStates = ['Queued', 'Preparing', 'Running', 'Finalizing', ...terminalStates] as const;

export type Job = JobBody;
export type JobEvent = JobEventBody;
export type JobLineage = JobBody['lineage'];
export type LineageInput = JobLineage['inputs'][string];
export type LogEvent = JobLogEvent;
/** The nodes up now, the node-seconds so far and their cost (priced by the server); with `since`, `history` too. */
export type ComputeUsage = ComputeUsageBody;
export type ComputeNode = ComputeUsageBody['nodes'][number];
export type NodeUsage = ComputeUsageBody['usage'][number];
/** A compute resource; `spec` is its Azure ML YAML (type, size, min_instances, max_instances, tier ...). */
export type Compute = ResourceBody;
export type QuotaUsage = QuotaUsageBody;

export const isTerminal = (state: string) => (terminalStates as readonly string[]).includes(state);

/** The newest jobs first, up to `max`, on one compute or all; `truncated` when there are more. */
export async function listJobs(
  workspace: string,
  options: { compute?: string | undefined; max?: number } = {},
): Promise<{ items: Job[]; truncated: boolean }> {
  const max = options.max ?? 500;
  const items: Job[] = [];
  let pageToken: string | undefined;
  do {
    const page = await trellis.listJobs(workspace, {
      limit: Math.min(200, max - items.length),
      ...(pageToken ? { pageToken } : {}),
      ...(options.compute ? { compute: options.compute } : {}),
    });
    items.push(...page.items);
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken && items.length < max);
  return { items, truncated: pageToken !== undefined };
}

export const getJob = (workspace: string, name: string) => trellis.getJob(workspace, name);

export async function jobEvents(workspace: string, name: string): Promise<JobEvent[]> {
  return (await trellis.jobEvents(workspace, name)).items;
}

/** Asks for the job to stop; the answer is the job as it is now (a running one ends a moment later). */
export const cancelJob = (workspace: string, name: string) => trellis.cancelJob(workspace, name);

export function listComputes(workspace: string): Promise<Compute[]> {
  return allPages((pageToken) => trellis.list(workspace, 'compute', { limit: 200, ...(pageToken ? { pageToken } : {}) }));
}

export const getCompute = (workspace: string, name: string) => trellis.get(workspace, 'compute', name, null);
export const computeUsage = (workspace: string, name: string, since?: number) => trellis.computeNodes(workspace, name, since);
export const workspaceUsage = (workspace: string) => trellis.workspaceUsage(workspace);
export async function quotaUsage(workspace: string): Promise<QuotaUsage[]> {
  return (await trellis.quotaUsage(workspace)).usages;
}

/**
 * Follows the job's log as the server streams it (server-sent events `log` and `state`, over
 * fetch so it can be stopped and is not re-sent from the start by EventSource's reconnect). The
 * promise ends when the server ends the stream — after the job has ended — or `signal` aborts.
 */
export function followJobLog(workspace: string, name: string, onEvent: (event: LogEvent) => void, signal: AbortSignal): Promise<void> {
  return trellis.followJobLog(workspace, name, onEvent, signal);
}
