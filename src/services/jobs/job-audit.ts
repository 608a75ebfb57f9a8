import type { Repositories } from '../../store/store.js';
import type { Caller } from '../context.js';

/** Records a change to a job (command or pipeline) in its workspace's audit log: queued with its spec's digest, or asked to stop. */
export async function auditJob(
  repositories: Repositories,
  caller: Caller,
  change: { workspace: string; name: string; action: 'create' | 'update'; afterDigest: string | null; summary: string },
  at: number,
): Promise<void> {
  await repositories.audit.append({
    workspace: change.workspace,
    at: new Date(at).toISOString(),
    actor: caller.actor,
    action: change.action,
    kind: 'job',
    name: change.name,
    version: null,
    beforeDigest: null,
    afterDigest: change.afterDigest,
    requestId: caller.requestId,
    summary: change.summary,
  });
}
