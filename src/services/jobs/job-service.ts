import { cancelRequest } from '../../core/jobs/cancel-request.js';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { unlessMissing } from '../../core/error-codes.js';
import { tierOf } from '../../core/compute/compute-spec.js';
import { quotaFor, quotaUsage, type QuotaUsage, type Quotas } from '../../core/compute/workspace-quota.js';
import { TrellisError } from '../../core/errors.js';
import type { Job, JobEvent } from '../../core/jobs/job.js';
import { terminalStates, transition } from '../../core/jobs/job-lifecycle.js';
import type { Caller, Context } from '../context.js';
import { auditJob } from './job-audit.js';
import { requireWorkspace } from '../resource-service.js';
import { updateRun } from '../tracking/run-service.js';
import { attemptFolder } from './prepare-attempt.js';

export async function getJob(context: Context, workspace: string, name: string): Promise<Job> {
  await requireWorkspace(context, workspace);
  const job = await context.store.repositories.jobs.get(workspace, name);
  if (!job)
    throw new TrellisError(
      'JobNotFound',
      404,
      `job '${name}' does not exist in workspace '${workspace}'; list jobs with: trellis job list -w ${workspace}`,
    );
  return job;
}

export async function jobEvents(context: Context, workspace: string, name: string): Promise<JobEvent[]> {
  await getJob(context, workspace, name);
  return context.store.repositories.jobs.events(workspace, name);
}

/** Newest first, in pages; the token is the position after the last job of the page. */
export async function listJobs(
  context: Context,
  workspace: string,
  query: { limit: number; pageToken?: string | undefined; compute?: string | undefined },
): Promise<{ items: Job[]; nextPageToken?: string }> {
  await requireWorkspace(context, workspace);
  const before = query.pageToken === undefined ? undefined : decodeJobPageToken(query.pageToken);
  const items = await context.store.repositories.jobs.list(workspace, { limit: query.limit + 1, before, compute: query.compute });
  if (items.length <= query.limit) return { items };
  const page = items.slice(0, query.limit);
  const last = page[page.length - 1]!;
  return { items: page, nextPageToken: Buffer.from(JSON.stringify([last.submittedAt, last.name])).toString('base64url') };
}

function decodeJobPageToken(token: string): { submittedAt: number; name: string } {
  try {
    const [submittedAt, name] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof submittedAt === 'number' && typeof name === 'string') return { submittedAt, name };
  } catch (error) {
    // Not JSON: refused below as a token this server did not issue.
    if (!(error instanceof SyntaxError)) throw error;
  }
  throw new TrellisError(
    'InvalidPageToken',
    400,
    `page token '${token}' is not one this server issued; pass nextPageToken unchanged, or omit it`,
  );
}

/** Asks a live job to stop; a queued one is canceled at the next reconcile. A finished job is refused (409). */
export async function cancelJob(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  options: { reason?: string } = {},
): Promise<Job> {
  const job = await getJob(context, workspace, name);
  if (terminalStates.includes(job.state))
    throw new TrellisError('JobFinished', 409, `job '${name}' is already ${job.state}; only queued or running jobs can be canceled`);
  const now = context.clock().getTime();
  await context.store.transaction(async (repositories) => {
    await repositories.jobs.update(workspace, name, { stopRequest: cancelRequest(caller.actor, options.reason) }, now);
    await auditJob(
      repositories,
      caller,
      {
        workspace,
        name,
        action: 'update',
        afterDigest: null,
        summary: options.reason ? `cancel requested: ${options.reason}` : 'cancel requested',
      },
      now,
    );
  });
  if (job.state === 'Queued') {
    // Nothing runs yet: cancel right here, so the answer already says Canceled.
    const progress = transition(
      { state: job.state, reason: job.reason, retries: job.retries, exitCode: job.exitCode },
      { type: 'cancel', by: caller.actor, reason: options.reason },
      { maxInfrastructureRetries: 0 },
    );
    await context.store.repositories.jobs.update(
      workspace,
      name,
      { state: progress.state, reason: progress.reason, stopRequest: null, endedAt: now },
      now,
    );
    // The job's MLflow run ends with it, as a canceled running job's does.
    await updateRun(context, workspace, job.runId, { status: 'KILLED', endTime: now });
  }
  return getJob(context, workspace, name);
}

/**
 * Evicts low-priority nodes of a cluster, as the platform does when it takes capacity back: the
 * jobs on them get SIGTERM and the grace period, save their checkpoints, and are requeued.
 * `node` picks one node; without it every busy node goes. Dedicated clusters are never evicted.
 */
export async function evictNodes(
  context: Context,
  caller: Caller,
  workspace: string,
  compute: string,
  node: string | undefined,
): Promise<{ evicted: Array<{ node: string; job: string | null }> }> {
  await requireWorkspace(context, workspace);
  const resource = await context.store.repositories.resources.get({ workspace, kind: 'compute', name: compute, version: null });
  if (!resource)
    throw new TrellisError(
      'ComputeNotFound',
      404,
      `compute '${compute}' does not exist in workspace '${workspace}'; list them with: trellis compute list`,
    );
  const tier = tierOf(resource.spec);
  if (tier !== 'low_priority')
    throw new TrellisError('NotLowPriority', 409, `compute '${compute}' is ${tier}: only low_priority nodes can be evicted`);
  const nodes = await context.store.repositories.jobs.liveNodes(workspace, compute);
  const chosen =
    node === undefined ? nodes.filter((candidate) => candidate.state === 'busy') : nodes.filter((candidate) => candidate.nodeId === node);
  if (node !== undefined && chosen.length === 0)
    throw new TrellisError(
      'NodeNotFound',
      404,
      `compute '${compute}' has no node '${node}'; its nodes: ${nodes.map((candidate) => candidate.nodeId).join(', ') || '(none)'}`,
    );
  const now = context.clock().getTime();
  for (const target of chosen) {
    if (target.job)
      await context.store.repositories.jobs.update(
        workspace,
        target.job,
        { stopRequest: `evict:node ${target.nodeId} evicted by ${caller.actor}` },
        now,
      );
    else
      await context.store.repositories.jobs.updateNode(workspace, target.nodeId, {
        state: 'removed',
        removedAt: now,
        removedReason: `evicted by ${caller.actor}`,
      });
  }
  return { evicted: chosen.map((target) => ({ node: target.nodeId, job: target.job })) };
}

/**
 * The cluster's nodes now and the node-seconds of the workspace's computes (cost comes from these);
 * with `since`, also every node of the cluster up at some time since then, removed ones included
 * (how many nodes it had over time).
 */
export async function computeUsage(context: Context, workspace: string, compute?: string, since?: number) {
  await requireWorkspace(context, workspace);
  const now = context.clock().getTime();
  const repositories = context.store.repositories.jobs;
  const nodes = await repositories.liveNodes(workspace, compute);
  const usage = (await repositories.nodeSeconds(workspace, now)).filter((item) => compute === undefined || item.compute === compute);
  const history = since !== undefined && compute !== undefined ? await repositories.nodesSince(workspace, compute, since) : undefined;
  return { nodes, usage, ...(history ? { history } : {}) };
}

/** The workspace's use against its quotas (`az ml compute list-usage`). */
export async function workspaceQuotaUsage(context: Context, quotas: Quotas, workspace: string): Promise<QuotaUsage[]> {
  await requireWorkspace(context, workspace);
  return quotaUsage(quotaFor(quotas, workspace), await context.store.repositories.jobs.liveNodes(workspace));
}

/**
 * Reads the job's log from `offset`: the running attempt's std_log.txt while it runs (or the
 * rank-0 log of a distributed job), else what was saved. Returns the bytes and the next offset.
 */
export async function readJobLog(
  context: Context,
  jobsRoot: string,
  workspace: string,
  name: string,
  offset: number,
): Promise<{ text: string; nextOffset: number; job: Job }> {
  const job = await getJob(context, workspace, name);
  if (job.attempt === 0) return { text: '', nextOffset: offset, job };
  const logDir = join(attemptFolder(jobsRoot, job), 'user_logs');
  const files = (await unlessMissing(readdir(logDir))) ?? [];
  const file = files.includes('std_log.txt')
    ? 'std_log.txt'
    : (files.find((candidate) => candidate.startsWith('std_log_process_0')) ?? 'std_log.txt');
  const path = join(logDir, file);
  const size = (await unlessMissing(stat(path)))?.size ?? 0;
  if (size <= offset) return { text: '', nextOffset: offset, job };
  const handle = await open(path, 'r');
  try {
    const length = Math.min(size - offset, 1024 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, offset);
    return { text: buffer.toString('utf8'), nextOffset: offset + length, job };
  } finally {
    await handle.close();
  }
}
