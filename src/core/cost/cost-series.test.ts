import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import { costSeries, parseGranularity, periodsBetween } from './cost-series.js';
import { parsePriceList } from './price-list.js';
import { summarizeCost } from './usage-cost.js';
import type { UsageInterval } from './usage-interval.js';

const at = (iso: string) => Date.parse(iso);
// 3.60 an hour: 0.001 a node-second, so every number below is exact.
const priceList = parsePriceList({ currency: 'USD', sizes: { Standard_DS3_v2: { dedicated_per_hour: 3.6 } } });
const node = { workspace: 'dev', size: 'Standard_DS3_v2', tier: 'dedicated', tags: {} };
const usage: UsageInterval[] = [
  { ...node, kind: 'job-node', compute: 'cpu', start: at('2026-01-05T10:00:00Z'), end: at('2026-01-05T11:00:00Z'), job: { name: 'a' } },
  // Across midnight of a Sunday: half in one ISO week, half in the next.
  { ...node, kind: 'job-node', compute: 'gpu', start: at('2026-01-11T23:00:00Z'), end: at('2026-01-12T01:00:00Z'), job: { name: 'b' } },
  { ...node, kind: 'idle-node', compute: 'cpu', start: at('2026-02-02T00:00:00Z'), end: at('2026-02-02T02:00:00Z') },
];
const now = at('2026-02-10T12:00:00Z');

describe('periodsBetween', () => {
  it('cuts a period into days, ISO weeks from Monday or months, the first and last clipped to it', () => {
    assert.deepEqual(
      periodsBetween(at('2026-01-30T12:00:00Z'), at('2026-02-01T06:00:00Z'), 'day').map((period) => period.period),
      ['2026-01-30', '2026-01-31', '2026-02-01'],
    );
    const weeks = periodsBetween(at('2026-01-01T00:00:00Z'), at('2026-01-15T00:00:00Z'), 'week');
    assert.deepEqual(
      weeks.map((week) => week.period),
      ['2025-12-29', '2026-01-05', '2026-01-12'],
    );
    assert.equal(weeks[0]?.start, at('2026-01-01T00:00:00Z'), 'the first week starts with the period');
    assert.equal(weeks.at(-1)?.end, at('2026-01-15T00:00:00Z'), 'the last ends with it');
    assert.deepEqual(
      periodsBetween(at('2026-01-15T00:00:00Z'), at('2026-03-01T00:00:00Z'), 'month').map((month) => month.period),
      ['2026-01-01', '2026-02-01'],
    );
  });
  it('cuts days at midnight of the time zone asked', () => {
    const [first] = periodsBetween(at('2026-01-05T12:00:00Z'), at('2026-01-06T12:00:00Z'), 'day', 'Asia/Tokyo');
    assert.equal(first?.period, '2026-01-05');
    assert.equal(first?.end, at('2026-01-05T15:00:00Z'));
  });
});

describe('costSeries', () => {
  const options = { from: at('2026-01-01T00:00:00Z'), to: at('2026-03-01T00:00:00Z'), now, groupBy: 'compute' as const };

  it('groups each week as the report does, a week with no usage having no rows', () => {
    const weeks = costSeries(usage, { ...options, granularity: 'week' }, priceList);
    const week = (first: string) => weeks.find((candidate) => candidate.period === first)?.rows.map((row) => [row.group, row.cost]);
    assert.deepEqual(week('2026-01-05'), [
      ['cpu', 3.6],
      ['gpu', 3.6],
    ]);
    assert.deepEqual(week('2026-01-12'), [['gpu', 3.6]]);
    assert.deepEqual(week('2026-01-19'), []);
    assert.deepEqual(week('2026-02-02'), [['cpu', 7.2]]);
  });

  it('stops at now, and its rows add up to the whole period summed at once', () => {
    const months = costSeries(usage, { ...options, granularity: 'month' }, priceList);
    assert.deepEqual(
      months.map((month) => month.period),
      ['2026-01-01', '2026-02-01'],
    );
    assert.equal(months.at(-1)?.end, now);
    const days = costSeries(usage, { ...options, granularity: 'day' }, priceList);
    assert.equal(days.at(-1)?.period, '2026-02-10');
    const summed = days.flatMap((day) => day.rows).reduce((sum, row) => sum + row.cost, 0);
    assert.ok(Math.abs(summed - summarizeCost(usage, options, priceList).total.cost) < 1e-9, `${summed}`);
    assert.ok(Math.abs(summed - 18) < 1e-9, `${summed}`);
  });
});

describe('parseGranularity', () => {
  it('reads day, week or month, and refuses anything else with a 400 saying what to write', () => {
    assert.equal(parseGranularity(' week '), 'week');
    assert.throws(
      () => parseGranularity('hour'),
      (error: unknown) => isTrellisError(error) && error.status === 400 && /must be day, week or month; got 'hour'/.test(error.message),
    );
  });
});
