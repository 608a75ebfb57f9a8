import type { Check } from '../../src/core/advisor/advisor-rule.js';
import { liveRules } from '../../src/core/advisor/live/live-rules.js';
import {
  type ComputeFacts,
  type DeploymentFacts,
  emptySnapshot,
  type InstallationFacts,
  type JobFacts,
  type LiveSnapshot,
} from '../../src/core/advisor/live/live-snapshot.js';

/** Snapshots for the live rules' unit tests: a workspace at a fixed time, and what one rule says of it. */

export const now = Date.parse('2026-03-01T12:00:00Z');
export const minutes = (count: number) => count * 60_000;
export const hours = (count: number) => count * 3_600_000;
export const days = (count: number) => count * 86_400_000;

/** A snapshot of workspace `dev` at `now`, with `facts` over the empty one. */
export function snapshotOf(facts: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return { ...emptySnapshot('dev', now), ...facts };
}

export function installation(facts: Partial<InstallationFacts> = {}): InstallationFacts {
  return {
    host: '127.0.0.1',
    listensOnLoopbackOnly: true,
    localAuth: true,
    publicUrl: null,
    servesTls: false,
    serverAssignments: [],
    tokens: [],
    activity: [],
    ...facts,
  };
}

export function cluster(facts: Partial<ComputeFacts> = {}): ComputeFacts {
  return {
    name: 'cpu',
    type: 'amlcompute',
    tier: 'dedicated',
    minInstances: 0,
    maxInstances: 4,
    idleTimeBeforeScaleDown: 120,
    createdAt: now - days(30),
    updatedAt: now - days(30),
    ...facts,
  };
}

export function job(facts: Partial<JobFacts> = {}): JobFacts {
  return {
    name: 'train',
    compute: 'cpu',
    state: 'Completed',
    submittedAt: now - hours(2),
    dequeuedAt: now - hours(2),
    startedAt: now - hours(2),
    endedAt: now - hours(1),
    instanceCount: 1,
    nodeSeconds: 3600,
    environment: null,
    ...facts,
  };
}

export function deployment(facts: Partial<DeploymentFacts> = {}): DeploymentFacts {
  return {
    endpoint: 'ep',
    name: 'blue',
    type: 'online',
    tags: {},
    state: 'Succeeded',
    scaleType: 'default',
    instanceCount: 1,
    minInstances: null,
    maxInstances: null,
    collectsData: false,
    model: { name: 'm', version: '1' },
    environment: null,
    updatedAt: now - days(1),
    ...facts,
  };
}

/** The checks one live rule makes of a snapshot, as `outcome resource: message` (or the reason it is unknown). */
export function liveVerdicts(ruleId: string, snapshot: LiveSnapshot): string[] {
  const rule = liveRules.find((candidate) => candidate.id === ruleId);
  if (!rule) throw new Error(`no live rule ${ruleId}`);
  return rule.evaluate(snapshot).map(describe);
}

function describe(check: Check): string {
  const detail = check.outcome === 'unknown' ? check.reason : check.findings.map((finding) => finding.message).join('; ');
  return `${check.outcome} ${check.resource.name}${detail ? `: ${detail}` : ''}`;
}
