import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import { firingsBetween, nextFiring, nextFirings } from './next-firing.js';
import { type Trigger, triggerSchema } from './trigger.js';

// Instants are written as ISO strings with their offset, so each expectation can be checked by eye.
const at = (iso: string) => {
  const instant = Date.parse(iso);
  assert.ok(Number.isFinite(instant), iso);
  return instant;
};

/** The next `count` firings after `after`, as ISO strings in `zone` (the trigger's own by default). */
function firings(trigger: unknown, after: string, count: number, options: { createdAt?: string; zone?: string } = {}): string[] {
  const parsed = triggerSchema.parse(trigger);
  const zone = options.zone ?? (typeof parsed.time_zone === 'string' && parsed.time_zone.includes('/') ? parsed.time_zone : 'UTC');
  const createdAt = at(options.createdAt ?? '2000-01-01T00:00:00Z');
  return nextFirings(parsed, at(after), createdAt, count).map((instant) => iso(instant, zone));
}

function iso(instant: number, zone: string): string {
  return DateTime.fromMillis(instant, { zone }).toISO({ suppressMilliseconds: true })!;
}

const cron = (expression: string, extra: Record<string, unknown> = {}) => ({ type: 'cron', expression, ...extra });
const recurrence = (frequency: string, interval: number, extra: Record<string, unknown> = {}) => ({
  type: 'recurrence',
  frequency,
  interval,
  ...extra,
});

describe('cron firings', () => {
  it('fires hourly on the hour, strictly after `after`', () => {
    assert.deepEqual(firings(cron('0 * * * *'), '2026-01-01T10:15:00Z', 3), [
      '2026-01-01T11:00:00Z',
      '2026-01-01T12:00:00Z',
      '2026-01-01T13:00:00Z',
    ]);
    assert.deepEqual(firings(cron('0 * * * *'), '2026-01-01T11:00:00Z', 1), ['2026-01-01T12:00:00Z']);
  });

  it('fires daily at a wall-clock time in its zone', () => {
    assert.deepEqual(
      firings(cron('30 9 * * *', { time_zone: 'W. Europe Standard Time' }), '2026-01-01T12:00:00+01:00', 2, { zone: 'Europe/Berlin' }),
      ['2026-01-02T09:30:00+01:00', '2026-01-03T09:30:00+01:00'],
    );
  });

  it('fires on weekdays only (2026-01-02 is a Friday)', () => {
    assert.deepEqual(firings(cron('0 9 * * mon-fri'), '2026-01-02T10:00:00Z', 3), [
      '2026-01-05T09:00:00Z',
      '2026-01-06T09:00:00Z',
      '2026-01-07T09:00:00Z',
    ]);
  });

  it('expands lists and steps', () => {
    assert.deepEqual(firings(cron('0,30 8-10/2 * * *'), '2026-01-01T00:00:00Z', 5), [
      '2026-01-01T08:00:00Z',
      '2026-01-01T08:30:00Z',
      '2026-01-01T10:00:00Z',
      '2026-01-01T10:30:00Z',
      '2026-01-02T08:00:00Z',
    ]);
    assert.deepEqual(firings(cron('*/20 * * * *'), '2026-01-01T00:00:00Z', 3), [
      '2026-01-01T00:20:00Z',
      '2026-01-01T00:40:00Z',
      '2026-01-01T01:00:00Z',
    ]);
  });

  it('reads month and weekday names', () => {
    assert.deepEqual(firings(cron('0 0 1 jan,JUL *'), '2026-02-01T00:00:00Z', 3), [
      '2026-07-01T00:00:00Z',
      '2027-01-01T00:00:00Z',
      '2027-07-01T00:00:00Z',
    ]);
    // 2026-01-04 is the first Sunday of 2026.
    assert.deepEqual(firings(cron('0 12 * * sun'), '2026-01-01T00:00:00Z', 2), ['2026-01-04T12:00:00Z', '2026-01-11T12:00:00Z']);
  });

  it('fires on either the day of month or the weekday when both are restricted', () => {
    // April 2026: Fridays are the 3rd, 10th, 17th and 24th; the 13th is a Monday; May 1 is a Friday.
    assert.deepEqual(firings(cron('0 12 13 * fri'), '2026-04-01T00:00:00Z', 6), [
      '2026-04-03T12:00:00Z',
      '2026-04-10T12:00:00Z',
      '2026-04-13T12:00:00Z',
      '2026-04-17T12:00:00Z',
      '2026-04-24T12:00:00Z',
      '2026-05-01T12:00:00Z',
    ]);
  });

  it('needs both when one field begins with * (as Vixie cron)', () => {
    // Days 1, 11, 21, 31 that are Fridays: 2026-05-01, then 2026-07-31.
    assert.deepEqual(firings(cron('0 12 */10 * fri'), '2026-04-01T00:00:00Z', 2), ['2026-05-01T12:00:00Z', '2026-07-31T12:00:00Z']);
  });

  it('finds a yearly cron without walking minute by minute', () => {
    assert.deepEqual(firings(cron('0 0 29 2 *'), '2026-01-01T00:00:00Z', 2), ['2028-02-29T00:00:00Z', '2032-02-29T00:00:00Z']);
  });

  it('gives up on a cron that never fires after searching five years', () => {
    // triggerSchema refuses this expression; a trigger built in code still gets an answer, not a hang.
    assert.equal(nextFiring({ type: 'cron', expression: '0 0 31 2 *' }, at('2026-01-01T00:00:00Z'), 0), null);
    assert.equal(nextFiring({ type: 'cron', expression: '0 0 30 2 *', time_zone: 'Europe/London' }, at('2026-01-01T00:00:00Z'), 0), null);
  });

  it('returns every minute of a minutely cron in order', () => {
    const trigger = triggerSchema.parse(cron('* * * * *', { time_zone: 'America/New_York' }));
    const minutes = nextFirings(trigger, at('2026-03-07T12:00:00-05:00'), 0, 3000);
    assert.equal(minutes.length, 3000);
    // 3000 minutes with no gap: across the spring-forward night the clock skips an hour, time does not.
    assert.equal(minutes.at(-1)! - minutes[0]!, 2999 * 60_000);
  });
});

describe('recurrence firings', () => {
  it('fires every minute from creation when there is no start_time', () => {
    const createdAt = '2026-01-01T10:00:30Z';
    assert.deepEqual(firings(recurrence('minute', 1), '2026-01-01T10:00:29.999Z', 3, { createdAt }), [
      '2026-01-01T10:00:30Z',
      '2026-01-01T10:01:30Z',
      '2026-01-01T10:02:30Z',
    ]);
  });

  it('fires every 15 minutes counted from start_time', () => {
    assert.deepEqual(firings(recurrence('minute', 15, { start_time: '2026-01-01T10:00:00' }), '2026-01-01T10:20:00Z', 3), [
      '2026-01-01T10:30:00Z',
      '2026-01-01T10:45:00Z',
      '2026-01-01T11:00:00Z',
    ]);
  });

  it('counts hours in elapsed time, so daylight saving does not move them', () => {
    const trigger = recurrence('hour', 2, { start_time: '2026-03-08T00:00:00', time_zone: 'America/New_York' });
    assert.deepEqual(firings(trigger, '2026-03-07T00:00:00Z', 3), [
      '2026-03-08T00:00:00-05:00',
      '2026-03-08T03:00:00-04:00',
      '2026-03-08T05:00:00-04:00',
    ]);
  });

  it("lists Azure ML's example exactly: daily at hours × minutes from 10:00 on 2022-07-10, Pacific time", () => {
    const trigger = {
      type: 'recurrence',
      frequency: 'day',
      interval: 1,
      schedule: { hours: [4, 5, 10, 11, 12], minutes: [0, 30] },
      start_time: '2022-07-10T10:00:00',
      time_zone: 'Pacific Standard Time',
    };
    assert.deepEqual(firings(trigger, '2022-07-01T00:00:00Z', 12, { zone: 'America/Los_Angeles' }), [
      '2022-07-10T10:00:00-07:00',
      '2022-07-10T10:30:00-07:00',
      '2022-07-10T11:00:00-07:00',
      '2022-07-10T11:30:00-07:00',
      '2022-07-10T12:00:00-07:00',
      '2022-07-10T12:30:00-07:00',
      '2022-07-11T04:00:00-07:00',
      '2022-07-11T04:30:00-07:00',
      '2022-07-11T05:00:00-07:00',
      '2022-07-11T05:30:00-07:00',
      '2022-07-11T10:00:00-07:00',
      '2022-07-11T10:30:00-07:00',
    ]);
  });

  it('fires every interval-th day at the start time when there is no schedule', () => {
    assert.deepEqual(
      firings(recurrence('day', 3, { start_time: '2026-01-01T07:15:00', time_zone: 'Europe/Berlin' }), '2025-12-01T00:00:00Z', 3),
      ['2026-01-01T07:15:00+01:00', '2026-01-04T07:15:00+01:00', '2026-01-07T07:15:00+01:00'],
    );
  });

  it('fires on week_days of every interval-th ISO week counted from the start week', () => {
    // Starts Wednesday 2026-01-07 (week of Monday 01-05): that Monday is before the start.
    const trigger = recurrence('week', 2, {
      start_time: '2026-01-07T00:00:00',
      schedule: { hours: [9], minutes: [0], week_days: ['monday', 'thu'] },
    });
    assert.deepEqual(firings(trigger, '2026-01-01T00:00:00Z', 4), [
      '2026-01-08T09:00:00Z',
      '2026-01-19T09:00:00Z',
      '2026-01-22T09:00:00Z',
      '2026-02-02T09:00:00Z',
    ]);
  });

  it("repeats the start's weekday when week_days is absent", () => {
    const trigger = recurrence('week', 1, { start_time: '2026-01-07T00:00:00', schedule: { hours: [9], minutes: [0] } });
    assert.deepEqual(firings(trigger, '2026-01-01T00:00:00Z', 2), ['2026-01-07T09:00:00Z', '2026-01-14T09:00:00Z']);
  });

  it('skips month_days a month does not have (31 in April and June)', () => {
    const trigger = recurrence('month', 1, {
      start_time: '2026-04-01T00:00:00',
      schedule: { hours: [6], minutes: [0], month_days: [31, 15] },
    });
    assert.deepEqual(firings(trigger, '2026-01-01T00:00:00Z', 5), [
      '2026-04-15T06:00:00Z',
      '2026-05-15T06:00:00Z',
      '2026-05-31T06:00:00Z',
      '2026-06-15T06:00:00Z',
      '2026-07-15T06:00:00Z',
    ]);
  });

  it("clamps the start's day to a short month's last day when there is no schedule", () => {
    assert.deepEqual(firings(recurrence('month', 1, { start_time: '2026-01-31T08:00:00' }), '2026-01-01T00:00:00Z', 5), [
      '2026-01-31T08:00:00Z',
      '2026-02-28T08:00:00Z',
      '2026-03-31T08:00:00Z',
      '2026-04-30T08:00:00Z',
      '2026-05-31T08:00:00Z',
    ]);
  });

  it('counts every interval-th month from the start month', () => {
    const trigger = recurrence('month', 2, {
      start_time: '2026-01-10T00:00:00',
      schedule: { hours: [0], minutes: [0], month_days: [1, 20] },
    });
    assert.deepEqual(firings(trigger, '2026-01-01T00:00:00Z', 4), [
      '2026-01-20T00:00:00Z',
      '2026-03-01T00:00:00Z',
      '2026-03-20T00:00:00Z',
      '2026-05-01T00:00:00Z',
    ]);
  });

  it('gives up on month_days that never exist in the months it visits', () => {
    const trigger = recurrence('month', 12, {
      start_time: '2026-02-01T00:00:00',
      schedule: { hours: [0], minutes: [0], month_days: [30, 31] },
    });
    assert.equal(nextFiring(triggerSchema.parse(trigger), at('2026-01-01T00:00:00Z'), 0), null);
  });
});

describe('start and end', () => {
  it('never fires before a start_time in the future', () => {
    assert.deepEqual(firings(cron('0 * * * *', { start_time: '2026-06-01T12:30:00Z' }), '2026-01-01T00:00:00Z', 1), [
      '2026-06-01T13:00:00Z',
    ]);
    assert.deepEqual(firings(recurrence('minute', 5, { start_time: '2026-06-01T12:30:00' }), '2026-01-01T00:00:00Z', 1), [
      '2026-06-01T12:30:00Z',
    ]);
  });

  it('keeps the cadence of a start_time in the past', () => {
    assert.deepEqual(firings(recurrence('hour', 1, { start_time: '2020-01-01T00:00:00' }), '2026-01-01T10:20:00Z', 2), [
      '2026-01-01T11:00:00Z',
      '2026-01-01T12:00:00Z',
    ]);
    assert.deepEqual(firings(recurrence('day', 2, { start_time: '2020-01-01T06:00:00' }), '2026-01-01T10:20:00Z', 2), [
      // 2192 days from 2020-01-01 to 2026-01-01: an even number, so 2026-01-01 is a firing day.
      '2026-01-03T06:00:00Z',
      '2026-01-05T06:00:00Z',
    ]);
  });

  it('starts at creation when start_time is absent', () => {
    const trigger = triggerSchema.parse(cron('0 * * * *'));
    assert.equal(nextFiring(trigger, at('2026-01-01T00:00:00Z'), at('2026-03-01T10:10:00Z')), at('2026-03-01T11:00:00Z'));
  });

  it('stops after end_time, which may itself fire', () => {
    const trigger = cron('0 0 * * *', { end_time: '2026-01-03T00:00:00' });
    assert.deepEqual(firings(trigger, '2026-01-01T12:00:00Z', 5), ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z']);
    assert.equal(nextFiring(triggerSchema.parse(trigger), at('2026-01-05T00:00:00Z'), 0), null);
  });

  it('reads end_time without an offset in time_zone', () => {
    const trigger = recurrence('hour', 1, {
      start_time: '2026-01-01T00:00:00',
      end_time: '2026-01-01T02:00:00',
      time_zone: 'America/New_York',
    });
    assert.deepEqual(firings(trigger, '2025-12-31T00:00:00Z', 5), [
      '2026-01-01T00:00:00-05:00',
      '2026-01-01T01:00:00-05:00',
      '2026-01-01T02:00:00-05:00',
    ]);
  });
});

describe('daylight saving', () => {
  const newYork = { time_zone: 'America/New_York' };
  const london = { time_zone: 'Europe/London' };

  it('cron 30 2 * * *: the missing 02:30 of 2026-03-08 in New York fires once at 03:30 EDT', () => {
    assert.deepEqual(firings(cron('30 2 * * *', newYork), '2026-03-07T00:00:00-05:00', 3), [
      '2026-03-07T02:30:00-05:00',
      '2026-03-08T03:30:00-04:00',
      '2026-03-09T02:30:00-04:00',
    ]);
  });

  it('cron 30 1 * * *: the twice-occurring 01:30 of 2026-11-01 in New York fires once, at the first (EDT)', () => {
    assert.deepEqual(firings(cron('30 1 * * *', newYork), '2026-10-31T12:00:00-04:00', 2), [
      '2026-11-01T01:30:00-04:00',
      '2026-11-02T01:30:00-05:00',
    ]);
  });

  it('cron 0 * * * *: hourly across both New York transitions, no instant twice', () => {
    assert.deepEqual(firings(cron('0 * * * *', newYork), '2026-03-08T00:30:00-05:00', 3), [
      '2026-03-08T01:00:00-05:00',
      // 02:00 does not exist: shifted to 03:00 EDT, which is also the 03:00 firing, so once.
      '2026-03-08T03:00:00-04:00',
      '2026-03-08T04:00:00-04:00',
    ]);
    assert.deepEqual(firings(cron('0 * * * *', newYork), '2026-11-01T00:30:00-04:00', 3), [
      '2026-11-01T01:00:00-04:00',
      // The second 01:00 (EST) is the same wall-clock time: it does not fire again.
      '2026-11-01T02:00:00-05:00',
      '2026-11-01T03:00:00-05:00',
    ]);
  });

  it('cron */30 * * * *: half-hourly across both New York transitions', () => {
    assert.deepEqual(firings(cron('*/30 * * * *', newYork), '2026-03-08T01:00:00-05:00', 4), [
      '2026-03-08T01:30:00-05:00',
      '2026-03-08T03:00:00-04:00',
      '2026-03-08T03:30:00-04:00',
      '2026-03-08T04:00:00-04:00',
    ]);
    assert.deepEqual(firings(cron('*/30 * * * *', newYork), '2026-11-01T00:30:00-04:00', 4), [
      '2026-11-01T01:00:00-04:00',
      '2026-11-01T01:30:00-04:00',
      '2026-11-01T02:00:00-05:00',
      '2026-11-01T02:30:00-05:00',
    ]);
  });

  it('cron in London: 01:30 is missing on 2026-03-29 and occurs twice on 2026-10-25', () => {
    assert.deepEqual(firings(cron('30 1 * * *', london), '2026-03-28T00:00:00Z', 3), [
      '2026-03-28T01:30:00+00:00',
      '2026-03-29T02:30:00+01:00',
      '2026-03-30T01:30:00+01:00',
    ]);
    assert.deepEqual(firings(cron('30 1 * * *', london), '2026-10-24T12:00:00Z', 2), [
      '2026-10-25T01:30:00+01:00',
      '2026-10-26T01:30:00+00:00',
    ]);
    assert.deepEqual(firings(cron('*/30 * * * *', london), '2026-03-29T00:30:00Z', 3), [
      '2026-03-29T02:00:00+01:00',
      '2026-03-29T02:30:00+01:00',
      '2026-03-29T03:00:00+01:00',
    ]);
  });

  it('recurrence day keeps its wall-clock time across New York transitions', () => {
    assert.deepEqual(firings(recurrence('day', 1, { start_time: '2026-03-06T02:30:00', ...newYork }), '2026-03-01T00:00:00Z', 4), [
      '2026-03-06T02:30:00-05:00',
      '2026-03-07T02:30:00-05:00',
      '2026-03-08T03:30:00-04:00',
      '2026-03-09T02:30:00-04:00',
    ]);
    assert.deepEqual(firings(recurrence('day', 1, { start_time: '2026-10-31T01:30:00', ...newYork }), '2026-10-01T00:00:00Z', 3), [
      '2026-10-31T01:30:00-04:00',
      '2026-11-01T01:30:00-04:00',
      '2026-11-02T01:30:00-05:00',
    ]);
    assert.deepEqual(firings(recurrence('day', 1, { start_time: '2026-03-07T09:00:00', ...newYork }), '2026-03-01T00:00:00Z', 2), [
      '2026-03-07T09:00:00-05:00',
      '2026-03-08T09:00:00-04:00',
    ]);
  });

  it('recurrence day with schedule across London transitions', () => {
    const schedule = { hours: [1], minutes: [0, 30] };
    assert.deepEqual(firings(recurrence('day', 1, { start_time: '2026-03-28T00:00:00', schedule, ...london }), '2026-03-01T00:00:00Z', 6), [
      '2026-03-28T01:00:00+00:00',
      '2026-03-28T01:30:00+00:00',
      '2026-03-29T02:00:00+01:00',
      '2026-03-29T02:30:00+01:00',
      '2026-03-30T01:00:00+01:00',
      '2026-03-30T01:30:00+01:00',
    ]);
    assert.deepEqual(firings(recurrence('day', 1, { start_time: '2026-10-25T00:00:00', schedule, ...london }), '2026-10-01T00:00:00Z', 3), [
      '2026-10-25T01:00:00+01:00',
      '2026-10-25T01:30:00+01:00',
      '2026-10-26T01:00:00+00:00',
    ]);
  });

  it('never repeats an instant nor goes backwards around any transition', () => {
    const expressions = ['*/30 * * * *', '0 * * * *', '30 2 * * *', '0,30 1,2,3 * * *', '59 23 * * *', '0 0 * * *', '*/7 0-3 * * *'];
    // The day before each transition: New York and London at 02:00 and 01:00, Lord Howe by half an hour,
    // Santiago at midnight, Apia skipping all of 2011-12-30.
    const transitions: Record<string, string[]> = {
      'America/New_York': ['2026-03-07', '2026-10-31'],
      'Europe/London': ['2026-03-28', '2026-10-24'],
      'Australia/Lord_Howe': ['2026-04-04', '2026-10-03'],
      'America/Santiago': ['2026-04-04', '2026-09-05'],
      'Pacific/Apia': ['2011-12-28'],
    };
    for (const [zone, days] of Object.entries(transitions)) {
      for (const expression of expressions) {
        const trigger: Trigger = triggerSchema.parse(cron(expression, { time_zone: zone }));
        for (const dayBefore of days) {
          const start = `${dayBefore}T00:00:00Z`;
          const list = firingsBetween(trigger, at(start), at(start) + 4 * 86_400_000, 0, 100_000);
          for (let index = 1; index < list.length; index += 1) {
            assert.ok(
              list[index]! > list[index - 1]!,
              `${expression} in ${zone}: ${iso(list[index]!, zone)} after ${iso(list[index - 1]!, zone)}`,
            );
          }
        }
      }
    }
  });
});

describe('firingsBetween', () => {
  const hourly = triggerSchema.parse(cron('0 * * * *'));

  it('lists the firings after `from` up to and including `to`', () => {
    const list = firingsBetween(hourly, at('2026-01-01T10:00:00Z'), at('2026-01-01T13:00:00Z'), 0, 10);
    assert.deepEqual(
      list.map((instant) => iso(instant, 'UTC')),
      ['2026-01-01T11:00:00Z', '2026-01-01T12:00:00Z', '2026-01-01T13:00:00Z'],
    );
  });

  it('stops at the limit, keeping the earliest', () => {
    const list = firingsBetween(hourly, at('2026-01-01T10:00:00Z'), at('2027-01-01T00:00:00Z'), 0, 2);
    assert.deepEqual(
      list.map((instant) => iso(instant, 'UTC')),
      ['2026-01-01T11:00:00Z', '2026-01-01T12:00:00Z'],
    );
  });

  it('is empty when nothing fires in the window', () => {
    assert.deepEqual(firingsBetween(hourly, at('2026-01-01T10:00:00Z'), at('2026-01-01T10:59:00Z'), 0, 10), []);
  });
});
