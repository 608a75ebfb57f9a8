import type { Resource } from '../core/resources/resource.js';
import { digestOf } from '../core/resources/digest.js';
import type { Repositories } from '../store/store.js';
import type { Caller } from './context.js';

/** The part of a resource a change can alter: what before/after digests cover. */
export function contentDigest(resource: Resource | undefined): string | null {
  if (!resource) return null;
  return digestOf({ spec: resource.spec, tags: resource.tags, description: resource.description });
}

/** Appends one audit event for a change, inside the caller's transaction. */
export async function auditChange(
  repositories: Repositories,
  caller: Caller,
  at: string,
  action: 'create' | 'update' | 'delete',
  before: Resource | undefined,
  after: Resource | undefined,
  summary: string | null = null,
): Promise<void> {
  const subject = after ?? before;
  if (!subject) return;
  await repositories.audit.append({
    workspace: subject.workspace,
    at,
    actor: caller.actor,
    action,
    kind: subject.kind,
    name: subject.name,
    version: subject.version,
    beforeDigest: contentDigest(before),
    afterDigest: contentDigest(after),
    requestId: caller.requestId,
    summary,
  });
}
