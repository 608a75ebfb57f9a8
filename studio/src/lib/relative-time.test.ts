import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRelative } from './relative-time.js';

const now = Date.parse('2026-01-01T12:00:00Z');
const minute = 60_000;

describe('formatRelative', () => {
  it('says minutes, hours and days ahead, rounded down', () => {
    assert.equal(formatRelative(now + 12 * minute + 59_000, now), 'in 12 min');
    assert.equal(formatRelative(now + 60 * minute, now), 'in 1 h');
    assert.equal(formatRelative(now + 95 * minute, now), 'in 1 h 35 min');
    assert.equal(formatRelative(now + (2 * 1440 + 4 * 60 + 30) * minute, now), 'in 2 d 4 h');
    assert.equal(formatRelative(now + 1440 * minute, now), 'in 1 d');
  });

  it('says how long ago for the past, and now within a minute', () => {
    assert.equal(formatRelative(now - 3 * 60 * minute, now), '3 h ago');
    assert.equal(formatRelative(now - 5 * minute, now), '5 min ago');
    assert.equal(formatRelative(now + 59_000, now), 'now');
    assert.equal(formatRelative(now - 59_000, now), 'now');
  });
});
