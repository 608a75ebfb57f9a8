/**
 * The identities jobs and deployments act as (Azure ML's managed identities): a short-lived token
 * bound to one workspace, with the rights of the principal who submitted the job or made the
 * deployment. What they are called and how long they live is decided here; issuing and revoking
 * them is services/identity/workload-tokens.ts.
 */

/** The principal an audit actor acts for: `user:alice`, `servicePrincipal:ci`, `job:x for user:alice` → the last one. */
export interface Submitter {
  kind: 'user' | 'servicePrincipal';
  name: string;
}

/**
 * The principal a resource's `createdBy` names: the actor after the last ' for ', its name after
 * the first ':'. Undefined for actors that are no principal (`local:<user>` of jobs from before
 * authentication, `system:...`), which get no token.
 */
export function submitterOf(createdBy: string): Submitter | undefined {
  const separator = createdBy.lastIndexOf(' for ');
  const actor = (separator < 0 ? createdBy : createdBy.slice(separator + ' for '.length)).trim();
  const colon = actor.indexOf(':');
  if (colon <= 0) return undefined;
  const kind = actor.slice(0, colon);
  const name = actor.slice(colon + 1);
  if ((kind !== 'user' && kind !== 'servicePrincipal') || name === '') return undefined;
  return { kind, name };
}

/** What a job's token stands for: `job:<name>` (the audit log then says `job:<name> for user:<submitter>`). */
export function jobIdentityOf(jobName: string): string {
  return `job:${jobName}`;
}

/** What a deployment's token stands for: `deployment:<endpoint>/<deployment>`. */
export function deploymentIdentityOf(endpoint: string, deployment: string): string {
  return `deployment:${endpoint}/${deployment}`;
}

/** What a compute instance's token stands for: `computeinstance:<name>` (acting for its assigned user). */
export function instanceIdentityOf(computeName: string): string {
  return `computeinstance:${computeName}`;
}

/** The compute of a `computeinstance:<name>` identity; undefined for any other. */
export function parseInstanceIdentity(identity: string): string | undefined {
  return identity.startsWith('computeinstance:') && identity.length > 'computeinstance:'.length
    ? identity.slice('computeinstance:'.length)
    : undefined;
}

/**
 * How long an instance's token lives: 12 hours, short as a workload token should be. A running
 * instance gets a fresh one at each start; one that runs longer than this is restarted to renew it.
 */
export const instanceTokenSeconds = 12 * 3600;

/** The job name of a `job:<name>` identity; undefined for any other. */
export function parseJobIdentity(identity: string): string | undefined {
  return identity.startsWith('job:') && identity.length > 'job:'.length ? identity.slice('job:'.length) : undefined;
}

/** The endpoint and deployment of a `deployment:<endpoint>/<deployment>` identity; undefined for any other. */
export function parseDeploymentIdentity(identity: string): { endpoint: string; name: string } | undefined {
  const match = /^deployment:([^/]+)\/([^/]+)$/.exec(identity);
  return match ? { endpoint: match[1]!, name: match[2]! } : undefined;
}

/** A job without a timeout: its token lasts a week (it is revoked as soon as the job ends anyway). */
export const untimedJobTokenSeconds = 7 * 86400;
/** Beyond the timeout: the grace period, the final writes of the job, and a margin for clocks. */
export const jobTokenMarginSeconds = 3600;

/**
 * How long a job's token lives from the start of an attempt: the job's limits.timeout plus an
 * hour, or a week for a job without one. Bounded either way; the job's end revokes it earlier.
 */
export function jobTokenSeconds(timeoutSeconds: number | undefined): number {
  return timeoutSeconds !== undefined && timeoutSeconds > 0 ? Math.ceil(timeoutSeconds) + jobTokenMarginSeconds : untimedJobTokenSeconds;
}

/**
 * How long a deployment's token lives: 30 days. A deployment is re-prepared with a fresh token at
 * each update and each server start; one served longer than this calls back with an expired token.
 */
export const deploymentTokenSeconds = 30 * 86400;
