import { DateTime } from 'luxon';
import { zoneOf } from './usage-interval.js';

const day = 86_400_000;

/** The calendar month holding `now` in `timeZone` (IANA or Windows name): [start, end) in ms. */
export function monthWindow(now: number, timeZone = 'UTC'): { start: number; end: number } {
  const start = DateTime.fromMillis(now, { zone: zoneOf(timeZone) }).startOf('month');
  return { start: start.toMillis(), end: start.plus({ months: 1 }).toMillis() };
}

export interface MonthForecast {
  /** Spend projected for the whole month. */
  forecast: number;
  /** The rate projected, per 24 hours. */
  dailyRate: number;
  /** trailing-7-days: the rate of the last seven days (fewer if the series is shorter); month-to-date: the month's average. */
  basis: 'trailing-7-days' | 'month-to-date';
}

/**
 * The month's spend at its end if it goes on as lately: spent so far plus the recent rate times
 * the time left. The rate is the cost of the trailing seven days (from the start of the day six
 * days back to now, reaching into last month early in a month) over their length, so a team that
 * just scaled up or down is forecast at its new pace, not at its month average; when the series
 * holds less than an hour of that window, the month-to-date average is used. `dailySeries` is
 * costByDay's output (any days; only those in the window count) in the budget's time zone.
 */
export function forecastMonthEnd(
  spentSoFar: number,
  dailySeries: ReadonlyArray<{ start: number; cost: number }>,
  now: number,
  timeZone = 'UTC',
): MonthForecast {
  const month = monthWindow(now, timeZone);
  const remaining = Math.max(0, month.end - now);
  const sevenDaysStart = DateTime.fromMillis(now, { zone: zoneOf(timeZone) })
    .startOf('day')
    .minus({ days: 6 })
    .toMillis();
  const inWindow = dailySeries.filter((point) => point.start >= sevenDaysStart && point.start < now);
  const firstKnown = Math.min(...dailySeries.map((point) => point.start));
  const windowStart = Math.max(sevenDaysStart, firstKnown);
  if (inWindow.length > 0 && now - windowStart >= 3_600_000) {
    const dailyRate = (inWindow.reduce((sum, point) => sum + point.cost, 0) / (now - windowStart)) * day;
    return { forecast: spentSoFar + (dailyRate * remaining) / day, dailyRate, basis: 'trailing-7-days' };
  }
  const elapsed = now - month.start;
  const dailyRate = elapsed > 0 ? (spentSoFar / elapsed) * day : 0;
  return { forecast: spentSoFar + (dailyRate * remaining) / day, dailyRate, basis: 'month-to-date' };
}
