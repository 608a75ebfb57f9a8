import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { draw, seededNormal } from '../../../test/support/seeded-random.js';
import { emptySummary } from './feature-summary.js';
import { qualityMetric } from './quality-metrics.js';
import { summarize } from './summary-builder.js';

describe('qualityMetric', () => {
  const reference = summarize([0, 5, 10, 'a', 'b']);
  // 10 rows: 2 nulls, 4 numbers (one below, one above the reference's [0, 10]), 2 strings, a boolean, an object.
  const production = summarize([null, '', -1, 3, '7', 11, 'a', 'c', true, {}]);

  it('null_value_rate: nulls over rows', () => {
    assert.deepEqual(qualityMetric('null_value_rate', 'numerical', reference, production), { value: 0.2 });
  });

  it('data_type_error_rate: non-numbers for a numerical feature, unparsable values for a categorical one', () => {
    assert.deepEqual(qualityMetric('data_type_error_rate', 'numerical', reference, production), { value: 4 / 8 });
    assert.deepEqual(qualityMetric('data_type_error_rate', 'categorical', reference, production), { value: 1 / 8 });
  });

  it('out_of_bounds_rate: numbers outside the reference range, or categories the reference never had', () => {
    assert.deepEqual(qualityMetric('out_of_bounds_rate', 'numerical', reference, production), { value: 2 / 4 });
    // Production categories: -1, 3, 7, 11, a, c, true — only 'a' is the reference's.
    assert.deepEqual(qualityMetric('out_of_bounds_rate', 'categorical', reference, production), { value: 6 / 7 });
    assert.deepEqual(qualityMetric('out_of_bounds_rate', 'numerical', reference, summarize([0, 10, 2])), { value: 0 });
  });

  it('counts out-of-bounds values of a compressed production sketch', () => {
    const values = draw(seededNormal(3), 20_000);
    const bounded = summarize([-1, 1]);
    const expected = values.filter((value) => value < -1 || value > 1).length / values.length;
    const outcome = qualityMetric('out_of_bounds_rate', 'numerical', bounded, summarize(values));
    assert.ok(Math.abs(outcome.value! - expected) < 0.002, `${outcome.value} vs ${expected}`);
  });

  it('gives null with a reason when there is nothing to take a share of', () => {
    assert.match(qualityMetric('null_value_rate', 'numerical', reference, emptySummary()).reason ?? '', /no rows/);
    assert.match(qualityMetric('data_type_error_rate', 'numerical', reference, summarize([null])).reason ?? '', /only null values/);
    assert.match(
      qualityMetric('out_of_bounds_rate', 'numerical', summarize(['a']), production).reason ?? '',
      /no numeric values to take bounds/,
    );
    assert.match(qualityMetric('out_of_bounds_rate', 'categorical', reference, summarize([null, {}])).reason ?? '', /no category values/);
    assert.equal(qualityMetric('out_of_bounds_rate', 'numerical', reference, summarize(['x'])).value, null);
  });
});
