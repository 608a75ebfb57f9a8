import { CronExpressionParser } from 'cron-parser';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { closestName } from '../azureml/did-you-mean.js';
import { azureEnum, closedObject, whenMapping } from '../azureml/schema-helpers.js';
import { resolveTimeZone } from './time-zones.js';

/**
 * The `trigger` of an Azure ML schedule: `cron` (five fields, in the schedule's time zone) or
 * `recurrence` (every N minutes/hours/days/weeks/months, optionally at listed times). The values
 * are kept as written (a Windows time zone stays "Pacific Standard Time"), so a schedule reads
 * back the way it was applied; next-firing.ts resolves them when it computes.
 */

export const weekDays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type WeekDay = (typeof weekDays)[number];

const timeZoneField = z
  .string()
  .superRefine((name, context) => {
    const resolved = resolveTimeZone(name);
    if ('problem' in resolved) context.addIssue({ code: 'custom', message: resolved.problem, input: name });
  })
  .optional();

// A local date-time (read in time_zone, as Azure ML does) or one with an offset or Z.
const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

const timestampField = z
  .preprocess(
    // A YAML 1.1 reader turns an unquoted timestamp into a Date, losing how it was written: read as UTC.
    (value) => (value instanceof Date ? value.toISOString() : value),
    z.string().superRefine((text, context) => {
      if (timestampPattern.test(text) && DateTime.fromISO(text, { zone: 'UTC' }).isValid) return;
      context.addIssue({
        code: 'custom',
        message: `'${text}' is not a date-time: write it as 2022-07-10T10:00:00 (read in time_zone) or with an offset, 2022-07-10T10:00:00Z`,
        input: text,
      });
    }),
  )
  .optional();

/** True when a timestamp carries its own offset, so time_zone does not apply to it. */
export function hasOffset(timestamp: string): boolean {
  return /(Z|[+-]\d{2}:?\d{2})$/i.test(timestamp);
}

const timeFields = { time_zone: timeZoneField, start_time: timestampField, end_time: timestampField };

/** The five cron fields as numbers, in the form next-firing iterates over. */
export interface CronFields {
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  /** 0 = Sunday … 6 = Saturday (a 7 for Sunday is folded into 0). */
  daysOfWeek: number[];
  /** A field that starts with `*` counts as unrestricted (as in Vixie cron): only when both are restricted does either one match. */
  isDayOfMonthRestricted: boolean;
  isDayOfWeekRestricted: boolean;
}

// One list item of a field: *, a number or name, a range, each with an optional /step.
// Excludes cron-parser's extensions (L, W, #, H, ?) that Azure's five-field cron does not have.
const fieldPart = /^(\*|[0-9]+|[a-z]{3})(-([0-9]+|[a-z]{3}))?(\/[0-9]+)?$/i;
const fieldNames = ['minutes', 'hours', 'days of month', 'months', 'days of week'] as const;

/** The fields of a five-field cron expression, or a problem naming what to fix. Uses cron-parser to expand and check ranges. */
export function parseCron(expression: string): { fields: CronFields } | { problem: string } {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    const seconds = parts.length === 6 ? ' (seconds are not supported)' : '';
    return {
      problem: `'${expression}' has ${parts.length} field${parts.length === 1 ? '' : 's'}${seconds}; a cron expression has 5: MINUTES HOURS DAYS MONTHS DAYS-OF-WEEK, e.g. '0 * * * *'`,
    };
  }
  for (const [index, part] of parts.entries()) {
    const bad = part.split(',').find((item) => !fieldPart.test(item));
    if (bad !== undefined) {
      return {
        problem: `'${bad}' in the ${fieldNames[index]} field of '${expression}' is not supported: use numbers, names (jan, mon), lists (1,15), ranges (1-5), steps (*/15) or *`,
      };
    }
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = parts as [string, string, string, string, string];
  try {
    // Day of month parsed apart: cron-parser refuses a day no listed month has (31 in February), which
    // the schema reports in its own words and nextFiring must still be able to search (and not find).
    const { fields } = CronExpressionParser.parse(`0 ${minutes} ${hours} * ${months} ${daysOfWeek}`, { strict: false });
    const { fields: dayFields } = CronExpressionParser.parse(`0 0 0 ${daysOfMonth} * *`, { strict: false });
    const numbers = (values: readonly (number | string)[]) => values.filter((value): value is number => typeof value === 'number');
    return {
      fields: {
        minutes: numbers(fields.minute.values),
        hours: numbers(fields.hour.values),
        daysOfMonth: numbers(dayFields.dayOfMonth.values),
        months: numbers(fields.month.values),
        daysOfWeek: sortedUnique(numbers(fields.dayOfWeek.values).map((weekDay) => weekDay % 7)),
        isDayOfMonthRestricted: !daysOfMonth.startsWith('*'),
        isDayOfWeekRestricted: !daysOfWeek.startsWith('*'),
      },
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { problem: `'${expression}' is not a valid cron expression: ${reason}; the fields are MINUTES HOURS DAYS MONTHS DAYS-OF-WEEK` };
  }
}

// The most days each month can have (February in a leap year).
const longestMonths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A problem when the days of month exist in none of the months (31 in February) and no weekday rescues them. */
function neverFiresProblem(expression: string, fields: CronFields): string | undefined {
  if (!fields.isDayOfMonthRestricted || fields.isDayOfWeekRestricted) return undefined;
  const longest = Math.max(...fields.months.map((month) => longestMonths[month - 1] ?? 31));
  if (Math.min(...fields.daysOfMonth) <= longest) return undefined;
  return `'${expression}' never fires: none of its months has day ${fields.daysOfMonth.join(', ')}; check the DAYS and MONTHS fields`;
}

export const cronTriggerSchema = closedObject({
  type: z.literal('cron'),
  expression: z.string().superRefine((expression, context) => {
    const parsed = parseCron(expression);
    const problem = 'problem' in parsed ? parsed.problem : neverFiresProblem(expression, parsed.fields);
    if (problem) context.addIssue({ code: 'custom', message: problem, input: expression });
  }),
  ...timeFields,
}).superRefine(checkTimeRange, whenMapping);

/** A whole number in [min, max], with a message naming the value. A lone number stands for a one-item list. */
function listOfWholeNumbers(min: number, max: number) {
  const item = z.unknown().transform((value, context): number => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    context.addIssue({
      code: 'custom',
      message: `must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}`,
      input: value,
    });
    return z.NEVER;
  });
  return z.preprocess((value) => (typeof value === 'number' ? [value] : value), z.array(item).min(1, `list at least one value`));
}

const weekDayItem = z.unknown().transform((value, context): WeekDay => {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  const match = weekDays.find((day) => day === text || day.slice(0, 3) === text);
  if (match) return match;
  const suggestion = typeof value === 'string' ? closestName(text, weekDays) : undefined;
  const hint = suggestion ? ` (did you mean '${suggestion}'?)` : '';
  context.addIssue({
    code: 'custom',
    message: `${JSON.stringify(value)} is not a day of the week${hint}: use monday … sunday or mon … sun`,
    input: value,
  });
  return z.NEVER;
});

const recurrenceScheduleSchema = closedObject({
  hours: listOfWholeNumbers(0, 23),
  minutes: listOfWholeNumbers(0, 59),
  week_days: z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(weekDayItem).min(1)).optional(),
  month_days: listOfWholeNumbers(1, 31).optional(),
});

export const recurrenceTriggerSchema = closedObject({
  type: z.literal('recurrence'),
  frequency: azureEnum(['minute', 'hour', 'day', 'week', 'month']),
  interval: z.unknown().transform((value, context): number => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
    context.addIssue({
      code: 'custom',
      message: `must be a whole number of 1 or more (every interval-th minute, hour, day, week or month); got ${JSON.stringify(value)}`,
      input: value,
    });
    return z.NEVER;
  }),
  schedule: recurrenceScheduleSchema.optional(),
  ...timeFields,
})
  .superRefine((trigger, context) => {
    const schedule = trigger.schedule as Record<string, unknown> | undefined;
    const frequency = typeof trigger.frequency === 'string' ? trigger.frequency.toLowerCase() : undefined;
    if (!schedule || typeof schedule !== 'object' || frequency === undefined) return;
    if (frequency === 'minute' || frequency === 'hour') {
      context.addIssue({
        code: 'custom',
        path: ['schedule'],
        message: `schedule (hours, minutes, week_days, month_days) applies to frequency day, week or month, not ${frequency}; remove schedule or change the frequency`,
        input: schedule,
      });
      return;
    }
    if (schedule.week_days !== undefined && frequency !== 'week') {
      context.addIssue({
        code: 'custom',
        path: ['schedule', 'week_days'],
        message: `week_days applies only to frequency week, not ${frequency}; remove week_days or use frequency: week`,
        input: schedule.week_days,
      });
    }
    if (schedule.month_days !== undefined && frequency !== 'month') {
      context.addIssue({
        code: 'custom',
        path: ['schedule', 'month_days'],
        message: `month_days applies only to frequency month, not ${frequency}; remove month_days or use frequency: month`,
        input: schedule.month_days,
      });
    }
  }, whenMapping)
  .superRefine(checkTimeRange, whenMapping);

export const triggerSchema = z.discriminatedUnion('type', [cronTriggerSchema, recurrenceTriggerSchema], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `must be 'cron' or 'recurrence'; got ${JSON.stringify((issue.input as { type?: unknown })?.type)}`
      : undefined,
});

export type CronTrigger = z.output<typeof cronTriggerSchema>;
export type RecurrenceTrigger = z.output<typeof recurrenceTriggerSchema>;
export type Trigger = z.output<typeof triggerSchema>;

/** end_time must come after start_time; compared as instants when the zone is known, as written otherwise. */
function checkTimeRange(trigger: Record<string, unknown>, context: z.core.$RefinementCtx): void {
  const { start_time: start, end_time: end, time_zone: timeZone } = trigger;
  if (typeof start !== 'string' || typeof end !== 'string') return;
  const resolved = resolveTimeZone(typeof timeZone === 'string' ? timeZone : undefined);
  if ('problem' in resolved) return;
  const startAt = DateTime.fromISO(start, { zone: resolved.zone });
  const endAt = DateTime.fromISO(end, { zone: resolved.zone });
  if (!startAt.isValid || !endAt.isValid || endAt > startAt) return;
  context.addIssue({ code: 'custom', path: ['end_time'], message: `end_time '${end}' must be after start_time '${start}'`, input: end });
}

/** One line for CLI tables: "cron 0 * * * * (America/Los_Angeles)", "every 2 days at 04:00, 04:30 (UTC)". */
export function describeTrigger(trigger: Trigger): string {
  const resolved = resolveTimeZone(trigger.time_zone);
  const zone = 'zone' in resolved ? resolved.zone : trigger.time_zone;
  if (trigger.type === 'cron') return `cron ${trigger.expression.trim()} (${zone})`;
  const unit = trigger.interval === 1 ? trigger.frequency : `${trigger.interval} ${trigger.frequency}s`;
  const parts = [`every ${unit}`];
  const { schedule } = trigger;
  if (schedule?.week_days)
    parts.push(`on ${[...new Set(schedule.week_days)].sort((a, b) => weekDays.indexOf(a) - weekDays.indexOf(b)).join(', ')}`);
  if (schedule?.month_days) parts.push(`on day ${sortedUnique(schedule.month_days).join(', ')}`);
  if (schedule) parts.push(`at ${timesOfDay(schedule.hours, schedule.minutes)}`);
  else if (trigger.frequency !== 'minute' && trigger.frequency !== 'hour' && trigger.start_time && !hasOffset(trigger.start_time)) {
    // Without a schedule the start's wall-clock time repeats; known here only when written without an offset.
    parts.push(`at ${trigger.start_time.slice(11, 16)}`);
  }
  return `${parts.join(' ')} (${zone})`;
}

function timesOfDay(hours: readonly number[], minutes: readonly number[]): string {
  const times = sortedUnique(hours).flatMap((hour) =>
    sortedUnique(minutes).map((minute) => `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`),
  );
  return times.length <= 6 ? times.join(', ') : `${times.slice(0, 5).join(', ')}, … (${times.length} times)`;
}

/** Ascending, without repeats. */
export function sortedUnique(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}
