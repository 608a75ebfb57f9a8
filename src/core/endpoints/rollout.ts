/**
 * Safe rollout of a new deployment: `--to green --steps 10,50,100 --interval 30s
 * --max-error-rate 1% --max-p99-ms 800` moves live traffic to the candidate step by step, watches
 * it, and rolls back on its own when it breaks a bound. A state machine, pure and serializable:
 * the rollout controller stores the state in the endpoint's status, calls `stepRollout` every
 * poll with the candidate's numbers since the step began, applies the action, and can be
 * restarted at any point.
 *
 * The rules:
 * - Step k gives the candidate steps[k]% of live traffic; the other deployments share the rest in
 *   proportion to their weights before the rollout (whole percentages, largest remainder first).
 * - A step is judged on the candidate's requests since the step began, and only once it has
 *   answered at least `minRequests` (default 20): fewer are too few to tell 1% errors from bad luck.
 * - A breach rolls back at once, mid-interval: error rate above `maxErrorRate`, or p99 above
 *   `maxP99Ms`. Errors are 5xx and requests that got no answer (see request-stats.ts).
 * - A step passes when its interval is over and the bounds hold; then the next step starts, and
 *   after the last one the rollout is done.
 * - Too little traffic: when the interval is over with fewer than `minRequests`, the step waits
 *   one more interval, up to `maxExtensions` times (default 3). After that it rolls back by
 *   default: a safe rollout promises the candidate was proven on traffic, and rolling back only
 *   returns to weights that were serving before. `onInsufficientTraffic: 'proceed'` moves on
 *   instead, for endpoints known to be quiet; the audit says it went unjudged.
 * - Rolling back sets the weights the endpoint had before the rollout, all of them.
 * Every transition (a new step, an extended wait, a rollback, the end) yields an audit record
 * with the step, the weights, the observation, the decision and the reason; plain waits do not.
 */
import { invalidInput, type Problem } from '../errors.js';
import type { StatsSnapshot } from './request-stats.js';
import type { TrafficWeights } from './traffic.js';

export interface RolloutBounds {
  /** Largest error rate the candidate may show in a step, as a fraction: 0.01 for 1%. */
  maxErrorRate: number;
  /** Largest p99 latency in ms; undefined leaves latency unjudged. */
  maxP99Ms?: number | undefined;
  /** Requests the candidate must answer in a step before it is judged; default 20. */
  minRequests?: number | undefined;
  /** Extra intervals a step may wait for `minRequests`; default 3. */
  maxExtensions?: number | undefined;
  /** What a step does when it never gets `minRequests`; default 'rollback'. */
  onInsufficientTraffic?: 'rollback' | 'proceed' | undefined;
}

export interface RolloutRequest {
  /** The candidate's share of live traffic at each step, increasing, e.g. [10, 50, 100]. */
  steps: readonly number[];
  /** The endpoint's traffic before the rollout; a rollback returns to exactly this. */
  from: TrafficWeights;
  /** The candidate deployment. */
  to: string;
  /** How long each step runs before it is judged to have passed. */
  intervalMs: number;
  bounds: RolloutBounds;
  /** The endpoint's deployments, to check `to` and `from` against; optional. */
  deploymentNames?: readonly string[] | undefined;
  /** The endpoint's mirror_traffic, to check the candidate is not a mirror (it could not also get live traffic); optional. */
  mirror?: TrafficWeights | undefined;
}

export interface RolloutPlan {
  readonly steps: readonly number[];
  readonly from: TrafficWeights;
  readonly to: string;
  readonly intervalMs: number;
  readonly maxErrorRate: number;
  readonly maxP99Ms: number | undefined;
  readonly minRequests: number;
  readonly maxExtensions: number;
  readonly onInsufficientTraffic: 'rollback' | 'proceed';
  /** The weights of each step, computed once. */
  readonly stepWeights: readonly TrafficWeights[];
}

/** What the candidate did since its step began. */
export interface RolloutObservation {
  requests: number;
  /** Errors / requests, as a fraction. */
  errorRate: number;
  /** Undefined with no requests. */
  p99Ms: number | undefined;
}

export type RolloutDecision = 'set-traffic' | 'extend-wait' | 'rollback' | 'done';

export interface RolloutAuditRecord {
  at: number;
  /** 1-based step the record is about; 0 before the first step. */
  step: number;
  /** The weights in force after this decision. */
  weights: TrafficWeights;
  observation: RolloutObservation | undefined;
  decision: RolloutDecision;
  reason: string;
}

export type RolloutAction =
  | { kind: 'set-traffic'; weights: TrafficWeights }
  | { kind: 'wait'; untilMs: number }
  | { kind: 'rollback'; weights: TrafficWeights; reason: string }
  | { kind: 'done'; weights: TrafficWeights };

export interface RolloutState {
  readonly plan: RolloutPlan;
  readonly phase: 'pending' | 'observing' | 'done' | 'rolled-back';
  /** Index into plan.steps of the step in force; -1 before the first. */
  readonly stepIndex: number;
  readonly stepStartedAt: number | undefined;
  /** How many extra intervals the current step has waited for traffic. */
  readonly extensions: number;
  /** The weights in force. */
  readonly weights: TrafficWeights;
  /** Why it rolled back, once it has. */
  readonly rollbackReason: string | undefined;
  readonly audit: readonly RolloutAuditRecord[];
}

export interface RolloutStep {
  state: RolloutState;
  action: RolloutAction;
  /** The record of this transition; undefined for a plain wait or a repeat of a finished rollout. */
  audit: RolloutAuditRecord | undefined;
}

const DEFAULT_MIN_REQUESTS = 20;
const DEFAULT_MAX_EXTENSIONS = 3;

/** A rollout ready to start (phase pending); throws InvalidInput listing every problem with the request. */
export function planRollout(request: RolloutRequest): RolloutState {
  const problems = checkRequest(request);
  if (problems.length > 0) throw invalidInput('the rollout', problems);
  // The candidate is listed even at 0%, so the audit and a rollback name it.
  const from = Object.freeze({ ...request.from, [request.to]: request.from[request.to] ?? 0 });
  const plan: RolloutPlan = Object.freeze({
    steps: Object.freeze([...request.steps]),
    from,
    to: request.to,
    intervalMs: request.intervalMs,
    maxErrorRate: request.bounds.maxErrorRate,
    maxP99Ms: request.bounds.maxP99Ms,
    minRequests: request.bounds.minRequests ?? DEFAULT_MIN_REQUESTS,
    maxExtensions: request.bounds.maxExtensions ?? DEFAULT_MAX_EXTENSIONS,
    onInsufficientTraffic: request.bounds.onInsufficientTraffic ?? 'rollback',
    stepWeights: Object.freeze(request.steps.map((percent) => Object.freeze(weightsAtStep(from, request.to, percent)))),
  });
  return {
    plan,
    phase: 'pending',
    stepIndex: -1,
    stepStartedAt: undefined,
    extensions: 0,
    weights: from,
    rollbackReason: undefined,
    audit: [],
  };
}

/**
 * The next move, given what the candidate did since its step began (`undefined` counts as no
 * requests). Pending: start step 1. Observing: roll back on a breach, wait out the interval,
 * then pass the step, extend it, or give up for lack of traffic. Finished: repeat the final action.
 */
export function stepRollout(state: RolloutState, observation: RolloutObservation | undefined, now: number): RolloutStep {
  const { plan } = state;
  if (state.phase === 'done') return { state, action: { kind: 'done', weights: state.weights }, audit: undefined };
  if (state.phase === 'rolled-back') {
    return { state, action: { kind: 'rollback', weights: state.weights, reason: state.rollbackReason ?? 'rolled back' }, audit: undefined };
  }
  if (state.phase === 'pending') return startStep(state, 0, now, observation, `start: ${describeStep(plan, 0)}`);

  const step = state.stepIndex + 1;
  const requests = observation?.requests ?? 0;
  if (observation && requests >= plan.minRequests) {
    const breach = findBreach(plan, observation);
    if (breach) return rollBack(state, now, observation, `step ${step} (${plan.steps[state.stepIndex]}% to ${plan.to}): ${breach}`);
  }

  const deadline = (state.stepStartedAt ?? now) + plan.intervalMs * (1 + state.extensions);
  if (now < deadline) return { state, action: { kind: 'wait', untilMs: deadline }, audit: undefined };

  if (requests < plan.minRequests) {
    const waited = `${requests} request(s) in ${state.extensions + 1} interval(s), ${plan.minRequests} needed to judge`;
    if (state.extensions < plan.maxExtensions) {
      const extended: RolloutState = { ...state, extensions: state.extensions + 1 };
      const record = auditRecord(
        extended,
        now,
        observation,
        'extend-wait',
        `step ${step}: too little traffic to judge (${waited}); waiting one more interval (${state.extensions + 1} of ${plan.maxExtensions})`,
      );
      return {
        state: { ...extended, audit: [...state.audit, record] },
        action: { kind: 'wait', untilMs: deadline + plan.intervalMs },
        audit: record,
      };
    }
    if (plan.onInsufficientTraffic === 'rollback') {
      return rollBack(
        state,
        now,
        observation,
        `step ${step}: too little traffic to judge ${plan.to} (${waited}); rerun with a longer --interval, or a lower --min-requests`,
      );
    }
    return advance(state, now, observation, `step ${step} passed unjudged: too little traffic (${waited}); proceeding as configured`);
  }
  return advance(state, now, observation, `step ${step} passed: ${describeObservation(observation!)} within ${describeBounds(plan)}`);
}

/** Stop a rollout by hand: back to the weights before it. */
export function abortRollout(state: RolloutState, reason: string, now: number): RolloutStep {
  if (state.phase === 'done' || state.phase === 'rolled-back') return stepRollout(state, undefined, now);
  return rollBack(state, now, undefined, `aborted: ${reason}`);
}

/** Which deployment and span to take the observation from: the candidate, since the step began. */
export function observationWindow(state: RolloutState, now: number): { deployment: string; windowMs: number } | undefined {
  if (state.phase !== 'observing' || state.stepStartedAt === undefined) return undefined;
  return { deployment: state.plan.to, windowMs: Math.max(0, now - state.stepStartedAt) };
}

/** The rollout's view of a request-stats snapshot. */
export function observationFrom(snapshot: StatsSnapshot): RolloutObservation {
  return { requests: snapshot.count, errorRate: snapshot.errorRate, p99Ms: snapshot.p99Ms };
}

/**
 * The weights with `to` at `percent`: the other deployments share the rest in proportion to their
 * weights in `from`, in whole percentages (largest remainder first, ties by name).
 */
export function weightsAtStep(from: TrafficWeights, to: string, percent: number): Record<string, number> {
  const others = Object.keys(from)
    .filter((name) => name !== to)
    .sort();
  const othersTotal = others.reduce((total, name) => total + (from[name] ?? 0), 0);
  const rest = 100 - percent;
  const weights: Record<string, number> = {};
  const remainders: Array<{ name: string; remainder: number }> = [];
  let given = 0;
  for (const name of others) {
    const exact = othersTotal > 0 ? (rest * (from[name] ?? 0)) / othersTotal : 0;
    weights[name] = Math.floor(exact);
    given += weights[name];
    remainders.push({ name, remainder: exact - Math.floor(exact) });
  }
  remainders.sort((a, b) => b.remainder - a.remainder || a.name.localeCompare(b.name));
  for (let index = 0; index < rest - given && othersTotal > 0; index += 1) {
    const { name } = remainders[index % remainders.length]!;
    weights[name] = (weights[name] ?? 0) + 1;
  }
  weights[to] = percent;
  return weights;
}

function startStep(
  state: RolloutState,
  index: number,
  now: number,
  observation: RolloutObservation | undefined,
  reason: string,
): RolloutStep {
  const weights = state.plan.stepWeights[index]!;
  const next: RolloutState = { ...state, phase: 'observing', stepIndex: index, stepStartedAt: now, extensions: 0, weights };
  const record = auditRecord(next, now, observation, 'set-traffic', reason);
  return { state: { ...next, audit: [...state.audit, record] }, action: { kind: 'set-traffic', weights }, audit: record };
}

function advance(state: RolloutState, now: number, observation: RolloutObservation | undefined, passed: string): RolloutStep {
  const { plan } = state;
  const nextIndex = state.stepIndex + 1;
  if (nextIndex < plan.steps.length)
    return startStep(state, nextIndex, now, observation, `${passed}; next: ${describeStep(plan, nextIndex)}`);
  const done: RolloutState = { ...state, phase: 'done' };
  const record = auditRecord(done, now, observation, 'done', `${passed}; rollout complete: ${plan.to} gets ${plan.steps.at(-1)}%`);
  return { state: { ...done, audit: [...state.audit, record] }, action: { kind: 'done', weights: done.weights }, audit: record };
}

function rollBack(state: RolloutState, now: number, observation: RolloutObservation | undefined, reason: string): RolloutStep {
  const weights = state.plan.from;
  const fullReason = `${reason}; rolled back to ${describeWeights(weights)}`;
  const back: RolloutState = { ...state, phase: 'rolled-back', weights, rollbackReason: fullReason };
  const record = auditRecord(back, now, observation, 'rollback', fullReason);
  return { state: { ...back, audit: [...state.audit, record] }, action: { kind: 'rollback', weights, reason: fullReason }, audit: record };
}

function auditRecord(
  state: RolloutState,
  at: number,
  observation: RolloutObservation | undefined,
  decision: RolloutDecision,
  reason: string,
): RolloutAuditRecord {
  return {
    at,
    step: state.stepIndex + 1,
    weights: state.weights,
    observation: observation ? { ...observation } : undefined,
    decision,
    reason,
  };
}

function findBreach(plan: RolloutPlan, observation: RolloutObservation): string | undefined {
  const breaches: string[] = [];
  if (observation.errorRate > plan.maxErrorRate) {
    breaches.push(`error rate ${percent(observation.errorRate)} is above --max-error-rate ${percent(plan.maxErrorRate)}`);
  }
  if (plan.maxP99Ms !== undefined && observation.p99Ms !== undefined && observation.p99Ms > plan.maxP99Ms) {
    breaches.push(`p99 ${Math.round(observation.p99Ms)} ms is above --max-p99-ms ${plan.maxP99Ms}`);
  }
  return breaches.length > 0 ? `${breaches.join(' and ')} over ${observation.requests} requests` : undefined;
}

function checkRequest(request: RolloutRequest): Problem[] {
  const problems: Problem[] = [];
  const { steps, from, to, bounds } = request;
  const names = request.deploymentNames;
  if (!to) problems.push({ path: '--to', message: 'name the deployment to roll out' });
  else if (names && !names.includes(to)) {
    problems.push({
      path: '--to',
      message: `there is no deployment '${to}'; the endpoint's deployments are: ${[...names].sort().join(', ') || '(none)'}`,
    });
  }
  if (names) {
    for (const name of Object.keys(from)) {
      if (!names.includes(name))
        problems.push({ path: `traffic.${name}`, message: `the traffic names deployment '${name}', which the endpoint does not have` });
    }
  }
  if ((request.mirror?.[to] ?? 0) > 0) {
    problems.push({
      path: 'mirror_traffic',
      message: `${to} receives mirrored traffic, and a deployment cannot get both; set mirror_traffic.${to} to 0 first`,
    });
  }
  const total = Object.values(from).reduce((sum, value) => sum + value, 0);
  const othersTotal = total - (from[to] ?? 0);
  if (total !== 100) {
    problems.push({
      path: 'traffic',
      message: `the endpoint's traffic adds up to ${total}; a rollout starts from traffic that adds up to 100`,
    });
  }

  if (steps.length === 0) problems.push({ path: '--steps', message: 'give at least one step, e.g. --steps 10,50,100' });
  steps.forEach((step, index) => {
    if (!Number.isInteger(step) || step < 1 || step > 100) {
      problems.push({ path: '--steps', message: `step ${index + 1} is ${step}; each step is a whole percentage from 1 to 100` });
    } else if (index > 0 && step <= (steps[index - 1] ?? 0)) {
      problems.push({
        path: '--steps',
        message: `step ${index + 1} (${step}) is not above step ${index} (${steps[index - 1]}); steps must increase`,
      });
    }
  });
  const current = from[to] ?? 0;
  if (steps.length > 0 && (steps[0] ?? 0) <= current) {
    problems.push({ path: '--steps', message: `${to} already gets ${current}%; start the steps above ${current}` });
  }
  if (othersTotal <= 0 && steps.some((step) => step < 100)) {
    problems.push({
      path: '--steps',
      message: `no other deployment gets live traffic, so there is nothing to split with ${to}; use --steps 100`,
    });
  }

  if (!(request.intervalMs > 0))
    problems.push({ path: '--interval', message: `the interval must be longer than 0, not ${request.intervalMs} ms` });
  if (!(bounds.maxErrorRate >= 0 && bounds.maxErrorRate <= 1)) {
    problems.push({ path: '--max-error-rate', message: `${bounds.maxErrorRate} is not a rate; give a fraction from 0 to 1 (0.01 is 1%)` });
  }
  if (bounds.maxP99Ms !== undefined && !(bounds.maxP99Ms > 0)) {
    problems.push({ path: '--max-p99-ms', message: `the p99 bound must be more than 0 ms, not ${bounds.maxP99Ms}` });
  }
  if (bounds.minRequests !== undefined && !(Number.isInteger(bounds.minRequests) && bounds.minRequests >= 1)) {
    problems.push({ path: '--min-requests', message: `give a whole number of at least 1, not ${bounds.minRequests}` });
  }
  if (bounds.maxExtensions !== undefined && !(Number.isInteger(bounds.maxExtensions) && bounds.maxExtensions >= 0)) {
    problems.push({ path: '--max-extensions', message: `give a whole number of 0 or more, not ${bounds.maxExtensions}` });
  }
  return problems;
}

function describeStep(plan: RolloutPlan, index: number): string {
  return `step ${index + 1} of ${plan.steps.length} sends ${plan.steps[index]}% to ${plan.to} (${describeWeights(plan.stepWeights[index]!)})`;
}

function describeObservation(observation: RolloutObservation): string {
  const latency = observation.p99Ms === undefined ? '' : `, p99 ${Math.round(observation.p99Ms)} ms`;
  return `${observation.requests} requests, error rate ${percent(observation.errorRate)}${latency}`;
}

function describeBounds(plan: RolloutPlan): string {
  return `--max-error-rate ${percent(plan.maxErrorRate)}${plan.maxP99Ms === undefined ? '' : ` and --max-p99-ms ${plan.maxP99Ms}`}`;
}

function describeWeights(weights: TrafficWeights): string {
  return Object.entries(weights)
    .map(([name, value]) => `${name} ${value}%`)
    .join(', ');
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 10_000) / 100}%`;
}
