import {
  abortRollout,
  planRollout,
  stepRollout,
  observationWindow,
  observationFrom,
  type RolloutAuditRecord,
  type RolloutState,
} from '../../core/endpoints/rollout.js';
import type { StatsSnapshot } from '../../core/endpoints/request-stats.js';
import { TrellisError } from '../../core/errors.js';
import type { StoredRollout } from '../../store/endpoint-repository.js';

/** A rollout as the store keeps it: its plan, state and audit, for the API to answer with. */
export type Rollout = StoredRollout;
import type { Caller, Context } from '../context.js';
import { getEndpoint, setTraffic } from './endpoint-service.js';

/**
 * Safe rollout (`trellis online-endpoint rollout --to green --steps 10,50,100 ...`): the plan is
 * checked and stored; the serving controller then advances it every tick with the candidate's
 * numbers from the router (`advanceRollout`), sets the traffic of each step through the same
 * audited path as `--traffic`, and rolls back on its own when the candidate breaks a bound. The
 * state lives in the store, so a restarted server carries the rollout on.
 */

export interface StartRolloutInput {
  to: string;
  steps: number[];
  intervalMs: number;
  maxErrorRate: number;
  maxP99Ms?: number | undefined;
  minRequests?: number | undefined;
}

export async function startRollout(
  context: Context,
  caller: Caller,
  workspace: string,
  name: string,
  input: StartRolloutInput,
): Promise<StoredRollout> {
  const endpoint = await getEndpoint(context, workspace, name, 'online');
  const repositories = context.store.repositories;
  const running = await repositories.endpoints.getRollout(workspace, name);
  if (running && (running.phase === 'pending' || running.phase === 'observing')) {
    throw new TrellisError(
      'RolloutRunning',
      409,
      `endpoint '${name}' is already rolling out to '${running.state.plan.to}' (started by ${running.startedBy}); wait for it or follow it with: trellis online-endpoint rollout-status --name ${name}`,
    );
  }
  const deployments = await repositories.endpoints.listDeployments(workspace, name);
  const candidate = deployments.find((deployment) => deployment.name === input.to);
  if (candidate && candidate.state !== 'Succeeded') {
    throw new TrellisError(
      'DeploymentNotReady',
      409,
      `deployment '${input.to}' is ${candidate.state}${candidate.reason ? ` (${candidate.reason})` : ''}; a rollout starts once it is Succeeded`,
    );
  }
  const state = planRollout({
    steps: input.steps,
    from: endpoint.traffic,
    to: input.to,
    intervalMs: input.intervalMs,
    bounds: { maxErrorRate: input.maxErrorRate, maxP99Ms: input.maxP99Ms, minRequests: input.minRequests },
    deploymentNames: deployments.map((deployment) => deployment.name),
    mirror: endpoint.mirrorTraffic,
  });
  const now = context.clock().getTime();
  const rollout: StoredRollout = {
    workspace,
    endpoint: name,
    phase: state.phase,
    state,
    startedBy: caller.actor,
    startedAt: now,
    updatedAt: now,
  };
  await repositories.endpoints.putRollout(rollout);
  return rollout;
}

export async function getRollout(context: Context, workspace: string, name: string): Promise<StoredRollout> {
  await getEndpoint(context, workspace, name, 'online');
  const rollout = await context.store.repositories.endpoints.getRollout(workspace, name);
  if (!rollout)
    throw new TrellisError(
      'RolloutNotFound',
      404,
      `endpoint '${name}' has had no rollout; start one with: trellis online-endpoint rollout --name ${name} --to <deployment> --steps 10,50,100`,
    );
  return rollout;
}

/**
 * One tick of a running rollout: judge the candidate on what the router saw since its step began,
 * then apply the decision. `snapshot` reads the router's stats of a deployment over a window.
 */
export async function advanceRollout(
  context: Context,
  rollout: StoredRollout,
  snapshot: (deployment: string, windowMs: number) => StatsSnapshot,
): Promise<StoredRollout> {
  const now = context.clock().getTime();
  const window = observationWindow(rollout.state, now);
  const observation = window ? observationFrom(snapshot(window.deployment, window.windowMs)) : undefined;
  const { state, action, audit } = stepRollout(rollout.state, observation, now);
  const caller: Caller = { actor: `rollout:${rollout.startedBy}`, requestId: null };
  if (action.kind === 'set-traffic' || action.kind === 'rollback') {
    await setTraffic(context, caller, rollout.workspace, rollout.endpoint, {
      traffic: { ...action.weights },
      summary: summaryOf(state, audit),
    });
  } else if (audit) {
    await auditOnly(context, caller, rollout, state, audit, now);
  }
  const next: StoredRollout = { ...rollout, phase: state.phase, state, updatedAt: now };
  if (next.phase !== rollout.phase || next.state !== rollout.state) await context.store.repositories.endpoints.putRollout(next);
  return next;
}

/** Ends a rollout that cannot go on (its traffic could not be set): back to the weights it started from. */
export async function abandonRollout(context: Context, rollout: StoredRollout, reason: string): Promise<void> {
  const now = context.clock().getTime();
  const { state, audit } = abortRollout(rollout.state, reason, now);
  const caller: Caller = { actor: `rollout:${rollout.startedBy}`, requestId: null };
  await setTraffic(context, caller, rollout.workspace, rollout.endpoint, {
    traffic: { ...state.weights },
    summary: summaryOf(state, audit),
  }).catch((error: unknown) => {
    context.logger.warn(
      { err: error, workspace: rollout.workspace, endpoint: rollout.endpoint },
      `rollout: the traffic of endpoint ${rollout.endpoint} could not be set back to ${summaryOf(state, audit)}; the abandoned rollout is audited, set the traffic by hand`,
    );
    return auditOnly(context, caller, rollout, state, audit!, now);
  });
  await context.store.repositories.endpoints.putRollout({ ...rollout, phase: state.phase, state, updatedAt: now });
}

function summaryOf(state: RolloutState, audit: RolloutAuditRecord | undefined): string {
  const weights = Object.entries(state.weights)
    .map(([deployment, percent]) => `${deployment} ${percent}%`)
    .join(', ');
  return `rollout to ${state.plan.to}, step ${audit?.step ?? state.stepIndex + 1}/${state.plan.steps.length}: ${audit?.decision ?? 'set-traffic'} — ${audit?.reason ?? ''} (traffic: ${weights})`;
}

async function auditOnly(
  context: Context,
  caller: Caller,
  rollout: StoredRollout,
  state: RolloutState,
  audit: RolloutAuditRecord,
  now: number,
): Promise<void> {
  await context.store.repositories.audit.append({
    workspace: rollout.workspace,
    at: new Date(now).toISOString(),
    actor: caller.actor,
    action: 'rollout',
    kind: 'online-endpoint',
    name: rollout.endpoint,
    version: null,
    beforeDigest: null,
    afterDigest: null,
    requestId: null,
    summary: summaryOf(state, audit),
  });
}
