import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { figure } from './figure.js';
import { comparableValue, isWorse, withoutFloatNoise, worstKept } from './metric-order.js';

describe('ordering metric values by the goal', () => {
  it('counts NaN as the worst value for either goal', () => {
    assert.equal(comparableValue('maximize', Number.NaN), Number.NEGATIVE_INFINITY);
    assert.equal(comparableValue('minimize', Number.NaN), Number.POSITIVE_INFINITY);
    assert.equal(comparableValue('minimize', 0.5), 0.5);
  });

  it('calls only strictly worse values worse', () => {
    assert.equal(isWorse('maximize', 0.6, 0.7), true);
    assert.equal(isWorse('maximize', 0.7, 0.7), false);
    assert.equal(isWorse('minimize', 0.7, 0.6), true);
    assert.equal(isWorse('minimize', 0.6, 0.7), false);
  });

  it('finds the keep-th best value as the bar, whatever the order given', () => {
    assert.equal(worstKept('maximize', [0.5, 0.9, 0.7, 0.8], 2), 0.8);
    assert.equal(worstKept('minimize', [0.5, 0.9, 0.7, 0.8], 2), 0.7);
    assert.throws(() => worstKept('maximize', [0.5], 2));
  });

  it('rounds float noise off computed figures, and shows figures to six significant digits', () => {
    assert.equal(withoutFloatNoise(0.8 - 0.1), 0.7);
    assert.equal(withoutFloatNoise(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
    assert.equal(figure(0.7 / 1.1), '0.636364');
    assert.equal(figure(0.7), '0.7');
    assert.equal(figure(Number.NEGATIVE_INFINITY), '-Infinity');
  });
});
