import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobEvent } from './job.js';
import type { JobState } from './job-lifecycle.js';
import { runningTimeOf } from './running-time.js';

function history(...steps: Array<[number, JobState]>): JobEvent[] {
  return steps.map(([at, state], index) => ({ seq: index + 1, at, state, reason: null }));
}

describe('runningTimeOf', () => {
  it('adds up both attempts of an evicted and resumed job, not the last one alone', () => {
    const events = history(
      [0, 'Queued'],
      [100, 'Preparing'],
      [1_000, 'Running'],
      [14_800, 'Queued'],
      [15_000, 'Preparing'],
      [16_000, 'Running'],
      [18_000, 'Finalizing'],
      [18_200, 'Completed'],
    );
    const time = runningTimeOf(events, 99_999);
    assert.equal(time.seconds, 16);
    assert.deepEqual(time.attempts, [
      { attempt: 1, startedAt: 1_000, endedAt: 14_800, seconds: 13.8, endedAs: 'Queued' },
      { attempt: 2, startedAt: 16_000, endedAt: 18_200, seconds: 2.2, endedAs: 'Completed' },
    ]);
  });

  it('counts a running attempt up to now, and nothing for a job that never ran', () => {
    assert.deepEqual(runningTimeOf(history([0, 'Queued'], [10, 'Preparing'], [2_000, 'Running']), 5_000), {
      seconds: 3,
      attempts: [{ attempt: 1, startedAt: 2_000, endedAt: null, seconds: 3, endedAs: null }],
    });
    assert.deepEqual(runningTimeOf(history([0, 'Queued'], [10, 'Preparing'], [20, 'Failed']), 5_000), { seconds: 0, attempts: [] });
    assert.deepEqual(runningTimeOf(history([0, 'Queued'], [10, 'Canceled']), 5_000), { seconds: 0, attempts: [] });
  });

  it('ends an attempt at cancel or failure, and ignores a repeated Running event', () => {
    const events = history([0, 'Queued'], [10, 'Preparing'], [1_000, 'Running'], [1_500, 'Running'], [4_000, 'Canceled']);
    assert.deepEqual(runningTimeOf(events, 10_000).attempts, [
      { attempt: 1, startedAt: 1_000, endedAt: 4_000, seconds: 3, endedAs: 'Canceled' },
    ]);
  });
});
