import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestStats } from './request-stats.js';
import { secondsSeries } from './stats-series.js';

describe('secondsSeries', () => {
  const start = 1_700_000_000_000;

  it('gives one point per second, oldest first, each counting only its own second', () => {
    const stats = new RequestStats();
    stats.observe('d', 200, 10, start + 100);
    stats.observe('d', 200, 20, start + 900);
    stats.observe('d', 503, 30, start + 1_000);
    stats.observe('d', 404, 5, start + 2_999);
    const points = secondsSeries(stats, 'd', 4, start + 2_999);
    assert.deepEqual(
      points.map((point) => point.at),
      [start - 1_000, start, start + 1_000, start + 2_000],
    );
    assert.deepEqual(
      points.map((point) => point.requests),
      [0, 2, 1, 1],
    );
    assert.deepEqual(points[2]!.errors, { '4xx': 0, '5xx': 1, failed: 0 });
    assert.deepEqual(points[3]!.errors, { '4xx': 1, '5xx': 0, failed: 0 });
    assert.equal(points[0]!.p50Ms, null);
    assert.equal(points[2]!.p99Ms, 30);
    assert.ok(points[1]!.p50Ms! >= 10 && points[1]!.p99Ms! <= 20);
  });

  it('counts the partly filled current second, and busy time as the in-flight average', () => {
    const stats = new RequestStats();
    stats.observe('d', 200, 500, start + 10);
    stats.observe('d', 200, 500, start + 20);
    const [point] = secondsSeries(stats, 'd', 1, start + 30);
    assert.equal(point!.requests, 2);
    assert.equal(point!.inFlight, 1);
  });

  it('answers zeros for a deployment that had no requests', () => {
    const points = secondsSeries(new RequestStats(), 'none', 3, start);
    assert.equal(points.length, 3);
    assert.ok(points.every((point) => point.requests === 0 && point.p99Ms === null && point.inFlight === 0));
  });
});
