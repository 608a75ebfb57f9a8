import { revokeJobTokens } from '../../services/identity/workload-tokens.js';
import type { AttemptCompletion } from './attempt-completion.js';
import { jobKey, type RunnerState } from './runner-state.js';

/** After a restart: attempts that were being prepared start over; nodes without a live job are idle. */
export async function recoverAfterRestart(state: RunnerState, completion: AttemptCompletion): Promise<void> {
  const repositories = state.context.store.repositories;
  const now = state.now();
  const live = await repositories.jobs.live();
  for (const job of live.filter((candidate) => candidate.state === 'Preparing')) {
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
