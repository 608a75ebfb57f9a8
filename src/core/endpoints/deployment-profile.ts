import type { CapacityRecommendation, MeasuredStep } from './capacity-recommendation.js';

/**
 * A profile of an online deployment: a load test in concurrency steps, what each step measured,
 * and the sizing recommended from it. Kept with the deployment (the deployment_profiles table).
 */
export type ProfileState = 'Running' | 'Succeeded' | 'Failed';

export interface ProfileSettings {
  /** Concurrent requests in flight, one step each, in this order. */
  concurrency: number[];
  durationSeconds: number;
  /** The p95 latency to stay under. */
  targetLatencyMs: number;
  targetRps: number | null;
}

/** A step as measured, with what the recommendation does not need but a reader does. */
export interface ProfileStep extends MeasuredStep {
  durationMs: number;
  /** Answers by HTTP status; '0': no answer. */
  statuses: Record<string, number>;
}

export interface DeploymentProfile {
  id: string;
  workspace: string;
  endpoint: string;
  deployment: string;
  state: ProfileState;
  /** Why it failed, in words. */
  error: string | null;
  settings: ProfileSettings;
  instanceType: string | null;
  /** Instances that served the load. */
  instances: number;
  steps: ProfileStep[];
  recommendation: CapacityRecommendation | null;
  startedBy: string;
  startedAt: number;
  finishedAt: number | null;
}

/** The numbers of one step from its answers ([sentAt, answeredAt, status] each) and its length. */
export function summarizeStep(
  concurrency: number,
  answers: ReadonlyArray<readonly [number, number, number, ...number[]]>,
  durationMs: number,
): Omit<ProfileStep, 'cpuCoresPerInstance' | 'peakMemoryMiBPerInstance'> {
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  for (const [sentAt, answeredAt, status] of answers) {
    statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
    if (status >= 200 && status < 300) latencies.push(answeredAt - sentAt);
  }
  latencies.sort((a, b) => a - b);
  // Nearest rank: the smallest latency that at least p% of the answers had.
  const percentile = (p: number) => latencies[Math.max(0, Math.ceil((latencies.length * p) / 100) - 1)]!;
  return {
    concurrency,
    durationMs,
    requests: answers.length,
    errors: answers.length - latencies.length,
    statuses,
    throughputRps: Math.round((latencies.length * 1000 * 10) / Math.max(1, durationMs)) / 10,
    latencyMs: latencies.length === 0 ? null : { p50: percentile(50), p95: percentile(95), p99: percentile(99) },
  };
}
