import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inferFeatureType } from './feature-type.js';
import { summarize } from './summary-builder.js';

describe('inferFeatureType', () => {
  it('calls a feature numerical when at least 90% of its non-null values are numbers or numeric strings', () => {
    const mostlyNumbers = [...Array.from({ length: 9 }, (_, index) => String(index)), 'n/a', null, null];
    assert.equal(inferFeatureType(summarize(mostlyNumbers)), 'numerical');
    assert.equal(inferFeatureType(summarize([0, 1, 2, 1, 0])), 'numerical');
  });

  it('calls it categorical below 90%, for booleans, and when there are no values at all', () => {
    assert.equal(inferFeatureType(summarize([1, 2, 3, 4, 5, 6, 7, 8, 'a', 'b'])), 'categorical');
    assert.equal(inferFeatureType(summarize([true, false])), 'categorical');
    assert.equal(inferFeatureType(summarize([null, null])), 'categorical');
  });
});
