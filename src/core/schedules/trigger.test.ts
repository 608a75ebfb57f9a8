import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeTrigger, parseCron, type Trigger, triggerSchema } from './trigger.js';

/** The problems of a trigger as `path: message`, or [] when it parses. */
function problems(trigger: unknown): string[] {
  const result = triggerSchema.safeParse(trigger);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

/** The one problem at `path`; fails when there is none, or others. */
function problemAt(trigger: unknown, path: (string | number)[]): string {
  const result = triggerSchema.safeParse(trigger);
  assert.equal(result.success, false, 'expected a problem');
  const issues = result.error!.issues;
  assert.deepEqual(
    issues.map((issue) => issue.path),
    [path],
    issues.map((issue) => issue.message).join('; '),
  );
  return issues[0]!.message;
}

function parse(trigger: unknown): Trigger {
  return triggerSchema.parse(trigger);
}

describe('cron trigger', () => {
  it('accepts five fields with lists, ranges, steps, * and names', () => {
    for (const expression of ['0 * * * *', '*/15 9-17 * * mon-fri', '0,30 8-10/2 1,15 jan,JUL SUN', '0 0 29 2 *', '0 12 13 * fri']) {
      assert.deepEqual(problems({ type: 'cron', expression }), [], expression);
    }
  });

  it('keeps the trigger as written', () => {
    const trigger = { type: 'cron', expression: '0 * * * *', time_zone: 'Pacific Standard Time', start_time: '2022-07-10T10:00:00' };
    assert.deepEqual(parse(trigger), trigger);
  });

  it('refuses seconds, naming the five fields', () => {
    assert.match(
      problemAt({ type: 'cron', expression: '0 0 * * * *' }, ['expression']),
      /6 fields \(seconds are not supported\).*MINUTES HOURS DAYS MONTHS DAYS-OF-WEEK/,
    );
    assert.match(problemAt({ type: 'cron', expression: '@daily' }, ['expression']), /'@daily' has 1 field; a cron expression has 5/);
  });

  it("refuses cron-parser's extensions that Azure's cron does not have", () => {
    for (const [expression, part] of [
      ['0 0 L * *', 'L'],
      ['0 0 * * 1#2', '1#2'],
      ['H * * * *', 'H'],
      ['0 0 ? * *', '?'],
    ] as const) {
      const message = problemAt({ type: 'cron', expression }, ['expression']);
      assert.ok(message.startsWith(`'${part}' in the `) && message.includes('is not supported'), message);
    }
  });

  it("refuses values out of range with cron-parser's reason", () => {
    assert.match(
      problemAt({ type: 'cron', expression: '60 * * * *' }, ['expression']),
      /'60 \* \* \* \*' is not a valid cron expression: .*60/,
    );
    assert.match(problemAt({ type: 'cron', expression: '0 0 * * 5-2' }, ['expression']), /not a valid cron expression/);
  });

  it('refuses an expression that can never fire', () => {
    assert.match(problemAt({ type: 'cron', expression: '0 0 31 2 *' }, ['expression']), /never fires: none of its months has day 31/);
    // A weekday rescues it: Fridays in February.
    assert.deepEqual(problems({ type: 'cron', expression: '0 0 31 2 fri' }), []);
  });

  it('refuses an unknown time zone at time_zone', () => {
    assert.match(
      problemAt({ type: 'cron', expression: '0 * * * *', time_zone: 'Pacifc Standard Time' }, ['time_zone']),
      /did you mean 'Pacific Standard Time'/,
    );
  });

  it('refuses a field it does not know, suggesting the one meant', () => {
    assert.match(
      problemAt({ type: 'cron', expression: '0 * * * *', timezone: 'UTC' }, ['timezone']),
      /unknown field 'timezone'; did you mean 'time_zone'\?/,
    );
  });

  it('refuses a missing expression', () => {
    problemAt({ type: 'cron' }, ['expression']);
  });
});

describe('parseCron', () => {
  it('expands the fields, folding Sunday 7 into 0', () => {
    const parsed = parseCron('*/20 9-11 1,15 jan-mar 5-7');
    assert.ok('fields' in parsed);
    assert.deepEqual(parsed.fields, {
      minutes: [0, 20, 40],
      hours: [9, 10, 11],
      daysOfMonth: [1, 15],
      months: [1, 2, 3],
      daysOfWeek: [0, 5, 6],
      isDayOfMonthRestricted: true,
      isDayOfWeekRestricted: true,
    });
  });

  it('counts a field beginning with * as unrestricted', () => {
    const parsed = parseCron('0 0 */10 * *');
    assert.ok('fields' in parsed);
    assert.equal(parsed.fields.isDayOfMonthRestricted, false);
    assert.deepEqual(parsed.fields.daysOfMonth, [1, 11, 21, 31]);
  });
});

describe('recurrence trigger', () => {
  const azureExample = {
    type: 'recurrence',
    frequency: 'day',
    interval: 1,
    schedule: { hours: [4, 5, 10, 11, 12], minutes: [0, 30] },
    start_time: '2022-07-10T10:00:00',
    time_zone: 'Pacific Standard Time',
  };

  it("accepts Azure ML's example", () => {
    assert.deepEqual(parse(azureExample), azureExample);
  });

  it('matches frequency and week days ignoring case, and spells them canonically', () => {
    const trigger = parse({
      type: 'recurrence',
      frequency: 'Week',
      interval: 2,
      schedule: { hours: 9, minutes: [0], week_days: ['Mon', 'FRIDAY', 'tue'] },
    });
    assert.equal(trigger.type, 'recurrence');
    assert.ok(trigger.type === 'recurrence');
    assert.equal(trigger.frequency, 'week');
    assert.deepEqual(trigger.schedule, { hours: [9], minutes: [0], week_days: ['monday', 'friday', 'tuesday'] });
  });

  it('refuses an interval that is not a whole number of 1 or more', () => {
    for (const interval of [0, -1, 1.5, 'two']) {
      assert.match(problemAt({ type: 'recurrence', frequency: 'hour', interval }, ['interval']), /whole number of 1 or more/);
    }
  });

  it('refuses an unknown frequency', () => {
    assert.match(
      problemAt({ type: 'recurrence', frequency: 'fortnight', interval: 1 }, ['frequency']),
      /minute, hour, day, week, month; got 'fortnight'/,
    );
  });

  it('refuses schedule with frequency minute or hour', () => {
    const message = problemAt({ type: 'recurrence', frequency: 'hour', interval: 1, schedule: { hours: [1], minutes: [0] } }, ['schedule']);
    assert.match(message, /applies to frequency day, week or month, not hour; remove schedule or change the frequency/);
  });

  it('refuses week_days unless weekly and month_days unless monthly', () => {
    const weekly = { hours: [1], minutes: [0], week_days: ['monday'] };
    assert.match(
      problemAt({ type: 'recurrence', frequency: 'day', interval: 1, schedule: weekly }, ['schedule', 'week_days']),
      /only to frequency week/,
    );
    const monthly = { hours: [1], minutes: [0], month_days: [1] };
    assert.match(
      problemAt({ type: 'recurrence', frequency: 'week', interval: 1, schedule: monthly }, ['schedule', 'month_days']),
      /only to frequency month/,
    );
  });

  it('refuses hours, minutes and month days out of range, at their index', () => {
    const base = { type: 'recurrence', frequency: 'month', interval: 1 };
    assert.match(problemAt({ ...base, schedule: { hours: [1, 24], minutes: [0] } }, ['schedule', 'hours', 1]), /from 0 to 23; got 24/);
    assert.match(problemAt({ ...base, schedule: { hours: [1], minutes: [60] } }, ['schedule', 'minutes', 0]), /from 0 to 59; got 60/);
    assert.match(
      problemAt({ ...base, schedule: { hours: [1], minutes: [0], month_days: [1, 32] } }, ['schedule', 'month_days', 1]),
      /from 1 to 31; got 32/,
    );
    problemAt({ ...base, schedule: { hours: [], minutes: [0] } }, ['schedule', 'hours']);
    problemAt({ ...base, schedule: { minutes: [0] } }, ['schedule', 'hours']);
  });

  it('refuses an unknown week day at its index, suggesting one', () => {
    const schedule = { hours: [1], minutes: [0], week_days: ['monday', 'funday'] };
    const message = problemAt({ type: 'recurrence', frequency: 'week', interval: 1, schedule }, ['schedule', 'week_days', 1]);
    assert.match(message, /"funday" is not a day of the week \(did you mean 'sunday'\?\): use monday … sunday or mon … sun/);
  });

  it('refuses an unknown field inside schedule', () => {
    const schedule = { hour: [1], hours: [1], minutes: [0] };
    assert.match(problemAt({ type: 'recurrence', frequency: 'day', interval: 1, schedule }, ['schedule', 'hour']), /did you mean 'hours'/);
  });

  it('reports every problem of a trigger at once', () => {
    assert.equal(
      problems({ type: 'recurrence', frequency: 'day', interval: 0, schedule: { hours: [25], minutes: [0] }, extra: 1 }).length,
      3,
    );
  });
});

describe('trigger type and times', () => {
  it('refuses an unknown type', () => {
    assert.match(problemAt({ type: 'interval', expression: '0 * * * *' }, ['type']), /must be 'cron' or 'recurrence'; got "interval"/);
    problemAt({ expression: '0 * * * *' }, ['type']);
  });

  it('accepts start and end times without an offset (read in time_zone) or with one', () => {
    assert.deepEqual(
      problems({ type: 'cron', expression: '0 * * * *', start_time: '2022-07-10T10:00:00', end_time: '2022-07-11T10:00:00Z' }),
      [],
    );
    assert.deepEqual(
      problems({ type: 'cron', expression: '0 * * * *', start_time: '2022-07-10T10:00', end_time: '2022-07-10T10:30:00+02:00' }),
      ["end_time: end_time '2022-07-10T10:30:00+02:00' must be after start_time '2022-07-10T10:00'"],
    );
  });

  it('refuses a start_time that is not a date-time, saying how to write one', () => {
    for (const start_time of ['yesterday', '2022-07-10', '2022-02-30T10:00:00', '10/07/2022 10:00']) {
      assert.match(
        problemAt({ type: 'cron', expression: '0 * * * *', start_time }, ['start_time']),
        /is not a date-time: write it as 2022-07-10T10:00:00/,
        start_time,
      );
    }
  });

  it('refuses an end_time not after start_time, comparing in time_zone', () => {
    const trigger = {
      type: 'recurrence',
      frequency: 'hour',
      interval: 1,
      start_time: '2022-07-10T10:00:00',
      end_time: '2022-07-10T10:00:00',
    };
    assert.match(problemAt(trigger, ['end_time']), /end_time '2022-07-10T10:00:00' must be after start_time '2022-07-10T10:00:00'/);
    // 10:00 in Los Angeles is 17:00Z, so 12:00Z is before it.
    const mixed = {
      type: 'cron',
      expression: '0 * * * *',
      time_zone: 'Pacific Standard Time',
      start_time: '2022-07-10T10:00:00',
      end_time: '2022-07-10T12:00:00Z',
    };
    problemAt(mixed, ['end_time']);
  });

  it('reads a Date (from a YAML 1.1 reader) as UTC', () => {
    const trigger = parse({ type: 'cron', expression: '0 * * * *', start_time: new Date('2022-07-10T10:00:00Z') });
    assert.equal(trigger.start_time, '2022-07-10T10:00:00.000Z');
  });
});

describe('describeTrigger', () => {
  it('describes cron with its resolved zone', () => {
    assert.equal(
      describeTrigger(parse({ type: 'cron', expression: '0 * * * *', time_zone: 'Pacific Standard Time' })),
      'cron 0 * * * * (America/Los_Angeles)',
    );
    assert.equal(describeTrigger(parse({ type: 'cron', expression: '*/5 * * * 1-5' })), 'cron */5 * * * 1-5 (UTC)');
  });

  it('describes recurrences in words', () => {
    const describe = (trigger: unknown) => describeTrigger(parse(trigger));
    assert.equal(describe({ type: 'recurrence', frequency: 'minute', interval: 1 }), 'every minute (UTC)');
    assert.equal(describe({ type: 'recurrence', frequency: 'minute', interval: 15 }), 'every 15 minutes (UTC)');
    assert.equal(
      describe({ type: 'recurrence', frequency: 'day', interval: 2, schedule: { hours: [4], minutes: [30, 0] } }),
      'every 2 days at 04:00, 04:30 (UTC)',
    );
    assert.equal(
      describe({
        type: 'recurrence',
        frequency: 'week',
        interval: 1,
        schedule: { hours: [9], minutes: [0], week_days: ['fri', 'mon'] },
        time_zone: 'Europe/Berlin',
      }),
      'every week on monday, friday at 09:00 (Europe/Berlin)',
    );
    assert.equal(
      describe({ type: 'recurrence', frequency: 'month', interval: 3, schedule: { hours: [0], minutes: [0], month_days: [15, 1] } }),
      'every 3 months on day 1, 15 at 00:00 (UTC)',
    );
    assert.equal(
      describe({ type: 'recurrence', frequency: 'day', interval: 1, start_time: '2022-07-10T10:00:00' }),
      'every day at 10:00 (UTC)',
    );
    assert.equal(
      describe({ type: 'recurrence', frequency: 'day', interval: 1, schedule: { hours: [0, 6, 12, 18], minutes: [0, 30] } }),
      'every day at 00:00, 00:30, 06:00, 06:30, 12:00, … (8 times) (UTC)',
    );
  });
});
