import { nextFirings } from '../schedules/next-firing.js';
import type { Trigger } from '../schedules/trigger.js';

const minute = 60_000;
const units = { minute, hour: 60 * minute, day: 24 * 60 * minute, week: 7 * 24 * 60 * minute, month: 30 * 24 * 60 * minute };

/**
 * How much production data one run of a monitor looks at when its signals name no window: one
 * period of its trigger. A recurrence's period is its interval (a month counted as 30 days); a
 * cron's is the shortest gap between its next firings from a fixed Monday, so "at 3:15 every day"
 * is a day and "every 5 minutes on weekdays" is five minutes.
 */
export function monitorPeriodMs(trigger: Trigger): number {
  if (trigger.type === 'recurrence') return trigger.interval * units[trigger.frequency];
  const from = Date.UTC(2024, 0, 1);
  const firings = nextFirings({ ...trigger, start_time: undefined, end_time: undefined }, from, from, 8);
  let shortest = Number.POSITIVE_INFINITY;
  for (let index = 1; index < firings.length; index += 1) shortest = Math.min(shortest, firings[index]! - firings[index - 1]!);
  return Number.isFinite(shortest) ? shortest : units.day;
}
