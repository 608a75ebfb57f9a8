import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drawEvictions, evictionProbability } from './simulated-eviction.js';

describe('simulated evictions', () => {
  it('never evicts at rate 0 or over no time', () => {
    assert.equal(evictionProbability(0, 60_000), 0);
    assert.equal(evictionProbability(5, 0), 0);
    assert.deepEqual(
      drawEvictions(['a', 'b'], 0, 60_000, () => 0),
      [],
    );
  });

  it('evicts with probability 1 − e^(−rate × hours)', () => {
    assert.ok(Math.abs(evictionProbability(1, 3_600_000) - (1 - Math.exp(-1))) < 1e-12);
    assert.ok(Math.abs(evictionProbability(3600, 1000) - (1 - Math.exp(-1))) < 1e-12);
  });

  it('draws each node on its own', () => {
    const draws = [0.1, 0.9, 0.5];
    let index = 0;
    // p = 1 − e^(−1) ≈ 0.632: the draws 0.1 and 0.5 evict, 0.9 does not.
    assert.deepEqual(
      drawEvictions(['a', 'b', 'c'], 1, 3_600_000, () => draws[index++]!),
      ['a', 'c'],
    );
  });

  it('at a given rate, evicts about the expected share of nodes', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const nodes = Array.from({ length: 20_000 }, (_, index) => index);
    const evicted = drawEvictions(nodes, 2, 30 * 60_000, random).length;
    const expected = nodes.length * (1 - Math.exp(-1));
    assert.ok(Math.abs(evicted - expected) < 0.03 * nodes.length, `${evicted} evicted, expected about ${expected.toFixed(0)}`);
  });
});
