import type { Deployment } from '../../core/endpoints/endpoint.js';
import type { TokenKind } from '../../core/identity/token-format.js';
import {
  deploymentIdentityOf,
  deploymentTokenSeconds,
  instanceIdentityOf,
  instanceTokenSeconds,
  jobIdentityOf,
  jobTokenSeconds,
  parseDeploymentIdentity,
  parseInstanceIdentity,
  parseJobIdentity,
  submitterOf,
} from '../../core/identity/workload-identity.js';
import type { Job } from '../../core/jobs/job.js';
import { terminalStates } from '../../core/jobs/job-lifecycle.js';
import type { Repositories } from '../../store/store.js';
import type { Context } from '../context.js';
import { auditIdentityChange } from './identity-audit.js';
import { issueToken } from './token-service.js';

/**
 * Tokens for jobs and deployments (their managed identities): bound to the workspace, acting with
 * the rights of whoever submitted the job or made the deployment. Only the hash is stored; the
 * token itself goes into the process's environment and nowhere else.
 */

/** A token for a workload, or why it gets none (a creator that is no principal here). */
export type WorkloadToken = { token: string; id: string } | { token: undefined; why: string };

interface WorkloadTokenRequest {
  kind: Extract<TokenKind, 'job' | 'deployment'>;
  workspace: string;
  identity: string;
  /** The workload's `createdBy`: whose rights the token carries. */
  createdBy: string;
  /** The token's own name, as token listings show it. */
  name: string;
  expiresInSeconds: number;
  /** Revoke the identity's live tokens first (a new attempt, or a server that lost track of the old ones). */
  revokePrevious: boolean;
}

/**
 * A fresh token for an attempt of `job`, bound to its workspace as `job:<name>`; the tokens of
 * earlier attempts are revoked. Lives the job's timeout plus an hour, or a week without one.
 */
export async function issueJobToken(
  context: Context,
  job: Pick<Job, 'workspace' | 'name' | 'createdBy' | 'attempt'>,
  timeoutSeconds: number | undefined,
): Promise<WorkloadToken> {
  return issueWorkloadToken(context, 'system:job-runner', {
    kind: 'job',
    workspace: job.workspace,
    identity: jobIdentityOf(job.name),
    createdBy: job.createdBy,
    name: `job ${job.name} attempt ${job.attempt}`,
    expiresInSeconds: jobTokenSeconds(timeoutSeconds),
    revokePrevious: true,
  });
}

/**
 * Revokes every token of the job's identity (it ended, or goes back to the queue); returns how many.
 * `repositories`: a transaction the caller holds, so the revocation lands with the job's own change.
 */
export async function revokeJobTokens(
  context: Context,
  job: Pick<Job, 'workspace' | 'name'>,
  repositories: Repositories = context.store.repositories,
): Promise<number> {
  return repositories.identity.revokeIdentityTokens(jobIdentityOf(job.name), job.workspace, context.clock().getTime());
}

/**
 * A token for one version of a deployment, bound to its workspace as
 * `deployment:<endpoint>/<deployment>`. `revokePrevious`: this process serves no earlier version
 * of it, so the identity's other tokens belong to processes that are gone.
 */
export async function issueDeploymentToken(
  context: Context,
  deployment: Pick<Deployment, 'workspace' | 'endpoint' | 'name' | 'createdBy' | 'etag'>,
  revokePrevious: boolean,
): Promise<WorkloadToken> {
  return issueWorkloadToken(context, 'system:serving', {
    kind: 'deployment',
    workspace: deployment.workspace,
    identity: deploymentIdentityOf(deployment.endpoint, deployment.name),
    createdBy: deployment.createdBy,
    name: `deployment ${deployment.endpoint}/${deployment.name} version ${deployment.etag}`,
    expiresInSeconds: deploymentTokenSeconds,
    revokePrevious,
  });
}

/**
 * A token for a compute instance's JupyterLab, bound to the workspace as `computeinstance:<name>`
 * with the rights of its assignee (an audit actor, `user:alice`): what notebooks use for MLflow and the CLI. Earlier ones are
 * revoked. Its kind is 'job' (a workload's token, refused for managing tokens and roles as a job's is).
 */
export async function issueInstanceToken(
  context: Context,
  instance: { workspace: string; name: string; assignee: string },
): Promise<WorkloadToken> {
  return issueWorkloadToken(context, 'system:compute-instances', {
    kind: 'job',
    workspace: instance.workspace,
    identity: instanceIdentityOf(instance.name),
    createdBy: instance.assignee,
    name: `compute instance ${instance.name}`,
    expiresInSeconds: instanceTokenSeconds,
    revokePrevious: true,
  });
}

/** Revokes the tokens of a compute instance (it stopped, or was deleted). */
export async function revokeInstanceTokens(context: Context, workspace: string, name: string): Promise<number> {
  return context.store.repositories.identity.revokeIdentityTokens(instanceIdentityOf(name), workspace, context.clock().getTime());
}

/** Revokes one version's token (the version was replaced). */
export async function revokeWorkloadToken(context: Context, tokenId: string): Promise<void> {
  await context.store.repositories.identity.revokeToken(tokenId, context.clock().getTime());
}

/** Revokes every token of the deployment's identity (it was deleted); returns how many. */
export async function revokeDeploymentTokens(
  context: Context,
  deployment: Pick<Deployment, 'workspace' | 'endpoint' | 'name'>,
): Promise<number> {
  return context.store.repositories.identity.revokeIdentityTokens(
    deploymentIdentityOf(deployment.endpoint, deployment.name),
    deployment.workspace,
    context.clock().getTime(),
  );
}

/**
 * Revokes the live tokens of workloads that are gone: a job that ended or was deleted, a deployment
 * deleted, while this server was down (a running server revokes them as it happens). Run at start,
 * before the job runner and the serving controller; returns how many were revoked.
 */
export async function revokeOrphanedWorkloadTokens(context: Context): Promise<number> {
  const repositories = context.store.repositories;
  const now = context.clock().getTime();
  let revoked = 0;
  for (const token of await repositories.identity.listLiveWorkloadTokens(now)) {
    if (token.workspace === null || token.identity === null || (await isLive(token.workspace, token.identity))) continue;
    if (await repositories.identity.revokeToken(token.id, now)) revoked += 1;
  }
  return revoked;

  async function isLive(workspace: string, identity: string): Promise<boolean> {
    const job = parseJobIdentity(identity);
    if (job !== undefined) {
      const stored = await repositories.jobs.get(workspace, job);
      return stored !== undefined && !terminalStates.includes(stored.state);
    }
    const deployment = parseDeploymentIdentity(identity);
    if (deployment !== undefined)
      return (await repositories.endpoints.getDeployment(workspace, deployment.endpoint, deployment.name)) !== undefined;
    // A compute instance's token lives while it runs; at a server start none runs yet.
    if (parseInstanceIdentity(identity) !== undefined) return false;
    // An identity this Trellis does not know (a later version's): left to expire.
    return true;
  }
}

async function issueWorkloadToken(context: Context, issuer: string, request: WorkloadTokenRequest): Promise<WorkloadToken> {
  const submitter = submitterOf(request.createdBy);
  if (!submitter)
    return {
      token: undefined,
      why: `its creator '${request.createdBy}' is no user or service principal (it was made before authentication came), so it gets no identity token`,
    };
  const now = context.clock().getTime();
  return context.store.transaction(async (repositories): Promise<WorkloadToken> => {
    const stored = await repositories.identity.getPrincipal(submitter.name);
    if (stored?.kind !== submitter.kind)
      return {
        token: undefined,
        why: `its creator ${submitter.kind} '${submitter.name}' does not exist here (any more), so it gets no identity token`,
      };
    if (request.revokePrevious) await repositories.identity.revokeIdentityTokens(request.identity, request.workspace, now);
    const issued = await issueToken(repositories.identity, {
      principal: stored.name,
      name: request.name,
      kind: request.kind,
      expiresInSeconds: request.expiresInSeconds,
      workspace: request.workspace,
      identity: request.identity,
      createdBy: issuer,
      now,
    });
    // In the workspace's audit log: which workload got rights of whom, until when (never the token).
    await auditIdentityChange(
      repositories,
      { actor: issuer, requestId: null },
      {
        scope: `/workspaces/${request.workspace}`,
        action: 'create',
        kind: 'token',
        name: issued.record.id,
        summary: `issued ${request.identity} a token acting for ${submitter.kind}:${submitter.name} (${request.name}), expiring ${new Date(issued.record.expiresAt ?? 0).toISOString()}`,
      },
      new Date(now),
    );
    return { token: issued.token, id: issued.record.id };
  });
}
