import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forecastMonthEnd, monthWindow } from './month-forecast.js';

const at = (iso: string) => Date.parse(iso);
const day = 86_400_000;

describe('month forecast', () => {
  it('knows the month around now, in UTC or a time zone', () => {
    assert.deepEqual(monthWindow(at('2026-02-14T12:00:00Z')), { start: at('2026-02-01T00:00:00Z'), end: at('2026-03-01T00:00:00Z') });
    // 23:30Z on 31 January is already February in Berlin.
    assert.deepEqual(monthWindow(at('2026-01-31T23:30:00Z'), 'Europe/Berlin'), {
      start: at('2026-01-31T23:00:00Z'),
      end: at('2026-02-28T23:00:00Z'),
    });
  });

  it('goes on at the rate of the last seven days', () => {
    // February (28 days): 10 a day for the first 7 days, then 20 a day; now is the 14th at midnight.
    const now = at('2026-02-14T00:00:00Z');
    const series = Array.from({ length: 13 }, (_, index) => ({
      start: at('2026-02-01T00:00:00Z') + index * day,
      cost: index < 7 ? 10 : 20,
    }));
    // The trailing window starts six days before today (the 8th) and ends now: 6 days at 20 a day.
    const spent = 7 * 10 + 6 * 20;
    const forecast = forecastMonthEnd(spent, series, now);
    assert.equal(forecast.basis, 'trailing-7-days');
    assert.ok(Math.abs(forecast.dailyRate - 20) < 1e-9);
    assert.ok(Math.abs(forecast.forecast - (spent + 15 * 20)) < 1e-9);
  });

  it('uses the days it has when the series is shorter, and the month average without one', () => {
    const now = at('2026-02-03T12:00:00Z');
    const short = forecastMonthEnd(30, [{ start: at('2026-02-02T00:00:00Z'), cost: 30 }], now);
    // 30 over the 1.5 days since the series began.
    assert.ok(Math.abs(short.dailyRate - 20) < 1e-9);
    const average = forecastMonthEnd(25, [], now);
    assert.equal(average.basis, 'month-to-date');
    assert.ok(Math.abs(average.dailyRate - 10) < 1e-9);
    assert.ok(Math.abs(average.forecast - 280) < 1e-9);
  });
});
