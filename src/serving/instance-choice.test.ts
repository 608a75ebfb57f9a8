import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseInstance } from './instance-choice.js';

const load = (inFlight: number) => inFlight;

describe('chooseInstance', () => {
  it('picks the least-loaded instance with a free slot', () => {
    assert.equal(chooseInstance([3, 1, 2], load, 4), 1);
    assert.equal(chooseInstance([4, 4, 3], load, 4), 2);
    assert.equal(
      chooseInstance([{ calls: 2 }, { calls: 0 }], (item) => item.calls, 4),
      1,
    );
  });

  it('answers -1 when every instance is full, or there is none', () => {
    assert.equal(chooseInstance([2, 2], load, 2), -1);
    assert.equal(chooseInstance([], load, 2), -1);
  });

  it('breaks ties from startAt on, so equal load goes round-robin', () => {
    assert.equal(chooseInstance([0, 0, 0], load, 1, 0), 0);
    assert.equal(chooseInstance([0, 0, 0], load, 1, 1), 1);
    assert.equal(chooseInstance([0, 0, 0], load, 1, 5), 2);
    assert.equal(chooseInstance([1, 2, 1], load, 3, 1), 2);
  });
});
