import { findSku, type Sku, skuCatalogue } from '../compute/sku-catalogue.js';

/**
 * Sizing a deployment by measurement: from the steps of a load test (concurrency → latency,
 * throughput, CPU and memory per instance), the targets (p95 latency, requests per second) and the
 * SKU catalogue, how many instances of which size meet the target latency at the target load, and
 * why. Pure: the load test that measured the steps is controllers/serving/deployment-profiler.ts.
 */

/** One concurrency step of a load test, as measured. */
export interface MeasuredStep {
  concurrency: number;
  requests: number;
  /** Answers that were not 2xx, and requests that got no answer. */
  errors: number;
  /** Successful answers per second, all instances together. */
  throughputRps: number;
  /** Latency of the successful answers; null when there were none. */
  latencyMs: { p50: number; p95: number; p99: number } | null;
  /** CPU cores busy per instance (CPU seconds over wall seconds); null where it could not be read. */
  cpuCoresPerInstance: number | null;
  /** The largest resident memory of one instance during the step, MiB; null where it could not be read. */
  peakMemoryMiBPerInstance: number | null;
}

export interface CapacityTargets {
  /** The p95 latency to stay under. */
  latencyMs: number;
  /** The load to carry, all instances together; none: size for the measured instance count. */
  requestsPerSecond?: number | undefined;
}

export interface CapacityInput {
  steps: readonly MeasuredStep[];
  /** Instances that served the load test. */
  instances: number;
  /** The deployment's instance_type now. */
  instanceType: string | undefined;
  targets: CapacityTargets;
  catalogue?: readonly Sku[];
}

export interface TargetUtilizationSettings {
  type: 'target_utilization';
  min_instances: number;
  max_instances: number;
  target_utilization_percentage: number;
}

export interface CapacityRecommendation {
  isTargetMet: boolean;
  /** Successful answers per second one instance sustained with p95 under the target; null if no step did. */
  sustainableRpsPerInstance: number | null;
  /** The concurrency of the step that sustained it. */
  atConcurrency: number | null;
  instanceType: string | null;
  /** instance_count for `scale_settings: {type: default}`; null when the target cannot be met. */
  instanceCount: number | null;
  /** The autoscaling alternative: the same floor, room for bursts above the target load. */
  scaleSettings: TargetUtilizationSettings | null;
  /** USD per hour of the recommendation at the dedicated price. */
  costPerHour: number | null;
  /** The reasoning, one sentence each. */
  reasons: string[];
}

/**
 * Each instance is planned at 70% of what it sustained: Azure's default
 * target_utilization_percentage, and room for a burst or a slow neighbour before latency climbs.
 */
export const plannedUtilization = 0.7;
/** A step whose errors exceed this share did not sustain its load, whatever its latency. */
export const maxErrorShare = 0.01;
/** Memory an instance's VM needs besides the model server (OS, agents), GiB. */
const systemMemoryGiB = 1;

/** The recommendation for `input`, with its reasons; a target that cannot be met says so and why. */
export function recommendCapacity(input: CapacityInput): CapacityRecommendation {
  const { targets, instances } = input;
  const catalogue = input.catalogue ?? skuCatalogue;
  const reasons: string[] = [];
  const answered = input.steps.filter((step) => step.latencyMs !== null && step.requests > 0);
  const sustaining = answered.filter((step) => step.latencyMs!.p95 <= targets.latencyMs && step.errors / step.requests <= maxErrorShare);
  const best = sustaining.reduce<MeasuredStep | undefined>(
    (top, step) => (!top || step.throughputRps > top.throughputRps ? step : top),
    undefined,
  );
  if (!best) {
    return {
      ...notMet(input),
      reasons: [whyNoStepSustained(input.steps, targets.latencyMs)],
    };
  }
  const perInstance = best.throughputRps / Math.max(1, instances);
  reasons.push(
    `one instance sustained ${round(perInstance)} requests/s with p95 ${round(best.latencyMs!.p95)} ms ≤ ${targets.latencyMs} ms (concurrency ${best.concurrency} over ${instances} instance${instances === 1 ? '' : 's'})`,
  );
  const highest = Math.max(...input.steps.map((step) => step.concurrency));
  if (best.concurrency === highest)
    reasons.push(
      `the highest concurrency measured still met the target, so an instance may sustain more: profile higher concurrency to know`,
    );

  const count =
    targets.requestsPerSecond === undefined
      ? instances
      : Math.max(1, ceilWithoutDrift(targets.requestsPerSecond / (perInstance * plannedUtilization)));
  if (targets.requestsPerSecond === undefined)
    reasons.push(`no target load was given: keeping ${instances} instance${instances === 1 ? '' : 's'}`);
  else
    reasons.push(
      `${targets.requestsPerSecond} requests/s at ${plannedUtilization * 100}% of ${round(perInstance)} per instance needs ceil(${targets.requestsPerSecond} / ${round(perInstance * plannedUtilization)}) = ${count} instance${count === 1 ? '' : 's'}; the other ${Math.round((1 - plannedUtilization) * 100)}% is headroom for bursts`,
    );

  const size = chooseSize(best, input.instanceType, catalogue, reasons);
  return {
    isTargetMet: true,
    sustainableRpsPerInstance: perInstance,
    atConcurrency: best.concurrency,
    instanceType: size?.name ?? input.instanceType ?? null,
    instanceCount: count,
    scaleSettings: {
      type: 'target_utilization',
      min_instances: count,
      max_instances: Math.max(count + 1, count * 2),
      target_utilization_percentage: plannedUtilization * 100,
    },
    costPerHour: size ? round(size.dedicatedPerHour * count, 3) : null,
    reasons,
  };
}

/**
 * The cheapest CPU size with the vCPUs and memory the instance used at the sustaining step, each
 * at the planned utilization; the current size when nothing was measured.
 */
function chooseSize(step: MeasuredStep, current: string | undefined, catalogue: readonly Sku[], reasons: string[]): Sku | undefined {
  const currentSku = current ? findSku(current) : undefined;
  if (step.cpuCoresPerInstance === null || step.peakMemoryMiBPerInstance === null) {
    reasons.push(`CPU and memory were not measured on this host: keeping instance type ${current ?? '(none)'}`);
    return currentSku;
  }
  const vcpus = Math.max(1, ceilWithoutDrift(step.cpuCoresPerInstance / plannedUtilization));
  const memoryGiB = step.peakMemoryMiBPerInstance / 1024 / plannedUtilization + systemMemoryGiB;
  const fits = catalogue
    .filter((sku) => sku.gpus === 0 && sku.vcpus >= vcpus && sku.memoryGiB >= memoryGiB)
    .sort((a, b) => a.dedicatedPerHour - b.dedicatedPerHour || a.vcpus - b.vcpus);
  // The current size wins a tie on price: no reason to move.
  const chosen = fits.find((sku) => sku.name === currentSku?.name && sku.dedicatedPerHour === fits[0]?.dedicatedPerHour) ?? fits[0];
  if (!chosen) {
    reasons.push(
      `no CPU size in the catalogue has ${vcpus} vCPUs and ${round(memoryGiB)} GiB: keeping instance type ${current ?? '(none)'}`,
    );
    return currentSku;
  }
  reasons.push(
    `an instance used ${round(step.cpuCoresPerInstance)} CPU cores and ${round(step.peakMemoryMiBPerInstance)} MiB at that load: at ${plannedUtilization * 100}% it needs ${vcpus} vCPU${vcpus === 1 ? '' : 's'} and ${round(memoryGiB)} GiB (with ${systemMemoryGiB} GiB for the system); ${chosen.name} (${chosen.vcpus} vCPUs, ${chosen.memoryGiB} GiB, $${chosen.dedicatedPerHour}/h) is the cheapest that fits${currentSku && currentSku.name !== chosen.name ? ` (now ${currentSku.name}, $${currentSku.dedicatedPerHour}/h)` : ''}`,
  );
  return chosen;
}

function notMet(input: CapacityInput): Omit<CapacityRecommendation, 'reasons'> {
  return {
    isTargetMet: false,
    sustainableRpsPerInstance: null,
    atConcurrency: null,
    instanceType: input.instanceType ?? null,
    instanceCount: null,
    scaleSettings: null,
    costPerHour: null,
  };
}

/** Why no step met the target: every request failed, or even the lowest latency was above it. */
function whyNoStepSustained(steps: readonly MeasuredStep[], targetMs: number): string {
  const answered = steps.filter((step) => step.latencyMs !== null);
  if (answered.length === 0) return 'the target cannot be met: no step had a successful answer';
  const fastest = answered.reduce((low, step) => (step.latencyMs!.p95 < low.latencyMs!.p95 ? step : low));
  if (fastest.latencyMs!.p95 <= targetMs)
    return `the target cannot be met: the steps under ${targetMs} ms p95 had more than ${maxErrorShare * 100}% errors (${fastest.errors} of ${fastest.requests} at concurrency ${fastest.concurrency})`;
  return `the target cannot be met: the lowest p95 was ${round(fastest.latencyMs!.p95)} ms (concurrency ${fastest.concurrency}), above ${targetMs} ms; more instances do not make one request faster — a faster instance, a smaller model or smaller requests can`;
}

/** 70 / (100 × 0.7) is 1.0000000000000002 in floating point: one instance, not two. */
function ceilWithoutDrift(value: number): number {
  return Math.ceil(value - 1e-9);
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
