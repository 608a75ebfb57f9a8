import type { JobEvent } from './job-lifecycle.js';

/**
 * The stop request that cancels a job, as the job row keeps it until the runner sees it through:
 * `cancel:<by>`, and after a line break the reason the job is to end with when it is not
 * "canceled by <by>" (a sweep's early-termination policy gives its rule and figures).
 */
export function cancelRequest(by: string, reason?: string): string {
  return reason === undefined ? `cancel:${by}` : `cancel:${by}\n${reason}`;
}

/** The lifecycle event a job's stop request stands for when it is a cancel; undefined for none, an eviction or a timeout. */
export function cancelEventOf(stopRequest: string | null | undefined): Extract<JobEvent, { type: 'cancel' }> | undefined {
  if (!stopRequest?.startsWith('cancel')) return undefined;
  const [head = '', ...rest] = stopRequest.split('\n');
  const by = head.slice('cancel:'.length) || 'a user';
  return rest.length > 0 ? { type: 'cancel', by, reason: rest.join('\n') } : { type: 'cancel', by };
}
