import type { Job, JobEvent } from '../../../src/core/jobs/job.js';
import { allPages, ApiError, query, requestJson } from './http.js';

/**
 * Trellis's jobs and computes (/api/v1/workspaces/{ws}/jobs, /computes, /usage, /quotas): command
 * jobs with their state history and log, clusters with their nodes and node-seconds.
 */

export const terminalStates = ['Completed', 'Failed', 'Canceled'] as const;
export const jobStates = ['Queued', 'Preparing', 'Running', 'Finalizing', ...terminalStates] as const;

// The API answers with the server's own job types (core/jobs/job.ts); the studio reads them as they are.
export type { Job, JobEvent, JobLineage, LineageInput } from '../../../src/core/jobs/job.js';

export interface ComputeNode {
  workspace: string;
  compute: string;
  nodeId: string;
  state: string;
  job: string | null;
  size: string;
  tier: string;
  createdAt: number;
  idleSince: number | null;
  removedAt: number | null;
  removedReason: string | null;
}

/** Node-seconds per compute, size and tier, over every node the compute ever had. */
export interface NodeUsage {
  compute: string;
  size: string;
  tier: string;
  nodeSeconds: number;
  nodes: number;
}

/** The nodes up now (removed ones are not listed) and the node-seconds so far. */
export interface ComputeUsage {
  nodes: ComputeNode[];
  usage: NodeUsage[];
  /** With `since`: every node of the cluster up at some time since then, removed ones too. */
  history?: ComputeNode[];
}

/** A compute resource; `spec` is its Azure ML YAML (type, size, min_instances, max_instances, tier ...). */
export interface Compute {
  name: string;
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
  description: string | null;
  createdAt: string;
}

export interface QuotaUsage {
  name: 'nodes' | 'vcpus';
  family: string | null;
  current: number;
  limit: number | null;
}

export const isTerminal = (state: string) => (terminalStates as readonly string[]).includes(state);

const base = (workspace: string) => `/api/v1/workspaces/${encodeURIComponent(workspace)}`;
const jobPath = (workspace: string, name: string) => `${base(workspace)}/jobs/${encodeURIComponent(name)}`;

/** The newest jobs first, up to `max`, on one compute or all; `truncated` when there are more. */
export async function listJobs(
  workspace: string,
  options: { compute?: string | undefined; max?: number } = {},
): Promise<{ items: Job[]; truncated: boolean }> {
  const max = options.max ?? 500;
  const items: Job[] = [];
  let pageToken: string | undefined;
  do {
    const page = await requestJson<{ items: Job[]; nextPageToken: string | null }>(
      'GET',
      `${base(workspace)}/jobs${query({ limit: Math.min(200, max - items.length), pageToken, compute: options.compute })}`,
    );
    items.push(...page.items);
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken && items.length < max);
  return { items, truncated: pageToken !== undefined };
}

export const getJob = (workspace: string, name: string) => requestJson<Job>('GET', jobPath(workspace, name));

export async function jobEvents(workspace: string, name: string): Promise<JobEvent[]> {
  return (await requestJson<{ items: JobEvent[] }>('GET', `${jobPath(workspace, name)}/events`)).items;
}

/** Asks for the job to stop; the answer is the job as it is now (a running one ends a moment later). */
export const cancelJob = (workspace: string, name: string) => requestJson<Job>('POST', `${jobPath(workspace, name)}/cancel`);

export function listComputes(workspace: string): Promise<Compute[]> {
  return allPages<Compute>(`${base(workspace)}/computes`);
}

export const getCompute = (workspace: string, name: string) =>
  requestJson<Compute>('GET', `${base(workspace)}/computes/${encodeURIComponent(name)}`);
export const computeUsage = (workspace: string, name: string, since?: number) =>
  requestJson<ComputeUsage>('GET', `${base(workspace)}/computes/${encodeURIComponent(name)}/nodes${query({ since })}`);
export const workspaceUsage = (workspace: string) => requestJson<ComputeUsage>('GET', `${base(workspace)}/usage`);
export async function quotaUsage(workspace: string): Promise<QuotaUsage[]> {
  return (await requestJson<{ usages: QuotaUsage[] }>('GET', `${base(workspace)}/quotas`)).usages;
}

export type LogEvent =
  | { event: 'log'; attempt: number; text: string }
  | { event: 'state'; state: string; reason: string | null; exitCode: number | null; attempt: number };

/**
 * Follows the job's log as the server streams it (server-sent events `log` and `state`, over
 * fetch so it can be stopped and is not re-sent from the start by EventSource's reconnect). The
 * promise ends when the server ends the stream — after the job has ended — or `signal` aborts.
 */
export async function followJobLog(
  workspace: string,
  name: string,
  onEvent: (event: LogEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${jobPath(workspace, name)}/logs?follow=true`, { headers: { accept: 'text/event-stream' }, signal });
  } catch (error) {
    if (signal.aborted) return;
    throw new ApiError(
      0,
      'Unreachable',
      `the Trellis server did not answer (${(error as Error).message}); is \`trellis up\` still running?`,
    );
  }
  if (!response.ok || !response.body) {
    const problem = (await response.json().catch(() => ({}))) as { detail?: string; code?: string; title?: string };
    throw new ApiError(
      response.status,
      problem.code ?? problem.title ?? String(response.status),
      problem.detail ?? `the log answered ${response.status}`,
    );
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if ((event === 'log' || event === 'state') && data !== undefined) onEvent({ event, ...JSON.parse(data) } as LogEvent);
      }
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  }
}
