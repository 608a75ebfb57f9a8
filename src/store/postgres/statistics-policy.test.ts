import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStale, neverAnalysed } from './statistics-policy.js';

const table = (plannedRows: number, changedSinceAnalyze: number, hasRows = true) => ({
  table: 't',
  plannedRows,
  changedSinceAnalyze,
  hasRows,
});

test('a table with rows the planner never saw is stale; an empty one is not', () => {
  assert.equal(neverAnalysed(table(-1, 3)), true);
  assert.equal(isStale(table(-1, 3)), true);
  assert.equal(neverAnalysed(table(-1, 0, false)), false);
  assert.equal(isStale(table(-1, 0, false)), false);
});

test('an analysed table is stale after a tenth of its rows changed, and never below 500 changes', () => {
  assert.equal(isStale(table(100, 499)), false);
  assert.equal(isStale(table(100, 500)), true);
  assert.equal(isStale(table(100_000, 9_999)), false);
  assert.equal(isStale(table(100_000, 10_000)), true);
  assert.equal(isStale(table(0, 500)), true);
});
