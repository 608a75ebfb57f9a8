import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latestAppliedInterval, type PolicyTiming } from './policy-timing.js';

/** The latest applied interval after 1, 2, ... `upTo` reports. */
function latestAfterEachReport(timing: PolicyTiming, upTo: number): Array<number | null> {
  return Array.from({ length: upTo }, (_, index) => latestAppliedInterval(timing, index + 1));
}

describe('when a policy applies', () => {
  it('applies at every report from delay_evaluation on with evaluation_interval 1 (Azure: interval 1, delay 5 starts at 5)', () => {
    assert.deepEqual(latestAfterEachReport({ evaluation_interval: 1, delay_evaluation: 5 }, 7), [null, null, null, null, 5, 6, 7]);
  });

  it('applies at the multiples of evaluation_interval that are at least delay_evaluation (interval 2, delay 5: 6, 8, ...)', () => {
    assert.deepEqual(latestAfterEachReport({ evaluation_interval: 2, delay_evaluation: 5 }, 9), [null, null, null, null, null, 6, 6, 8, 8]);
  });

  it('first applies at interval 200 with interval 100 and delay 200 (Azure’s example)', () => {
    const timing = { evaluation_interval: 100, delay_evaluation: 200 };
    assert.equal(latestAppliedInterval(timing, 199), null);
    assert.equal(latestAppliedInterval(timing, 200), 200);
    assert.equal(latestAppliedInterval(timing, 299), 200);
    assert.equal(latestAppliedInterval(timing, 300), 300);
  });

  it('applies at every report when both are absent or 0, and never before the first report', () => {
    assert.deepEqual(latestAfterEachReport({}, 3), [1, 2, 3]);
    assert.deepEqual(latestAfterEachReport({ evaluation_interval: 0, delay_evaluation: 0 }, 3), [1, 2, 3]);
    assert.equal(latestAppliedInterval({}, 0), null);
  });

  it('applies at multiples of evaluation_interval without a delay', () => {
    assert.deepEqual(latestAfterEachReport({ evaluation_interval: 3 }, 7), [null, null, 3, 3, 3, 6, 6]);
  });
});
