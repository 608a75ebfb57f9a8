import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobEvent } from '../api/jobs.js';
import { countOverTime, formatNodeHours, holdingIntervals, jobNodeSeconds } from './node-timeline.js';

const event = (at: number, state: JobEvent['state']): JobEvent => ({ seq: at, at, state, reason: null });

describe('node timeline', () => {
  it('holds nodes from Preparing until the job ends or goes back to the queue', () => {
    const events = [
      event(0, 'Queued'),
      event(10, 'Preparing'),
      event(12, 'Running'),
      event(20, 'Queued'),
      event(30, 'Preparing'),
      event(31, 'Running'),
      event(40, 'Completed'),
    ];
    assert.deepEqual(holdingIntervals(events, 2), [
      { start: 10, end: 20, count: 2 },
      { start: 30, end: 40, count: 2 },
    ]);
    assert.deepEqual(holdingIntervals([event(0, 'Queued'), event(5, 'Preparing')], 1), [{ start: 5, end: undefined, count: 1 }]);
    assert.deepEqual(holdingIntervals([event(0, 'Queued'), event(5, 'Canceled')], 1), []);
  });

  it('counts overlapping intervals as steps, open ones up to now', () => {
    const series = countOverTime(
      [
        { start: 100, end: 300, count: 1 },
        { start: 200, end: undefined, count: 2 },
      ],
      0,
      1000,
    );
    assert.deepEqual(series.xs, [0, 99, 100, 199, 200, 299, 300, 1000]);
    assert.deepEqual(series.ys, [0, 0, 1, 1, 3, 3, 2, 2]);
  });

  it('clips to the window and draws an empty one as zero', () => {
    assert.deepEqual(countOverTime([{ start: 0, end: 50, count: 1 }], 100, 200), { xs: [100, 200], ys: [0, 0] });
    assert.deepEqual(countOverTime([{ start: 50, end: undefined, count: 1 }], 100, 200), { xs: [100, 200], ys: [1, 1] });
  });

  it('writes node-hours with four decimals, as the CLI does', () => {
    assert.equal(formatNodeHours(36), '0.0100');
  });
});

describe('jobNodeSeconds', () => {
  it("adds the running attempt's nodes since it started to what the server recorded", () => {
    const base = { nodeSeconds: 10, startedAt: 1_000, endedAt: null, instanceCount: 2 };
    assert.equal(jobNodeSeconds({ ...base, state: 'Running' }, 6_000), 10 + 5 * 2);
    assert.equal(jobNodeSeconds({ ...base, state: 'Completed', endedAt: 6_000 }, 60_000), 10);
    assert.equal(jobNodeSeconds({ ...base, state: 'Queued', startedAt: null }, 60_000), 10);
  });
});
