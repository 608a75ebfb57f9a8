import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatLedgerEntry,
  isOverErrorThreshold,
  parseLedger,
  pendingMiniBatches,
  planMiniBatches,
  shouldRetry,
  summarize,
} from './batch-plan.js';

describe('planMiniBatches', () => {
  it('sorts the files and cuts them into mini-batches with stable ids', () => {
    const plan = planMiniBatches(['c.csv', 'a.csv', 'e.csv', 'b.csv', 'd.csv'], 2);
    assert.deepEqual(
      plan.map((batch) => batch.files),
      [['a.csv', 'b.csv'], ['c.csv', 'd.csv'], ['e.csv']],
    );
    assert.deepEqual(
      planMiniBatches(['e.csv', 'd.csv', 'c.csv', 'b.csv', 'a.csv'], 2).map((batch) => batch.id),
      plan.map((batch) => batch.id),
    );
    assert.match(plan[0]!.id, /^0-[0-9a-f]{12}$/);
  });

  it('gives a different id when a mini-batch holds other files', () => {
    assert.notEqual(planMiniBatches(['a', 'b'], 2)[0]!.id, planMiniBatches(['a', 'c'], 2)[0]!.id);
  });

  it('plans nothing for no files and refuses a size below 1', () => {
    assert.deepEqual(planMiniBatches([], 3), []);
    assert.throws(() => planMiniBatches(['a'], 0), RangeError);
  });
});

describe('the ledger', () => {
  it('round-trips entries, skips a torn last line and keeps the first line of an id', () => {
    const text =
      formatLedgerEntry({ id: '0-x', status: 'done', rows: 4, attempts: 1 }) +
      formatLedgerEntry({ id: '1-y', status: 'failed', files: 2, attempts: 4, error: 'boom' }) +
      formatLedgerEntry({ id: '0-x', status: 'done', rows: 99, attempts: 2 }) +
      '{"id":"2-z","status":"do';
    const ledger = parseLedger(text);
    assert.equal(ledger.size, 2);
    assert.deepEqual(ledger.get('0-x'), { id: '0-x', status: 'done', rows: 4, attempts: 1 });
    assert.equal(ledger.get('1-y')?.status, 'failed');
  });

  it('leaves only the unfinished mini-batches pending, and summarizes', () => {
    const plan = planMiniBatches(['a', 'b', 'c', 'd', 'e'], 2);
    const ledger = parseLedger(
      formatLedgerEntry({ id: plan[0]!.id, status: 'done', rows: 6, attempts: 1 }) +
        formatLedgerEntry({ id: plan[2]!.id, status: 'failed', files: 1, attempts: 2, error: 'bad row' }),
    );
    assert.deepEqual(
      pendingMiniBatches(plan, ledger).map((batch) => batch.index),
      [1],
    );
    assert.deepEqual(summarize(plan, ledger), {
      miniBatches: 3,
      succeeded: 1,
      failed: 1,
      pending: 1,
      rows: 6,
      failedFiles: 1,
      errors: [{ id: plan[2]!.id, error: 'bad row' }],
    });
  });
});

describe('retries and the error threshold', () => {
  it('tries a mini-batch once plus max_retries times', () => {
    assert.equal(shouldRetry(1, 0), false);
    assert.equal(shouldRetry(1, 3), true);
    assert.equal(shouldRetry(4, 3), false);
  });

  it('never stops at -1, and stops once failed files pass the threshold', () => {
    assert.equal(isOverErrorThreshold(1_000, -1), false);
    assert.equal(isOverErrorThreshold(0, 0), false);
    assert.equal(isOverErrorThreshold(1, 0), true);
    assert.equal(isOverErrorThreshold(5, 5), false);
    assert.equal(isOverErrorThreshold(6, 5), true);
  });
});
