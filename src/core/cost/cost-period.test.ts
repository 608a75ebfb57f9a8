import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError, type TrellisError } from '../errors.js';
import { parseCostPeriod } from './cost-period.js';

const at = (iso: string) => Date.parse(iso);
const now = at('2026-01-15T12:00:00Z');

describe('cost period', () => {
  it('is this month to now by default', () => {
    assert.deepEqual(parseCostPeriod({}, now), { from: at('2026-01-01T00:00:00Z'), to: now });
  });

  it('includes the whole day or month that --to names; an instant is exclusive', () => {
    assert.deepEqual(parseCostPeriod({ from: '2025-12-01', to: '2025-12-31' }, now), {
      from: at('2025-12-01T00:00:00Z'),
      to: at('2026-01-01T00:00:00Z'),
    });
    assert.deepEqual(parseCostPeriod({ from: '2025-11', to: '2025-12' }, now), {
      from: at('2025-11-01T00:00:00Z'),
      to: at('2026-01-01T00:00:00Z'),
    });
    assert.deepEqual(parseCostPeriod({ from: '2026-01-02T10:00:00+01:00', to: '2026-01-03T00:00:00Z' }, now), {
      from: at('2026-01-02T09:00:00Z'),
      to: at('2026-01-03T00:00:00Z'),
    });
  });

  it('reads dates in a time zone', () => {
    assert.deepEqual(parseCostPeriod({ from: '2026-01-01', to: '2026-01-01' }, now, 'Europe/Berlin'), {
      from: at('2025-12-31T23:00:00Z'),
      to: at('2026-01-01T23:00:00Z'),
    });
  });

  it('says how to write a date, and that --from comes first', () => {
    const refusal = (text: { from?: string; to?: string }) => {
      try {
        parseCostPeriod(text, now);
      } catch (error) {
        assert.ok(isTrellisError(error));
        return [(error as TrellisError).code, (error as TrellisError).status, (error as TrellisError).message];
      }
      assert.fail('accepted');
    };
    assert.deepEqual(refusal({ from: 'last week' }), [
      'InvalidPeriod',
      400,
      "--from 'last week' is not a date: write a day (2026-01-31), a month (2026-01) or an instant with its offset (2026-01-31T12:00:00Z)",
    ]);
    assert.deepEqual(refusal({ from: '2026-02-01', to: '2026-01-01' }), [
      'InvalidPeriod',
      400,
      '--from (2026-02-01T00:00:00.000Z) must be before --to (2026-01-02T00:00:00.000Z); the period is [from, to)',
    ]);
    assert.equal(refusal({ to: '2026-13-01' })[0], 'InvalidPeriod');
  });
});
