import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runningSpans } from './job-running-spans.js';

describe('job running spans', () => {
  it('gives one span per attempt, from Running to the state after it', () => {
    const events = [
      { at: 1, state: 'Queued' },
      { at: 2, state: 'Preparing' },
      { at: 3, state: 'Running' },
      // Evicted, requeued, run again.
      { at: 10, state: 'Queued' },
      { at: 12, state: 'Preparing' },
      { at: 13, state: 'Running' },
      { at: 20, state: 'Finalizing' },
      { at: 21, state: 'Completed' },
    ];
    assert.deepEqual(runningSpans(events), [
      { start: 3, end: 10 },
      { start: 13, end: 20 },
    ]);
  });

  it('leaves the span of a job still running open', () => {
    assert.deepEqual(runningSpans([{ at: 5, state: 'Running' }]), [{ start: 5, end: null }]);
    assert.deepEqual(runningSpans([{ at: 5, state: 'Queued' }]), []);
  });
});
