import { DateTime } from 'luxon';
import { TrellisError } from '../errors.js';
import { zoneOf } from './usage-interval.js';

/**
 * `--from` and `--to` of `trellis cost show`: a date (2026-01-31), a month (2026-01) or an
 * instant with an offset (2026-01-31T12:00:00Z). A date or month in --to includes that whole day
 * or month, as people read "to 31 January"; an instant is exclusive. Dates are read in
 * `timeZone` (UTC by default). Without --from: the start of this month; without --to: now.
 */
export function parseCostPeriod(
  text: { from?: string | undefined; to?: string | undefined },
  now: number,
  timeZone = 'UTC',
): { from: number; to: number } {
  const zone = zoneOf(timeZone);
  const from =
    text.from === undefined
      ? DateTime.fromMillis(now, { zone }).startOf('month').toMillis()
      : readInstant('--from', text.from, zone, 'start');
  const to = text.to === undefined ? now : readInstant('--to', text.to, zone, 'end');
  if (from >= to)
    throw new TrellisError(
      'InvalidPeriod',
      400,
      `--from (${new Date(from).toISOString()}) must be before --to (${new Date(to).toISOString()}); the period is [from, to)`,
    );
  return { from, to };
}

function readInstant(flag: string, text: string, zone: string, bound: 'start' | 'end'): number {
  const value = text.trim();
  const month = /^\d{4}-\d{2}$/.test(value) ? DateTime.fromISO(`${value}-01`, { zone }) : undefined;
  if (month?.isValid) return (bound === 'end' ? month.plus({ months: 1 }) : month).toMillis();
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? DateTime.fromISO(value, { zone }) : undefined;
  if (date?.isValid) return (bound === 'end' ? date.plus({ days: 1 }) : date).toMillis();
  const instant = /T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? DateTime.fromISO(value, { setZone: true }) : undefined;
  if (instant?.isValid) return instant.toMillis();
  throw new TrellisError(
    'InvalidPeriod',
    400,
    `${flag} '${text}' is not a date: write a day (2026-01-31), a month (2026-01) or an instant with its offset (2026-01-31T12:00:00Z)`,
  );
}
