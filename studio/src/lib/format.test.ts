import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatTime } from './format.js';

describe('formatTime', () => {
  // Node reads TZ again when it is set: the test runs where the local day differs from UTC's.
  const saved = process.env.TZ;
  before(() => {
    process.env.TZ = 'Asia/Tokyo';
  });
  after(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it('writes the date and the time in the same (local) time zone', () => {
    assert.equal(formatTime(Date.parse('2026-12-06T23:30:00Z')), '2026-12-07 08:30:00');
    assert.equal(formatTime(Date.parse('2026-12-06T12:00:05Z')), '2026-12-06 21:00:05');
  });

  it('writes a dash for no time', () => {
    assert.equal(formatTime(undefined), '—');
    assert.equal(formatTime(0), '—');
  });
});
