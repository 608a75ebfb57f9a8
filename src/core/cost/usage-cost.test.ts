import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSku } from '../compute/sku-catalogue.js';
import { isTrellisError, type TrellisError } from '../errors.js';
import { defaultPriceList, parsePriceList } from './price-list.js';
import { costByDay, costOfInterval, costOfJob, type CostRow, parseGroupBy, summarizeCost } from './usage-cost.js';
import type { UsageInterval } from './usage-interval.js';

const hour = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const perHour = findSku('Standard_DS3_v2')!.dedicatedPerHour;
const start = at('2026-01-10T08:00:00Z');
const now = at('2026-01-10T20:00:00Z');
const january = { from: at('2026-01-01T00:00:00Z'), to: at('2026-02-01T00:00:00Z'), now };

const node = { workspace: 'dev', compute: 'cpu', size: 'Standard_DS3_v2', tier: 'dedicated' };
const usage: UsageInterval[] = [
  // A sweep's two trials, an hour each.
  { ...node, kind: 'job-node', start, end: start + hour, job: { name: 't1', ancestors: ['sweep-1'] }, tags: { cost_center: 'cc-1' } },
  { ...node, kind: 'job-node', start, end: start + hour, job: { name: 't2', ancestors: ['sweep-1'] }, tags: { cost_center: 'cc-1' } },
  // A pipeline's sweep's trial.
  { ...node, kind: 'job-node', start, end: start + hour, job: { name: 'x', ancestors: ['inner', 'pipe'] }, tags: {} },
  // Two nodes for half an hour.
  { ...node, kind: 'job-node', count: 2, start, end: start + hour / 2, job: { name: 'solo' }, tags: {} },
  // An attached Slurm cluster's machine.
  {
    workspace: 'dev',
    compute: 'slurm',
    size: 'node',
    tier: 'attached',
    kind: 'job-node',
    start,
    end: start + hour,
    job: { name: 'hpc' },
    tags: {},
  },
  // An endpoint's two instances, up for the last hour and still running.
  {
    workspace: 'dev',
    size: 'Standard_DS3_v2',
    tier: 'dedicated',
    kind: 'endpoint-instance',
    count: 2,
    start: now - hour,
    end: null,
    endpoint: { name: 'ep', deployment: 'blue' },
    tags: { cost_center: 'cc-2' },
  },
  { ...node, kind: 'idle-node', start: start + hour, end: start + 2 * hour, tags: {} },
];

function near(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);
}

function row(rows: CostRow[], group: string): CostRow {
  const found = rows.find((candidate) => candidate.group === group);
  assert.ok(found, `no row ${group} in ${rows.map((candidate) => candidate.group).join(', ')}`);
  return found;
}

describe('usage cost', () => {
  it('prices an interval inside the period, unpriced ones as null', () => {
    const trial = costOfInterval(usage[0]!, january, defaultPriceList);
    assert.equal(trial.seconds, 3600);
    near(trial.cost!, perHour);
    const hpc = costOfInterval(usage[4]!, january, defaultPriceList);
    assert.deepEqual([hpc.seconds, hpc.cost, hpc.price], [3600, null, null]);
  });

  it('rolls trials and steps up into their top-level sweep or pipeline', () => {
    const { rows, total } = summarizeCost(usage, { ...january, groupBy: 'job' }, defaultPriceList);
    near(row(rows, 'sweep-1').cost, 2 * perHour);
    near(row(rows, 'pipe').cost, perHour);
    near(row(rows, 'solo').cost, perHour);
    assert.equal(row(rows, 'solo').nodeSeconds, 3600);
    assert.equal(row(rows, 'hpc').cost, 0);
    assert.equal(row(rows, 'hpc').unpricedSeconds, 3600);
    near(row(rows, '(endpoints)').cost, 2 * perHour);
    assert.equal(row(rows, '(endpoints)').instanceSeconds, 7200);
    near(row(rows, '(idle nodes)').cost, perHour);
    assert.equal(row(rows, 'sweep-1').workspace, 'dev');
    // Most expensive first; the rows add up to the total.
    assert.deepEqual(
      rows.map((candidate) => candidate.group),
      ['(endpoints)', 'sweep-1', '(idle nodes)', 'pipe', 'solo', 'hpc'],
    );
    near(total.cost, 7 * perHour);
    assert.equal(total.unpricedSeconds, 3600);
    assert.equal(total.nodeSeconds, 6 * 3600);
  });

  it('gives a sweep or pipeline the cost of every job below it, and a trial its own', () => {
    near(costOfJob(usage, { workspace: 'dev', name: 'sweep-1' }, january, defaultPriceList).cost, 2 * perHour);
    near(costOfJob(usage, { workspace: 'dev', name: 'inner' }, january, defaultPriceList).cost, perHour);
    near(costOfJob(usage, { workspace: 'dev', name: 'pipe' }, january, defaultPriceList).cost, perHour);
    near(costOfJob(usage, { workspace: 'dev', name: 't1' }, january, defaultPriceList).cost, perHour);
    assert.equal(costOfJob(usage, { workspace: 'prod', name: 't1' }, january, defaultPriceList).cost, 0);
  });

  it('charges back by a tag, with the untagged rest in a group of its own', () => {
    const { rows, total } = summarizeCost(usage, { ...january, groupBy: 'tag:cost_center' }, defaultPriceList);
    near(row(rows, 'cc-1').cost, 2 * perHour);
    near(row(rows, 'cc-2').cost, 2 * perHour);
    near(row(rows, '(untagged)').cost, 3 * perHour);
    assert.equal(row(rows, '(untagged)').unpricedSeconds, 3600);
    near(total.cost, 7 * perHour);
  });

  it('groups by workspace, compute, endpoint and size', () => {
    const byCompute = summarizeCost(usage, { ...january, groupBy: 'compute' }, defaultPriceList).rows;
    near(row(byCompute, 'cpu').cost, 5 * perHour);
    assert.equal(row(byCompute, 'slurm').unpricedSeconds, 3600);
    near(row(byCompute, '(endpoints)').cost, 2 * perHour);
    const byEndpoint = summarizeCost(usage, { ...january, groupBy: 'endpoint' }, defaultPriceList).rows;
    near(row(byEndpoint, 'ep').cost, 2 * perHour);
    near(row(byEndpoint, '(jobs)').cost, 4 * perHour);
    assert.deepEqual(
      summarizeCost(usage, { ...january, groupBy: 'workspace' }, defaultPriceList).rows.map((candidate) => candidate.group),
      ['dev'],
    );
    assert.deepEqual(
      summarizeCost(usage, { ...january, groupBy: 'size' }, defaultPriceList).rows.map((candidate) => candidate.group),
      ['Standard_DS3_v2', 'node'],
    );
  });

  it('prices an attached compute the price list names', () => {
    const prices = parsePriceList({ computes: { slurm: { per_hour: 4 } } });
    const rows = summarizeCost(usage, { ...january, groupBy: 'compute' }, prices).rows;
    assert.equal(row(rows, 'slurm').cost, 4);
    assert.equal(row(rows, 'slurm').unpricedSeconds, 0);
    near(row(rows, 'cpu').cost, 5 * perHour);
  });

  it('cuts days at midnight and counts only the period', () => {
    const acrossMidnight: UsageInterval = {
      ...node,
      kind: 'job-node',
      start: at('2026-01-31T22:00:00Z'),
      end: at('2026-02-01T02:00:00Z'),
      tags: {},
    };
    const period = { ...january, now: at('2026-03-01T00:00:00Z') };
    const { rows, total } = summarizeCost([acrossMidnight], { ...period, groupBy: 'day' }, defaultPriceList);
    assert.deepEqual(
      rows.map((candidate) => [candidate.group, candidate.nodeSeconds]),
      [['2026-01-31', 7200]],
    );
    near(total.cost, 2 * perHour);
    const bothDays = summarizeCost([acrossMidnight], { ...period, to: at('2026-02-02T00:00:00Z'), groupBy: 'day' }, defaultPriceList);
    assert.deepEqual(
      bothDays.rows.map((candidate) => [candidate.group, candidate.nodeSeconds]),
      [
        ['2026-01-31', 7200],
        ['2026-02-01', 7200],
      ],
    );
  });

  it('gives a daily series with the days without usage at zero, up to now', () => {
    const period = { from: at('2026-01-08T00:00:00Z'), to: at('2026-02-01T00:00:00Z'), now };
    const series = costByDay(usage, period, defaultPriceList);
    assert.deepEqual(
      series.map((point) => point.day),
      ['2026-01-08', '2026-01-09', '2026-01-10'],
    );
    assert.equal(series[0]?.cost, 0);
    near(series[2]!.cost, 7 * perHour);
    assert.equal(series[2]?.start, at('2026-01-10T00:00:00Z'));
  });

  it('reads --group-by, and says what it takes when it is not that', () => {
    assert.equal(parseGroupBy('compute'), 'compute');
    assert.equal(parseGroupBy(' tag:cost_center '), 'tag:cost_center');
    const refusal = (text: string) => {
      try {
        parseGroupBy(text);
      } catch (error) {
        assert.ok(isTrellisError(error));
        return [(error as TrellisError).code, (error as TrellisError).status, (error as TrellisError).message];
      }
      assert.fail(`'${text}' was accepted`);
    };
    assert.deepEqual(refusal('team'), [
      'InvalidGroupBy',
      400,
      "--group-by must be workspace, compute, job, endpoint, size, day or tag:<key>; got 'team'",
    ]);
    assert.deepEqual(refusal('tag:'), [
      'InvalidGroupBy',
      400,
      "--group-by must be workspace, compute, job, endpoint, size, day or tag:<key>; got 'tag:' (name the tag, e.g. tag:cost_center)",
    ]);
  });
});
