import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { triggerFields } from './trigger-fields.js';

describe('triggerFields', () => {
  it('lists a cron trigger as written, with its zone, start and end', () => {
    assert.deepEqual(
      triggerFields({
        type: 'cron',
        expression: '0 * * * *',
        start_time: '2022-07-10T10:00:00',
        time_zone: 'Pacific Standard Time',
      }),
      [
        ['type', 'cron'],
        ['expression', '0 * * * *'],
        ['time_zone', 'Pacific Standard Time'],
        ['start_time', '2022-07-10T10:00:00'],
        ['end_time', 'none (fires on)'],
      ],
    );
  });

  it("lists a recurrence's schedule lists, and says what an unwritten zone and start mean", () => {
    assert.deepEqual(
      triggerFields({
        type: 'recurrence',
        frequency: 'week',
        interval: 2,
        schedule: { hours: [4, 16], minutes: [0], week_days: ['monday'] },
        end_time: '2027-01-01T00:00:00Z',
      }),
      [
        ['type', 'recurrence'],
        ['frequency', 'week'],
        ['interval', '2'],
        ['schedule.hours', '4, 16'],
        ['schedule.minutes', '0'],
        ['schedule.week_days', 'monday'],
        ['time_zone', 'UTC (none written)'],
        ['start_time', 'when created (none written)'],
        ['end_time', '2027-01-01T00:00:00Z'],
      ],
    );
  });
});
