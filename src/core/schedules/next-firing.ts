import type { IANAZone } from 'luxon';
import { DateTime } from 'luxon';
import { type DayClock, dayClock, ianaZone, resolveTimeZone, wallClock } from './time-zones.js';
import {
  type CronFields,
  type CronTrigger,
  hasOffset,
  parseCron,
  type RecurrenceTrigger,
  sortedUnique,
  type Trigger,
  weekDays,
} from './trigger.js';

/**
 * When a schedule fires. Pure: instants in, instants out (epoch milliseconds). Calendar rules
 * are applied to local dates and wall-clock times in the trigger's zone, then turned into
 * instants by dayClock (time-zones.ts), which decides daylight saving: a time in the spring-forward
 * gap fires shifted forward by the gap, a time that occurs twice fires at its first occurrence.
 * The next firing is always the smallest candidate instant after `after`, so firings never
 * repeat an instant and never go backwards, even where DST makes wall order and time order differ.
 *
 * Local dates are whole days since 1970-01-01 (a day number), so calendar steps are integer sums.
 */

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

/** How far ahead a search looks before it says "never": five years covers every leap-day cron (0 0 29 2 *). */
const horizonDays = 5 * 366;
/** A monthly recurrence whose month_days never exist (31 every 12th February) gives up after this many empty months. */
const horizonMonths = 60;

/**
 * The first firing strictly after `after`, or null when there is none: past end_time (inclusive),
 * or nothing within the search horizon. Never before start_time; `createdAt` is the start when
 * start_time is absent. A firing at the start itself counts (`after` = start - 1 finds it).
 */
export function nextFiring(trigger: Trigger, after: number, createdAt: number): number | null {
  const zone = ianaZone(zoneOf(trigger));
  const start = anchor(trigger.start_time, createdAt, zone);
  const end = trigger.end_time === undefined ? Number.POSITIVE_INFINITY : anchor(trigger.end_time, createdAt, zone).instant;
  const from = Math.max(after, start.instant - 1);
  if (from >= end) return null;
  const next = trigger.type === 'cron' ? nextCronFiring(cronFields(trigger), zone, from) : nextRecurrenceFiring(trigger, zone, start, from);
  return next !== null && next <= end ? next : null;
}

/** The next `count` firings after `after`, fewer when the schedule ends. */
export function nextFirings(trigger: Trigger, after: number, createdAt: number, count: number): number[] {
  const firings: number[] = [];
  let previous = after;
  while (firings.length < count) {
    const next = nextFiring(trigger, previous, createdAt);
    if (next === null) break;
    firings.push(next);
    previous = next;
  }
  return firings;
}

/** Firings in (from, to], at most `limit` of them (the earliest): how many slots a stopped scheduler missed. */
export function firingsBetween(trigger: Trigger, from: number, to: number, createdAt: number, limit: number): number[] {
  const firings: number[] = [];
  let previous = from;
  while (firings.length < limit) {
    const next = nextFiring(trigger, previous, createdAt);
    if (next === null || next > to) break;
    firings.push(next);
    previous = next;
  }
  return firings;
}

function zoneOf(trigger: Trigger): string {
  const resolved = resolveTimeZone(trigger.time_zone);
  // triggerSchema refuses unknown zones, so a Trigger always resolves.
  if ('problem' in resolved) throw new Error(resolved.problem);
  return resolved.zone;
}

/** A start or end: its instant and the local date and wall-clock time the recurrence repeats. */
interface Anchor {
  instant: number;
  day: number;
  msOfDay: number;
}

function anchor(timestamp: string | undefined, createdAt: number, zone: IANAZone): Anchor {
  if (timestamp === undefined) return { instant: createdAt, ...wallClock(zone, createdAt) };
  if (hasOffset(timestamp)) {
    const instant = DateTime.fromISO(timestamp, { setZone: true }).toMillis();
    return { instant, ...wallClock(zone, instant) };
  }
  // Written without an offset: the wall-clock time as written, in the trigger's zone (as Azure ML reads it).
  const wall = DateTime.fromISO(timestamp, { zone: 'UTC' }).toMillis();
  const date = Math.floor(wall / day);
  return { instant: dayClock(zone, date).instant(wall - date * day), day: date, msOfDay: wall - date * day };
}

/** A local date and the wall-clock times (ms within the day, ascending) that fire on it. */
interface FiringDay {
  day: number;
  times: readonly number[];
}

/**
 * The smallest instant after `after` among the days' times. Days come in ascending order; a
 * day's first time after `after` is its smallest unless an offset change touches the day, when
 * all its times are compared. A gap just before midnight can push a time past the next day's
 * first times, so the following calendar day is compared too.
 */
function firstInstantAfter(days: Iterable<FiringDay>, zone: IANAZone, after: number): number | null {
  let found: { day: number; instant: number } | undefined;
  for (const candidate of days) {
    if (found && candidate.day > found.day + 1) break;
    const instant = firstOnDay(dayClock(zone, candidate.day), candidate.times, after);
    if (instant !== null && (!found || instant < found.instant)) found = { day: found?.day ?? candidate.day, instant };
    // The following calendar day has been compared too.
    if (found && candidate.day > found.day) break;
  }
  return found ? found.instant : null;
}

function firstOnDay(clock: DayClock, times: readonly number[], after: number): number | null {
  if (clock.isMonotonic) {
    // Later times are later instants: binary search for the first after `after` (a minutely cron has 1440 times).
    let low = 0;
    let high = times.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (clock.instant(times[middle]!) > after) high = middle;
      else low = middle + 1;
    }
    return low < times.length ? clock.instant(times[low]!) : null;
  }
  let best: number | null = null;
  for (const time of times) {
    const instant = clock.instant(time);
    if (instant > after && (best === null || instant < best)) best = instant;
  }
  return best;
}

// --- cron ---

const parsedCrons = new Map<string, { fields: CronFields; times: number[] }>();

/** The expanded fields of a cron trigger, memoized by expression (parsing costs more than a search). */
function cronFields(trigger: CronTrigger): { fields: CronFields; times: number[] } {
  let parsed = parsedCrons.get(trigger.expression);
  if (!parsed) {
    const result = parseCron(trigger.expression);
    if ('problem' in result) throw new Error(result.problem);
    const times = result.fields.hours.flatMap((h) => result.fields.minutes.map((m) => h * hour + m * minute));
    parsed = { fields: result.fields, times: sortedUnique(times) };
    if (parsedCrons.size > 1000) parsedCrons.clear();
    parsedCrons.set(trigger.expression, parsed);
  }
  return parsed;
}

function nextCronFiring({ fields, times }: { fields: CronFields; times: number[] }, zone: IANAZone, after: number): number | null {
  // From the day before, for a gap-shifted time of yesterday that lands after `after`.
  const first = wallClock(zone, after).day - 1;
  return firstInstantAfter(cronDays(fields, times, first, first + horizonDays), zone, after);
}

/** The days from `first` to `last` whose month and day match; whole months that do not match are skipped. */
function* cronDays(fields: CronFields, times: readonly number[], first: number, last: number): Generator<FiringDay> {
  const months = new Set(fields.months);
  const daysOfMonth = new Set(fields.daysOfMonth);
  const daysOfWeek = new Set(fields.daysOfWeek);
  let current = first;
  while (current <= last) {
    const date = new Date(current * day);
    if (!months.has(date.getUTCMonth() + 1)) {
      current = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / day;
      continue;
    }
    const isDayOfMonth = daysOfMonth.has(date.getUTCDate());
    const isDayOfWeek = daysOfWeek.has(date.getUTCDay());
    // Vixie cron: with both fields restricted either one matching is enough; otherwise both must match
    // (an unrestricted field beginning with * such as */10 still only matches its own values).
    const matches =
      fields.isDayOfMonthRestricted && fields.isDayOfWeekRestricted ? isDayOfMonth || isDayOfWeek : isDayOfMonth && isDayOfWeek;
    if (matches) yield { day: current, times };
    current += 1;
  }
}

// --- recurrence ---

function nextRecurrenceFiring(trigger: RecurrenceTrigger, zone: IANAZone, start: Anchor, after: number): number | null {
  const frequency = trigger.frequency;
  if (frequency === 'minute' || frequency === 'hour') {
    // Every N minutes or hours is elapsed time: daylight saving does not move it.
    const step = trigger.interval * (frequency === 'minute' ? minute : hour);
    const index = Math.max(0, Math.floor((after - start.instant) / step) + 1);
    return start.instant + index * step;
  }
  const fromDay = wallClock(zone, after).day;
  return firstInstantAfter(recurrenceDays(trigger, start, fromDay), zone, after);
}

/**
 * The firing days of a day/week/month recurrence, period by period (every interval-th day,
 * ISO week or month counted from the start's), beginning one period before the one holding `fromDay`.
 */
function* recurrenceDays(trigger: RecurrenceTrigger, start: Anchor, fromDay: number): Generator<FiringDay> {
  const { interval, schedule } = trigger;
  const times = schedule
    ? sortedUnique(schedule.hours.flatMap((h) => schedule.minutes.map((m) => h * hour + m * minute)))
    : [start.msOfDay];
  if (trigger.frequency === 'day') {
    const firstPeriod = Math.max(0, Math.floor((fromDay - start.day) / interval) - 1);
    for (let period = firstPeriod; period <= firstPeriod + Math.ceil(horizonDays / interval) + 2; period += 1) {
      yield { day: start.day + period * interval, times };
    }
    return;
  }
  if (trigger.frequency === 'week') {
    const startMonday = start.day - isoWeekday(start.day);
    // Without week_days, the start's weekday repeats.
    const offsets = schedule?.week_days
      ? sortedUnique(schedule.week_days.map((weekDay) => weekDays.indexOf(weekDay)))
      : [isoWeekday(start.day)];
    const firstPeriod = Math.max(0, Math.floor((fromDay - startMonday) / (7 * interval)) - 1);
    for (let period = firstPeriod; period <= firstPeriod + Math.ceil(horizonDays / 7 / interval) + 2; period += 1) {
      for (const offset of offsets) yield { day: startMonday + period * 7 * interval + offset, times };
    }
    return;
  }
  const startDate = new Date(start.day * day);
  const startMonth = startDate.getUTCFullYear() * 12 + startDate.getUTCMonth();
  const fromDate = new Date(fromDay * day);
  const fromMonth = fromDate.getUTCFullYear() * 12 + fromDate.getUTCMonth();
  const firstPeriod = Math.max(0, Math.floor((fromMonth - startMonth) / interval) - 1);
  for (let period = firstPeriod; period <= firstPeriod + Math.max(3, Math.ceil(horizonMonths / interval)); period += 1) {
    const month = startMonth + period * interval;
    const monthStart = Date.UTC(Math.floor(month / 12), month % 12, 1) / day;
    const length = daysInMonth(month);
    // Without month_days the start's day repeats, clamped to a short month's last day (the 31st fires on 30 April)
    // as luxon's plus({ months }) does, so a monthly schedule never skips a month; listed month_days that a month
    // lacks are skipped instead, since the user named that day.
    const monthDays = schedule?.month_days
      ? sortedUnique(schedule.month_days).filter((monthDay) => monthDay <= length)
      : [Math.min(startDate.getUTCDate(), length)];
    for (const monthDay of monthDays) yield { day: monthStart + monthDay - 1, times };
  }
}

/** 0 = Monday … 6 = Sunday (ISO weeks start on Monday). */
function isoWeekday(dayNumber: number): number {
  // 1970-01-01 was a Thursday.
  return (((dayNumber + 3) % 7) + 7) % 7;
}

/** Days in a month counted as year * 12 + zero-based month. */
function daysInMonth(month: number): number {
  return new Date(Date.UTC(Math.floor(month / 12), (month % 12) + 1, 0)).getUTCDate();
}
