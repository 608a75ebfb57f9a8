import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evenlySpacedIndices, sampleSteps } from './sample-steps.js';

describe('sampleSteps', () => {
  it('returns every step when there are no more than asked for', () => {
    assert.deepEqual(
      sampleSteps(
        [
          [0, 1, 2],
          [2, 3],
        ],
        10,
      ),
      [0, 1, 2, 3],
    );
  });

  it('spreads the sample over the range and keeps the last step', () => {
    const steps = Array.from({ length: 100 }, (_, i) => i);
    assert.deepEqual(sampleSteps([steps], 4), [0, 25, 50, 75, 99]);
  });

  it("keeps each run's first and last step inside the range, even off the sampling grid", () => {
    const long = Array.from({ length: 100 }, (_, i) => i * 2);
    const short = [7, 33];
    const sample = sampleSteps([long, short], 5);
    assert.ok(sample.includes(7) && sample.includes(33) && sample.includes(0) && sample.includes(198));
    assert.ok(sample.length <= 5 + 1 + 2);
  });

  it('samples only inside [start, end]', () => {
    const steps = Array.from({ length: 50 }, (_, i) => i);
    const sample = sampleSteps([steps], 3, { start: 10, end: 20 });
    assert.ok(sample.every((step) => step >= 10 && step <= 20));
    assert.equal(sample.at(-1), 20);
    assert.equal(sample[0], 10);
  });

  it('has nothing to sample for runs without the metric', () => {
    assert.deepEqual(sampleSteps([[], []], 10), []);
  });
});

describe('evenlySpacedIndices', () => {
  it('includes the first and last index and rounds halves to even as Python does', () => {
    assert.deepEqual(evenlySpacedIndices(10, 4), [0, 3, 6, 9]);
    assert.deepEqual(evenlySpacedIndices(6, 5), [0, 1, 2, 4, 5]);
    assert.deepEqual(evenlySpacedIndices(3, 10), [0, 1, 2]);
    assert.deepEqual(evenlySpacedIndices(5, 1), [4]);
    assert.deepEqual(evenlySpacedIndices(0, 3), []);
  });
});
