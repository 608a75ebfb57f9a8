import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clipInterval, dayOf, daysBetween, machineSeconds, splitByDay } from './usage-interval.js';

const at = (iso: string) => Date.parse(iso);

describe('usage intervals', () => {
  const january = { from: at('2026-01-01T00:00:00Z'), to: at('2026-02-01T00:00:00Z'), now: at('2026-03-01T00:00:00Z') };

  it('clips an interval to the period, cutting it at either border', () => {
    const acrossNewYear = { start: at('2025-12-31T22:00:00Z'), end: at('2026-01-01T02:00:00Z') };
    assert.deepEqual(clipInterval(acrossNewYear, january), { start: january.from, end: at('2026-01-01T02:00:00Z') });
    const acrossFebruary = { start: at('2026-01-31T23:00:00Z'), end: at('2026-02-01T01:00:00Z') };
    assert.deepEqual(clipInterval(acrossFebruary, january), { start: at('2026-01-31T23:00:00Z'), end: january.to });
    assert.equal(clipInterval({ start: at('2026-02-03T00:00:00Z'), end: at('2026-02-04T00:00:00Z') }, january), undefined);
  });

  it('ends a running interval now, and nothing after now counts', () => {
    const period = { from: at('2026-01-01T00:00:00Z'), to: at('2026-02-01T00:00:00Z'), now: at('2026-01-10T12:00:00Z') };
    assert.deepEqual(clipInterval({ start: at('2026-01-10T10:00:00Z'), end: null }, period), {
      start: at('2026-01-10T10:00:00Z'),
      end: period.now,
    });
    assert.equal(clipInterval({ start: at('2026-01-11T00:00:00Z'), end: null }, period), undefined);
  });

  it('counts machine-seconds: length times machines', () => {
    const span = { start: 0, end: 3_600_000 };
    assert.equal(machineSeconds({}, span), 3600);
    assert.equal(machineSeconds({ count: 4 }, span), 14_400);
  });

  it('splits a span at midnight, in UTC or in a time zone', () => {
    const span = { start: at('2026-01-31T22:00:00Z'), end: at('2026-02-01T03:00:00Z') };
    assert.deepEqual(
      splitByDay(span).map((piece) => [piece.day, piece.spanEnd - piece.spanStart]),
      [
        ['2026-01-31', 2 * 3_600_000],
        ['2026-02-01', 3 * 3_600_000],
      ],
    );
    // Berlin is UTC+1 in winter: its midnight is 23:00Z.
    assert.deepEqual(
      splitByDay(span, 'Europe/Berlin').map((piece) => [piece.day, piece.spanEnd - piece.spanStart]),
      [
        ['2026-01-31', 3_600_000],
        ['2026-02-01', 4 * 3_600_000],
      ],
    );
  });

  it('knows a daylight-saving day is 23 hours long', () => {
    const day = dayOf(at('2026-03-29T12:00:00Z'), 'Europe/Berlin');
    assert.equal(day.day, '2026-03-29');
    assert.equal(day.end - day.start, 23 * 3_600_000);
  });

  it('lists the days of a period', () => {
    assert.deepEqual(
      daysBetween(at('2026-01-30T12:00:00Z'), at('2026-02-02T00:00:00Z')).map((day) => day.day),
      ['2026-01-30', '2026-01-31', '2026-02-01'],
    );
  });
});
