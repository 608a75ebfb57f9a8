import type { Repositories } from '../../store/store.js';
import type { Caller } from '../context.js';

/**
 * Audits a change to identity (principals, groups, roles, role assignments, tokens). Events about
 * a workspace scope go to that workspace's log; events at the server scope to the server's log
 * (workspace '/', listed by GET /api/v1/audit).
 */
export async function auditIdentityChange(
  repositories: Repositories,
  caller: Caller,
  change: { scope: string; action: 'create' | 'update' | 'delete'; kind: string; name: string; summary: string },
  at: Date,
): Promise<void> {
  await repositories.audit.append({
    workspace: change.scope.startsWith('/workspaces/') ? change.scope.slice('/workspaces/'.length) : '/',
    at: at.toISOString(),
    actor: caller.actor,
    action: change.action,
    kind: change.kind,
    name: change.name,
    version: null,
    beforeDigest: null,
    afterDigest: null,
    requestId: caller.requestId,
    summary: change.summary,
  });
}
