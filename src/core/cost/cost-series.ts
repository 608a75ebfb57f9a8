import { DateTime } from 'luxon';
import { TrellisError } from '../errors.js';
import type { PriceList } from './price-list.js';
import { type CostRow, type GroupBy, summarizeCost } from './usage-cost.js';
import { type CostPeriod, type UsageInterval, zoneOf } from './usage-interval.js';

/**
 * Cost over time: the period cut into days, ISO weeks (from Monday) or calendar months, each with
 * its rows grouped as the report's are, for the studio's chart and `trellis cost show --granularity`.
 */

export const granularities = ['day', 'week', 'month'] as const;
export type Granularity = (typeof granularities)[number];

/** A --granularity value; a 400 saying what is allowed otherwise. */
export function parseGranularity(text: string): Granularity {
  const value = granularities.find((granularity) => granularity === text.trim());
  if (value) return value;
  throw new TrellisError('InvalidGranularity', 400, `--granularity must be day, week or month; got '${text}'`, {
    details: { granularity: text },
  });
}

/** One step of a series: its first day (YYYY-MM-DD), its bounds clipped to the period, and its groups (most expensive first). */
export interface CostPeriodRows {
  period: string;
  start: number;
  end: number;
  rows: CostRow[];
}

const steps = { day: { days: 1 }, week: { weeks: 1 }, month: { months: 1 } } as const;

/** The days, weeks or months from the one holding `from` up to the one holding the instant before `to`, clipped to [from, to). */
export function periodsBetween(
  from: number,
  to: number,
  granularity: Granularity,
  timeZone = 'UTC',
): Array<{ period: string; start: number; end: number }> {
  const zone = zoneOf(timeZone);
  const periods: Array<{ period: string; start: number; end: number }> = [];
  let at = DateTime.fromMillis(from, { zone }).startOf(granularity);
  while (at.toMillis() < to) {
    const next = at.plus(steps[granularity]);
    periods.push({ period: at.toISODate() ?? '', start: Math.max(at.toMillis(), from), end: Math.min(next.toMillis(), to) });
    at = next;
  }
  return periods;
}

/**
 * The cost of every day, week or month of the period up to now, grouped by one dimension: a
 * period with no usage is there with no rows, so a chart's steps are evenly spaced. The rows of
 * all periods add up to summarizeCost's over the whole period.
 */
export function costSeries(
  intervals: readonly UsageInterval[],
  options: CostPeriod & { groupBy: GroupBy; granularity: Granularity; timeZone?: string | undefined },
  priceList: PriceList,
): CostPeriodRows[] {
  const { from, now, groupBy, timeZone } = options;
  return periodsBetween(from, Math.min(options.to, now), options.granularity, timeZone).map((period) => ({
    ...period,
    rows: summarizeCost(intervals, { from: period.start, to: period.end, now, groupBy, timeZone }, priceList).rows,
  }));
}
