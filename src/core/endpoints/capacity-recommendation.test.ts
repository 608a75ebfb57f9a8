import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type MeasuredStep, recommendCapacity } from './capacity-recommendation.js';

/** A step where latency grows with concurrency, as a saturated single-threaded model server's does. */
const step = (concurrency: number, p95: number, throughputRps: number, extra: Partial<MeasuredStep> = {}): MeasuredStep => ({
  concurrency,
  requests: Math.round(throughputRps * 10),
  errors: 0,
  throughputRps,
  latencyMs: { p50: p95 * 0.8, p95, p99: p95 * 1.2 },
  cpuCoresPerInstance: 0.9,
  peakMemoryMiBPerInstance: 300,
  ...extra,
});

const steps = [step(1, 12, 90), step(2, 20, 100), step(4, 45, 100), step(8, 90, 100)];

describe('recommendCapacity', () => {
  it('sizes on the best step under the target latency, at 70% of it per instance', () => {
    const recommendation = recommendCapacity({
      steps,
      instances: 1,
      instanceType: 'Standard_DS3_v2',
      targets: { latencyMs: 50, requestsPerSecond: 350 },
    });
    assert.equal(recommendation.isTargetMet, true);
    assert.equal(recommendation.sustainableRpsPerInstance, 100);
    assert.equal(recommendation.atConcurrency, 2);
    // 350 / (100 × 0.7) = 5 exactly: no extra instance from floating-point drift.
    assert.equal(recommendation.instanceCount, 5);
    assert.deepEqual(recommendation.scaleSettings, {
      type: 'target_utilization',
      min_instances: 5,
      max_instances: 10,
      target_utilization_percentage: 70,
    });
    assert.match(recommendation.reasons.join('\n'), /ceil\(350 \/ 70\) = 5 instances/);
  });

  it('divides the throughput measured over several instances by their number', () => {
    const recommendation = recommendCapacity({
      steps,
      instances: 2,
      instanceType: undefined,
      targets: { latencyMs: 50, requestsPerSecond: 36 },
    });
    assert.equal(recommendation.sustainableRpsPerInstance, 50);
    assert.equal(recommendation.instanceCount, 2);
  });

  it('chooses the cheapest CPU size with the vCPUs and memory used, at 70%', () => {
    // 0.9 cores / 0.7 → 2 vCPUs; 300 MiB / 0.7 + 1 GiB ≈ 1.4 GiB: Standard_D2s_v3 ($0.096/h) is cheapest.
    const small = recommendCapacity({
      steps,
      instances: 1,
      instanceType: 'Standard_DS3_v2',
      targets: { latencyMs: 50, requestsPerSecond: 70 },
    });
    assert.equal(small.instanceType, 'Standard_D2s_v3');
    assert.equal(small.costPerHour, 0.096);
    // 3 cores and 20 GiB → 5 vCPUs, ~29.6 GiB: the cheapest with 8 vCPUs and 32 GiB.
    const big = recommendCapacity({
      steps: [step(1, 10, 50, { cpuCoresPerInstance: 3, peakMemoryMiBPerInstance: 20 * 1024 })],
      instances: 1,
      instanceType: 'Standard_DS3_v2',
      targets: { latencyMs: 50 },
    });
    assert.equal(big.instanceType, 'Standard_D8s_v3');
    assert.equal(big.instanceCount, 1, 'no target load: the measured instance count');
  });

  it('keeps the current size when CPU and memory were not measured', () => {
    const recommendation = recommendCapacity({
      steps: steps.map((each) => ({ ...each, cpuCoresPerInstance: null, peakMemoryMiBPerInstance: null })),
      instances: 1,
      instanceType: 'Standard_F4s_v2',
      targets: { latencyMs: 50, requestsPerSecond: 10 },
    });
    assert.equal(recommendation.instanceType, 'Standard_F4s_v2');
    assert.match(recommendation.reasons.join('\n'), /not measured/);
  });

  it('says when the highest concurrency still met the target', () => {
    const recommendation = recommendCapacity({
      steps: steps.slice(0, 2),
      instances: 1,
      instanceType: undefined,
      targets: { latencyMs: 500 },
    });
    assert.match(recommendation.reasons.join('\n'), /may sustain more/);
  });

  it('says the target cannot be met when even one request at a time is too slow', () => {
    const recommendation = recommendCapacity({
      steps,
      instances: 1,
      instanceType: 'Standard_DS3_v2',
      targets: { latencyMs: 10, requestsPerSecond: 50 },
    });
    assert.equal(recommendation.isTargetMet, false);
    assert.equal(recommendation.instanceCount, null);
    assert.equal(recommendation.scaleSettings, null);
    assert.match(recommendation.reasons[0]!, /cannot be met: the lowest p95 was 12 ms \(concurrency 1\), above 10 ms/);
  });

  it('does not count a fast step with errors, and says so', () => {
    const failing = [step(1, 5, 100, { errors: 50, requests: 1000 })];
    const recommendation = recommendCapacity({ steps: failing, instances: 1, instanceType: undefined, targets: { latencyMs: 50 } });
    assert.equal(recommendation.isTargetMet, false);
    assert.match(recommendation.reasons[0]!, /more than 1% errors \(50 of 1000/);
  });

  it('says so when no request was answered', () => {
    const recommendation = recommendCapacity({
      steps: [step(1, 5, 0, { latencyMs: null, errors: 10, requests: 10 })],
      instances: 1,
      instanceType: undefined,
      targets: { latencyMs: 50 },
    });
    assert.match(recommendation.reasons[0]!, /no step had a successful answer/);
  });
});
