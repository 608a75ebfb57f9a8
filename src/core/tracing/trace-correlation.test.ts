import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { npmiOf } from './trace-correlation.js';

describe('npmiOf', () => {
  // Expected values from MLflow 3.17.2's calculate_npmi_from_counts on the same counts.
  it('matches MLflow on the counts of its REST test (6 prod TOOL traces, 4 dev of which 1 TOOL)', () => {
    const result = npmiOf({ totalCount: 10, filter1Count: 6, filter2Count: 7, jointCount: 6 });
    assert.ok(result.npmi > 0.6 && result.npmi < 0.8, String(result.npmi));
    assert.ok(Math.abs(result.npmi - 0.6982322877799215) < 1e-12, String(result.npmi));
    assert.ok(Math.abs(result.npmiSmoothed - 0.5404578674731575) < 1e-12, String(result.npmiSmoothed));
  });

  it('is -1 for filters that never match together, NaN when one matches nothing, 1 when always together', () => {
    const apart = npmiOf({ totalCount: 10, filter1Count: 4, filter2Count: 6, jointCount: 0 });
    assert.equal(apart.npmi, -1);
    assert.ok(Math.abs(apart.npmiSmoothed - -0.5549272247752562) < 1e-12, String(apart.npmiSmoothed));
    assert.ok(Number.isNaN(npmiOf({ totalCount: 10, filter1Count: 0, filter2Count: 7, jointCount: 0 }).npmi));
    assert.ok(Number.isNaN(npmiOf({ totalCount: 0, filter1Count: 0, filter2Count: 0, jointCount: 0 }).npmiSmoothed));
    assert.equal(npmiOf({ totalCount: 5, filter1Count: 5, filter2Count: 5, jointCount: 5 }).npmi, 1);
  });

  it('refuses impossible counts (a joint count above either filter) with NaN', () => {
    assert.ok(Number.isNaN(npmiOf({ totalCount: 10, filter1Count: 2, filter2Count: 3, jointCount: 4 }).npmi));
  });
});
