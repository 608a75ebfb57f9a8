import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CostSeriesPeriod } from '../api/cost.js';
import {
  costGroupPagePath,
  costLines,
  defaultPeriod,
  formatAmount,
  formatHours,
  formatPercent,
  formatThresholds,
  granularityFor,
  parseDay,
  parseGrouping,
} from './cost-view.js';

const totals = { nodeSeconds: 0, instanceSeconds: 0, unpricedSeconds: 0, listCost: 0, currency: 'USD' };
const period = (day: string, rows: Array<[string, number]>): CostSeriesPeriod => ({
  period: day,
  start: Date.parse(`${day}T00:00:00Z`),
  end: Date.parse(`${day}T00:00:00Z`) + 86_400_000,
  rows: rows.map(([group, cost]) => ({ group, workspace: 'prod', ...totals, cost })),
});

describe('the period chooser', () => {
  it('defaults to this month so far, and reads only days from the URL', () => {
    assert.deepEqual(defaultPeriod(Date.parse('2026-12-07T02:00:00Z')), { from: '2026-12-01', to: '2026-12-07' });
    assert.equal(parseDay('2026-02-28'), '2026-02-28');
    assert.equal(parseDay('2026-02'), undefined);
    assert.equal(parseDay('yesterday'), undefined);
    assert.equal(parseDay(null), undefined);
  });
  it('reads a grouping the page offers, compute otherwise', () => {
    assert.equal(parseGrouping('job'), 'job');
    assert.equal(parseGrouping('tag:cost_center'), 'tag:cost_center');
    assert.equal(parseGrouping('tag:'), 'compute');
    assert.equal(parseGrouping('workspace'), 'compute');
    assert.equal(parseGrouping(null), 'compute');
  });
  it('charts days up to two months, weeks up to a year, months beyond', () => {
    assert.equal(granularityFor('2026-12-01', '2026-12-01'), 'day');
    assert.equal(granularityFor('2026-01-01', '2026-03-03'), 'day');
    assert.equal(granularityFor('2026-01-01', '2026-03-04'), 'week');
    assert.equal(granularityFor('2026-01-01', '2026-12-31'), 'week');
    assert.equal(granularityFor('2025-01-01', '2026-12-31'), 'month');
  });
});

describe('costLines', () => {
  it('draws a line per group, zero where it cost nothing, costliest first', () => {
    const lines = costLines([
      period('2026-12-01', [['cpu', 2]]),
      period('2026-12-02', []),
      period('2026-12-03', [
        ['gpu', 5],
        ['cpu', 1],
      ]),
    ]);
    assert.deepEqual(lines.times, [Date.parse('2026-12-01'), Date.parse('2026-12-02'), Date.parse('2026-12-03')]);
    assert.deepEqual(lines.lines, [
      { label: 'gpu', values: [0, 0, 5], total: 5 },
      { label: 'cpu', values: [2, 0, 1], total: 3 },
    ]);
  });
  it('sums the groups past the costliest as (other), so every period still adds up', () => {
    const lines = costLines(
      [
        period('2026-12-01', [
          ['a', 4],
          ['b', 3],
          ['c', 2],
          ['d', 1],
        ]),
      ],
      3,
    );
    assert.deepEqual(
      lines.lines.map((line) => [line.label, line.values[0]]),
      [
        ['a', 4],
        ['b', 3],
        ['(other)', 3],
      ],
    );
  });
});

describe('formatAmount, formatHours and formatThresholds', () => {
  it('writes money and hours as the CLI does', () => {
    assert.equal(formatAmount(0.00123, 'USD'), '0.0012 USD');
    assert.equal(formatAmount(0, 'USD'), '0.00 USD');
    assert.equal(formatAmount(1234.5, 'EUR'), '1234.50 EUR');
    assert.equal(formatHours(7200), '2.0');
    assert.equal(formatHours(36), '0.010');
    assert.equal(formatThresholds([50, 80, 100]), '50%, 80%, 100%');
    assert.equal(formatThresholds([]), '—');
  });
  it('writes a share of a budget with one decimal, and a tiny one with one significant digit rather than 0.0%', () => {
    assert.equal(formatPercent(42.25), '42.3%');
    assert.equal(formatPercent(0.0043), '0.004%');
    assert.equal(formatPercent(0), '0%');
  });
});

describe('costGroupPagePath', () => {
  it('opens a compute, job or endpoint row on its page, and nothing for sizes, tags or the rows of other usage', () => {
    assert.equal(costGroupPagePath('prod', 'compute', 'gpu pool'), '/w/prod/computes/gpu%20pool');
    assert.equal(costGroupPagePath('prod', 'job', 'sweep-1'), '/w/prod/jobs/sweep-1');
    assert.equal(costGroupPagePath('prod', 'endpoint', 'iris'), '/w/prod/endpoints/iris');
    assert.equal(costGroupPagePath('prod', 'job', '(idle nodes)'), undefined);
    assert.equal(costGroupPagePath('prod', 'tag:cost_center', 'cc-vision'), undefined);
    assert.equal(costGroupPagePath('prod', 'size', 'Standard_DS3_v2'), undefined);
  });
});
