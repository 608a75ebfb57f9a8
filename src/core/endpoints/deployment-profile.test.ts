import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeStep } from './deployment-profile.js';

describe('summarizeStep', () => {
  it('counts statuses and errors, and takes nearest-rank percentiles of the successful answers only', () => {
    // 100 answers taking 1..100 ms, plus two refusals that were fast.
    const answers: Array<[number, number, number]> = Array.from({ length: 100 }, (_, index) => [1000, 1001 + index, 200]);
    answers.push([1000, 1001, 400], [1000, 1001, 0]);
    const step = summarizeStep(4, answers, 2000);
    assert.deepEqual(step.statuses, { '200': 100, '400': 1, '0': 1 });
    assert.equal(step.requests, 102);
    assert.equal(step.errors, 2);
    assert.equal(step.throughputRps, 50);
    assert.deepEqual(step.latencyMs, { p50: 50, p95: 95, p99: 99 });
  });

  it('has no latency when nothing succeeded', () => {
    assert.equal(summarizeStep(1, [[0, 5, 500]], 1000).latencyMs, null);
  });
});
