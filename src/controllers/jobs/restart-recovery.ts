import { revokeJobTokens } from '../../services/identity/workload-tokens.js';
import { attemptFolder } from '../../services/jobs/prepare-attempt.js';
import { updateRunWithin } from '../../services/tracking/run-service.js';
import type { AttemptCompletion } from './attempt-completion.js';
import { jobKey, type RunnerState } from './runner-state.js';

/**
 * After a restart: an attempt being prepared whose processes the backend had already started
 * (the server died between the launch and recording it) is adopted as Running, so it does not
 * run twice; the others start over. Nodes without a live job are idle.
 */
export async function recoverAfterRestart(state: RunnerState, completion: AttemptCompletion): Promise<void> {
  const repositories = state.context.store.repositories;
  const now = state.now();
  const live = await repositories.jobs.live();
  for (const job of live.filter((candidate) => candidate.state === 'Preparing')) {
    const compute = await repositories.resources.get({ workspace: job.workspace, kind: 'compute', name: job.compute, version: null });
    const handle = await state.options.backendFor(compute)?.adopt?.(attemptFolder(state.options.jobsRoot, job));
    if (handle) {
      await state.context.store.transaction(async (transaction) => {
        await transaction.jobs.update(
          job.workspace,
          job.name,
          { state: 'Running', reason: 'adopted after a restart: its processes had started', handle, startedAt: now },
          now,
        );
        await updateRunWithin(transaction, job.workspace, job.runId, { status: 'RUNNING' });
      });
      job.state = 'Running';
      continue;
    }
    await completion.release(job, now, false);
    // The attempt never started: the token its preparation may have issued goes with it.
    await revokeJobTokens(state.context, job);
    await repositories.jobs.update(
      job.workspace,
      job.name,
      { state: 'Queued', reason: 'requeued: the server restarted while the job was being prepared', nodes: null, handle: null },
      now,
    );
  }
  // Only running attempts keep their nodes (the ones being prepared were just freed above).
  const holders = new Set(live.filter((job) => job.state === 'Running' || job.state === 'Finalizing').map(jobKey));
  for (const node of await repositories.jobs.allLiveNodes()) {
    if (node.state !== 'idle' && !(node.job && holders.has(jobKey({ workspace: node.workspace, name: node.job })))) {
      await repositories.jobs.updateNode(node.workspace, node.nodeId, { state: 'idle', job: null, idleSince: now });
    }
  }
}
