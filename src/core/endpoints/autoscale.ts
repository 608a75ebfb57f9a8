/**
 * How many instances a deployment should run, decided from the concurrency the router sees, with
 * Azure ML's target_utilization settings (min_instances, max_instances,
 * target_utilization_percentage, polling_interval) read the way Azure's Kubernetes inference
 * router (azureml-fe) reads them:
 *
 *   utilization = average concurrency per instance / max_concurrent_requests_per_instance
 *
 * where concurrency is requests in flight plus requests queued. Like azureml-fe, it adds
 * instances quickly and removes them slowly, after about 20 polling intervals (`defaultCooldownMs`);
 * the instance count for a demand is the formula Azure documents:
 * ceil(concurrent requests / target utilization / max_concurrent_requests_per_instance).
 *
 * The rule, applied in this order:
 * 1. Bounds: fewer than min_instances → min; more than max_instances → max, at once.
 * 2. Requests queue (the latest sample has queued requests, or one is waiting now): scale out at
 *    once, ignoring the cooldown, to what the recent demand needs at the target utilization, and
 *    to at least one more instance than are ready (so an instance still starting counts as the
 *    extra one, and a poll that sees the same queue does not add another).
 * 3. The window's average utilization is above the target: scale out at once to what the recent
 *    demand needs. Recent demand is the larger of the window's average and its latest sample, so
 *    a ramp is met before the average catches up.
 * 4. Every sample in the window is below the target, and the cooldown since the last scaling has
 *    passed: scale in to what the window's peak needs at the target, removing at most half the
 *    instances (rounded up, so 1 → 0 is one step) per step. Sizing on the peak means the new
 *    count is not immediately above the target again (no flapping).
 * 5. Otherwise keep the count.
 * A step at most doubles the count (at least +1), and the result is always within
 * [min_instances, max_instances]. Demand needs ceil(concurrency / (max_concurrent × target%))
 * instances; with min_instances 0 and no demand in the window the deployment scales to zero.
 */
import { TrellisError } from '../errors.js';

/** The deployment's total concurrency at one moment (all instances together). */
export interface ConcurrencySample {
  /** When it was taken (ms since epoch). */
  at: number;
  /** Requests an instance is working on. */
  inFlight: number;
  /** Requests waiting for a free instance slot. */
  queued: number;
}

export interface ScaleInput {
  now: number;
  /** Instances the deployment has now, starting ones included. */
  current: number;
  /** Instances ready to take requests; defaults to `current`. */
  ready?: number | undefined;
  min: number;
  max: number;
  /** target_utilization_percentage, 1..100 (Azure's default is 70). */
  targetUtilizationPercent: number;
  /** request_settings.max_concurrent_requests_per_instance (Azure's default is 1). */
  maxConcurrentPerInstance: number;
  /** Concurrency over the last polling interval, oldest first. */
  samples: readonly ConcurrencySample[];
  /** When the count last changed; undefined if never. */
  lastScaleAt: number | undefined;
  /** How long after a change the count may go down again. */
  cooldownMs: number;
  /** How long the oldest queued request has waited so far; 0 when nothing waits. */
  queueWaitingMs: number;
}

export interface ScaleDecision {
  desired: number;
  action: 'scale-out' | 'scale-in' | 'hold';
  /** Why, in words for the deployment's status and events. */
  reason: string;
  /** The window's average utilization with the current count, in percent; undefined with no instances or no samples. */
  utilizationPercent: number | undefined;
}

/** One scaling decision; pure, so the scaler calls it every polling interval and applies the answer. */
export function decideScale(input: ScaleInput): ScaleDecision {
  checkSettings(input);
  const { current, min, max, samples } = input;
  const ready = Math.min(input.ready ?? current, current);
  const capacityPerInstance = input.maxConcurrentPerInstance;
  const demands = samples.map((sample) => Math.max(0, sample.inFlight) + Math.max(0, sample.queued));
  const average = demands.length > 0 ? demands.reduce((total, demand) => total + demand, 0) / demands.length : 0;
  const latest = demands.at(-1) ?? 0;
  const peak = demands.length > 0 ? Math.max(...demands) : 0;
  const utilizationPercent = current > 0 && demands.length > 0 ? round((average / (current * capacityPerInstance)) * 100) : undefined;
  const needed = (demand: number): number => instancesFor(demand, capacityPerInstance, input.targetUtilizationPercent);
  const decision = (desired: number, reason: string): ScaleDecision => ({
    desired,
    action: desired > current ? 'scale-out' : desired < current ? 'scale-in' : 'hold',
    reason,
    utilizationPercent,
  });
  const describe = utilizationPercent === undefined ? '' : `utilization ${utilizationPercent}% (target ${input.targetUtilizationPercent}%)`;

  if (current < min) return decision(min, `below min_instances (${min})`);
  if (current > max) return decision(max, `above max_instances (${max})`);

  const lastSample = samples.at(-1);
  const isQueueing = (lastSample !== undefined && lastSample.queued > 0) || input.queueWaitingMs > 0;
  const stepLimit = Math.max(current * 2, current + 1);
  if (isQueueing) {
    const wanted = Math.max(needed(Math.max(average, latest)), ready + 1);
    const desired = Math.min(wanted, stepLimit, max);
    const queue = `${lastSample?.queued ?? 0} request(s) queued, the oldest waiting ${Math.round(input.queueWaitingMs)} ms`;
    if (desired > current) return decision(desired, `${queue}; adding ${desired - current} instance(s)${describe ? `, ${describe}` : ''}`);
    if (current === max)
      return decision(current, `${queue}, and the deployment is at max_instances (${max}); raise max_instances to add capacity`);
    return decision(current, `${queue}; ${current - ready} instance(s) already starting`);
  }

  if (demands.length === 0) return decision(current, 'no concurrency samples yet');

  if (average * 100 > input.targetUtilizationPercent * current * capacityPerInstance) {
    const desired = Math.min(needed(Math.max(average, latest)), stepLimit, max);
    if (desired > current) return decision(desired, `${describe}; adding ${desired - current} instance(s)`);
    if (current === max) return decision(current, `${describe}, and the deployment is at max_instances (${max})`);
    return decision(current, `${describe}; the recent demand needs no more instances`);
  }

  if (current === 0) return decision(current, 'no instances and no demand');
  if (current === min) return decision(current, `${describe}; at min_instances (${min})`);
  const isBelowThroughout = demands.every((demand) => demand * 100 < input.targetUtilizationPercent * current * capacityPerInstance);
  if (!isBelowThroughout) return decision(current, `${describe}; part of the window reached the target, so the count stays`);

  const sinceLastScale = input.lastScaleAt === undefined ? Number.POSITIVE_INFINITY : input.now - input.lastScaleAt;
  if (sinceLastScale < input.cooldownMs) {
    const left = Math.ceil((input.cooldownMs - sinceLastScale) / 1000);
    return decision(current, `${describe}; scaling in waits for the cooldown (${left} s left)`);
  }
  const desired = Math.max(needed(peak), Math.floor(current / 2), min);
  if (desired >= current)
    return decision(current, `${describe}; the window's peak of ${peak} concurrent request(s) still needs ${current} instance(s)`);
  return decision(desired, `${describe} throughout the window; removing ${current - desired} instance(s)`);
}

/** The scale-in cooldown azureml-fe uses: about 20 polling intervals. */
export function defaultCooldownMs(pollingIntervalMs: number): number {
  return 20 * pollingIntervalMs;
}

/** Instances that serve `demand` concurrent requests at the target utilization. */
export function instancesFor(demand: number, maxConcurrentPerInstance: number, targetUtilizationPercent: number): number {
  if (demand <= 0) return 0;
  // Percent arithmetic in whole numbers first: 7 / 0.7 is 10.000000000000002 in floating point.
  const exact = (demand * 100) / (maxConcurrentPerInstance * targetUtilizationPercent);
  return Math.ceil(exact - 1e-9);
}

function checkSettings(input: ScaleInput): void {
  const problems: string[] = [];
  if (!Number.isInteger(input.min) || input.min < 0) problems.push(`min_instances must be a whole number of 0 or more, not ${input.min}`);
  if (!Number.isInteger(input.max) || input.max < Math.max(1, input.min)) {
    problems.push(`max_instances must be a whole number of at least 1 and at least min_instances (${input.min}), not ${input.max}`);
  }
  if (!(input.targetUtilizationPercent > 0 && input.targetUtilizationPercent <= 100)) {
    problems.push(`target_utilization_percentage must be more than 0 and at most 100, not ${input.targetUtilizationPercent}`);
  }
  if (!Number.isInteger(input.maxConcurrentPerInstance) || input.maxConcurrentPerInstance < 1) {
    problems.push(`max_concurrent_requests_per_instance must be a whole number of at least 1, not ${input.maxConcurrentPerInstance}`);
  }
  if (!Number.isInteger(input.current) || input.current < 0)
    problems.push(`the current instance count must be a whole number of 0 or more, not ${input.current}`);
  if (problems.length > 0) throw new TrellisError('InvalidScaleSettings', 422, `the scale settings cannot be used: ${problems.join('; ')}`);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
