import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LATENCY_BUCKET_BOUNDS_MS, RequestStats, latencyBucket, percentileOf, statusClass } from './request-stats.js';

/** A deterministic pseudo-random sequence (mulberry32), for latency distributions. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function exactPercentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1]!;
}

describe('statusClass', () => {
  it('classes HTTP statuses and calls anything else failed', () => {
    assert.deepEqual([100, 200, 204, 302, 404, 429, 500, 503].map(statusClass), ['1xx', '2xx', '2xx', '3xx', '4xx', '4xx', '5xx', '5xx']);
    assert.deepEqual([0, -1, 99, 600, 200.5, Number.NaN].map(statusClass), ['failed', 'failed', 'failed', 'failed', 'failed', 'failed']);
  });
});

describe('latencyBucket', () => {
  it('puts sub-0.5 ms latencies in bucket 0 and each bound at the start of its bucket', () => {
    assert.equal(latencyBucket(0), 0);
    assert.equal(latencyBucket(0.49), 0);
    assert.equal(latencyBucket(0.5), 1);
    LATENCY_BUCKET_BOUNDS_MS.forEach((bound, index) => {
      assert.equal(latencyBucket(bound), index + 1, `bound ${bound}`);
      if (index > 0) assert.equal(latencyBucket(bound * 0.999999), index, `just under ${bound}`);
    });
  });

  it('sends anything slower than an hour to the last bucket, and NaN to the first', () => {
    assert.ok(LATENCY_BUCKET_BOUNDS_MS.at(-1)! > 3_600_000);
    assert.equal(latencyBucket(1e12), LATENCY_BUCKET_BOUNDS_MS.length);
    assert.equal(latencyBucket(Number.NaN), 0);
  });
});

describe('percentileOf', () => {
  it('is within 9.1% of the exact nearest-rank percentile over many distributions', () => {
    const random = seeded(42);
    for (let round = 0; round < 50; round += 1) {
      const stats = new RequestStats();
      const values: number[] = [];
      const scale = 1 + random() * 500;
      for (let index = 0; index < 2000; index += 1) {
        // Log-normal-ish latencies from 0.5 ms up.
        const value = 0.5 + scale * Math.exp(2 * (random() - 0.5)) * (random() < 0.02 ? 20 : 1);
        values.push(value);
        stats.observe('blue', 200, value, 1_000 + index);
      }
      const snapshot = stats.snapshot('blue', 600_000, 10_000);
      for (const [q, estimate] of [
        [0.5, snapshot.p50Ms],
        [0.9, snapshot.p90Ms],
        [0.99, snapshot.p99Ms],
      ] as const) {
        const exact = exactPercentile(values, q);
        assert.ok(Math.abs(estimate! / exact - 1) <= 0.0906, `q=${q}: estimate ${estimate} vs exact ${exact}`);
      }
      assert.equal(snapshot.maxMs, Math.max(...values));
    }
  });

  it('is exact for a single request and clamps to what was observed', () => {
    const histogram = new Array<number>(LATENCY_BUCKET_BOUNDS_MS.length + 1).fill(0);
    histogram[latencyBucket(123)] = 1;
    assert.equal(percentileOf(histogram, 1, 0.99, 123, 123), 123);
  });
});

describe('RequestStats', () => {
  it('counts requests by status class, with 5xx and failed as errors', () => {
    const stats = new RequestStats();
    for (const status of [200, 200, 200, 201, 404, 500, 503, 0]) stats.observe('green', status, 10, 5_000);
    const snapshot = stats.snapshot('green', 10_000, 5_500);
    assert.equal(snapshot.count, 8);
    assert.deepEqual(snapshot.byClass, { '1xx': 0, '2xx': 4, '3xx': 0, '4xx': 1, '5xx': 2, failed: 1 });
    assert.equal(snapshot.errors, 3);
    assert.equal(snapshot.errorRate, 3 / 8);
  });

  it('keeps deployments apart and answers zeros for one it has not seen', () => {
    const stats = new RequestStats();
    stats.observe('blue', 500, 10, 1_000);
    const green = stats.snapshot('green', 10_000, 1_500);
    assert.equal(green.count, 0);
    assert.equal(green.errorRate, 0);
    assert.equal(green.p99Ms, undefined);
    assert.equal(green.meanMs, undefined);
    assert.deepEqual(stats.deployments(), ['blue']);
  });

  it('slides: requests older than the window drop out, with slot granularity', () => {
    const stats = new RequestStats({ slotMs: 1000 });
    stats.observe('blue', 200, 10, 10_500); // slot 10
    stats.observe('blue', 200, 10, 11_200); // slot 11
    stats.observe('blue', 200, 10, 12_900); // slot 12
    assert.equal(stats.snapshot('blue', 3_000, 13_000).count, 3, 'slot 10 starts exactly at the window start');
    assert.equal(stats.snapshot('blue', 2_999, 13_000).count, 2, 'slot 10 starts before the window');
    assert.equal(stats.snapshot('blue', 999, 13_000).count, 0, 'slot 13 is empty; slot 12 starts before the window');
    assert.equal(stats.snapshot('blue', 1_000, 12_999).count, 1);
  });

  it('never counts a request from before the window (a rollout step sees only its own)', () => {
    const stats = new RequestStats();
    stats.observe('green', 500, 10, 20_300); // the previous step, same slot as the step start
    const stepStart = 20_400;
    stats.observe('green', 200, 10, 21_100);
    const snapshot = stats.snapshot('green', 25_000 - stepStart, 25_000);
    assert.equal(snapshot.count, 1);
    assert.equal(snapshot.errors, 0);
  });

  it('ignores requests recorded after `now`', () => {
    const stats = new RequestStats();
    stats.observe('blue', 200, 10, 50_000);
    assert.equal(stats.snapshot('blue', 10_000, 45_000).count, 0);
  });

  it('keeps memory bounded: a ring of slots reused as time moves on', () => {
    const stats = new RequestStats({ slotMs: 1000, maxWindowMs: 5_000 });
    for (let second = 0; second < 100; second += 1) stats.observe('blue', 200, 10, second * 1000);
    // The rings are private: read through Reflect, as a test of the layout may.
    const rings: Map<string, unknown[]> = Reflect.get(stats, 'rings');
    const ring = rings.get('blue')!;
    assert.equal(ring.length, 6);
    assert.equal(stats.snapshot('blue', 5_000, 99_500).count, 5);
  });

  it('drops a late observation older than what the ring keeps', () => {
    const stats = new RequestStats({ slotMs: 1000, maxWindowMs: 5_000 });
    stats.observe('blue', 200, 10, 100_000);
    stats.observe('blue', 500, 10, 94_000); // same ring position as 100_000, six slots older
    const snapshot = stats.snapshot('blue', 5_000, 100_500);
    assert.equal(snapshot.count, 1);
    assert.equal(snapshot.errors, 0);
  });

  it('clamps the window to maxWindowMs and reports the span covered', () => {
    const stats = new RequestStats({ slotMs: 1000, maxWindowMs: 10_000 });
    const snapshot = stats.snapshot('blue', 60_000, 100_000);
    assert.equal(snapshot.windowMs, 10_000);
  });

  it('derives rate, mean latency and average concurrency', () => {
    const stats = new RequestStats();
    for (let index = 0; index < 20; index += 1) stats.observe('blue', 200, 500, 1_000 + index * 500); // 2 per second, 0.5 s each
    const snapshot = stats.snapshot('blue', 10_000, 11_000);
    assert.equal(snapshot.windowMs, 10_000);
    assert.equal(snapshot.requestsPerSecond, 2);
    assert.equal(snapshot.meanMs, 500);
    assert.equal(snapshot.averageConcurrency, 1);
  });

  it('treats negative or non-finite latencies as 0 rather than corrupting the sums', () => {
    const stats = new RequestStats();
    stats.observe('blue', 200, -5, 1_000);
    stats.observe('blue', 200, Number.NaN, 1_000);
    const snapshot = stats.snapshot('blue', 1_000, 1_500);
    assert.equal(snapshot.meanMs, 0);
    assert.equal(snapshot.p99Ms, 0);
  });

  it('forgets a deleted deployment', () => {
    const stats = new RequestStats();
    stats.observe('blue', 200, 1, 1_000);
    stats.forget('blue');
    assert.deepEqual(stats.deployments(), []);
  });

  it('refuses a window shorter than one slot', () => {
    assert.throws(() => new RequestStats({ slotMs: 1000, maxWindowMs: 10 }), RangeError);
  });
});
