import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSlurmDuration, slurmTimeLimit } from './time-limit.js';

describe('slurmTimeLimit', () => {
  it('is the timeout plus the grace period, rounded up to whole minutes', () => {
    assert.equal(slurmTimeLimit(3600, 30), '0-01:01:00');
    assert.equal(slurmTimeLimit(3570, 30), '0-01:00:00');
    assert.equal(slurmTimeLimit(5, 10), '0-00:01:00');
    assert.equal(slurmTimeLimit(51, 10), '0-00:02:00');
    assert.equal(slurmTimeLimit(59.5, 0), '0-00:01:00');
    assert.equal(slurmTimeLimit(2 * 86400, 0), '2-00:00:00');
  });

  it('refuses a timeout that is not positive and a negative grace period', () => {
    assert.throws(() => slurmTimeLimit(0, 10), /positive/);
    assert.throws(() => slurmTimeLimit(10, -1), /grace/);
  });
});

describe('formatSlurmDuration', () => {
  it('writes D-HH:MM:SS', () => {
    assert.equal(formatSlurmDuration(1), '0-00:01:00');
    assert.equal(formatSlurmDuration(61), '0-01:01:00');
    assert.equal(formatSlurmDuration(1530), '1-01:30:00');
    assert.equal(formatSlurmDuration(14 * 1440), '14-00:00:00');
  });

  it('refuses a fraction of a minute', () => {
    assert.throws(() => formatSlurmDuration(1.5), /whole/);
  });
});
