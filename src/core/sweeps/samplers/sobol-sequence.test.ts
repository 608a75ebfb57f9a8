import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchSpaceSchema } from '../search-space.js';
import { randomStream } from './random-stream.js';
import { sobolSampler } from './sobol-sampler.js';
import { sobolDimensions, sobolPoint } from './sobol-sequence.js';

const unit = (index: number, dimensions: number) => Array.from(sobolPoint(index, dimensions), (value) => value / 2 ** 32);

describe('sobolPoint', () => {
  it('gives the first points of the unscrambled sequence (as scipy.stats.qmc.Sobol(scramble=False))', () => {
    assert.deepEqual(
      Array.from({ length: 8 }, (_, index) => unit(index, 5)),
      [
        [0, 0, 0, 0, 0],
        [0.5, 0.5, 0.5, 0.5, 0.5],
        [0.75, 0.25, 0.25, 0.25, 0.75],
        [0.25, 0.75, 0.75, 0.75, 0.25],
        [0.375, 0.375, 0.625, 0.875, 0.375],
        [0.875, 0.875, 0.125, 0.375, 0.875],
        [0.625, 0.125, 0.875, 0.625, 0.625],
        [0.125, 0.625, 0.375, 0.125, 0.125],
      ],
    );
  });

  it('matches scipy in the 40th and the last (64th) coordinate', () => {
    assert.equal(sobolDimensions, 64);
    assert.deepEqual(
      [5, 6, 7, 100, 1000].map((index) => unit(index, 64)[39]),
      [0.375, 0.625, 0.125, 0.1328125, 0.4794921875],
    );
    assert.deepEqual(
      [5, 6, 7, 100, 1000].map((index) => unit(index, 64)[63]),
      [0.625, 0.875, 0.375, 0.6484375, 0.4462890625],
    );
  });
});

describe('sobolSampler', () => {
  const space = searchSpaceSchema.parse({
    x: { type: 'uniform', min_value: 0, max_value: 1 },
    y: { type: 'uniform', min_value: 0, max_value: 1 },
  });
  const points = (seed: number, count: number) =>
    Array.from({ length: count }, (_, index) => {
      const trial = sobolSampler(space, { seed }).next(index, [])!;
      return [Number(trial.x), Number(trial.y)];
    });

  it('spreads 256 points one to each box of a 16 × 16 grid (a (0, 8, 2)-net), seeded or not', () => {
    for (const seed of [0, 1, 99]) {
      const boxes = new Set(points(seed, 256).map(([x, y]) => `${Math.floor(x! * 16)},${Math.floor(y! * 16)}`));
      assert.equal(boxes.size, 256);
    }
  });

  it('covers the square more evenly than random points: a smaller worst error over boxes at the origin', () => {
    const sobol = points(5, 128);
    const stream = randomStream(5);
    const random = Array.from({ length: 128 }, () => [stream.uniform(), stream.uniform()]);
    const discrepancy = (set: number[][]) => {
      let worst = 0;
      for (let a = 1; a <= 20; a += 1) {
        for (let b = 1; b <= 20; b += 1) {
          const inside = set.filter(([x, y]) => x! < a / 20 && y! < b / 20).length / set.length;
          worst = Math.max(worst, Math.abs(inside - (a / 20) * (b / 20)));
        }
      }
      return worst;
    };
    assert.ok(discrepancy(sobol) < 0.035, `sobol's discrepancy ${discrepancy(sobol)}`);
    assert.ok(discrepancy(sobol) < discrepancy(random) / 2, `sobol ${discrepancy(sobol)}, random ${discrepancy(random)}`);
  });

  it('is the same for a seed and differs between seeds', () => {
    assert.deepEqual(points(7, 10), points(7, 10));
    assert.notDeepEqual(points(7, 10), points(8, 10));
  });

  it('maps each coordinate through the expression (a choice by floor(u · n))', () => {
    const mixed = searchSpaceSchema.parse({
      c: { type: 'choice', values: ['a', 'b', 'c', 'd'] },
      n: { type: 'randint', upper: 8 },
      z: { type: 'normal', mu: 0, sigma: 1 },
    });
    const trials = Array.from({ length: 32 }, (_, index) => sobolSampler(mixed, { seed: 2 }).next(index, [])!);
    // Four of each choice in 16 consecutive points, and every randint value twice in 16.
    const firstSixteen = trials.slice(0, 16);
    for (const value of ['a', 'b', 'c', 'd']) assert.equal(firstSixteen.filter((trial) => trial.c === value).length, 4);
    for (let value = 0; value < 8; value += 1) assert.equal(firstSixteen.filter((trial) => trial.n === value).length, 2);
    assert.ok(trials.every((trial) => Number.isFinite(trial.z)));
  });
});
