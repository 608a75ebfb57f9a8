import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError, type TrellisError } from '../errors.js';
import {
  type Budget,
  budgetBlocks,
  budgetStatus,
  crossedForecastThresholds,
  crossedThresholds,
  describeThreshold,
  formatMoney,
  parseBudget,
} from './budget.js';

const base = { name: 'team-a', workspace: 'dev', amount: 100 };

function problemsOf(input: unknown, currency?: string): Array<{ path: string; message: string }> {
  try {
    parseBudget(input, currency);
  } catch (error) {
    assert.ok(isTrellisError(error));
    assert.equal((error as TrellisError).status, 422);
    assert.equal((error as TrellisError).code, 'InvalidInput');
    return (error as TrellisError).problems.map(({ path, message }) => ({ path, message }));
  }
  assert.fail('expected the budget to be refused');
}

describe('budget', () => {
  it('fills in the defaults, and sorts thresholds without repeats', () => {
    assert.deepEqual(parseBudget(base), {
      ...base,
      currency: 'USD',
      period: 'monthly',
      time_zone: 'UTC',
      thresholds: [50, 80, 100],
      forecast_thresholds: [],
      enforcing: false,
    });
    const budget = parseBudget({ ...base, amount: '250.5', thresholds: [100, 90, 90, 50], enforcing: true }, 'USD');
    assert.deepEqual([budget.amount, budget.thresholds, budget.enforcing], [250.5, [50, 90, 100], true]);
    assert.equal(parseBudget({ ...base, currency: 'eur' }, 'EUR').currency, 'EUR');
  });

  it('refuses a negative or zero amount, saying what an amount is', () => {
    const message = (got: string) =>
      `must be more than 0: a budget is the most the workspace may spend in a month, in its currency; got ${got}`;
    assert.deepEqual(problemsOf({ ...base, amount: -5 }), [{ path: 'amount', message: message('-5') }]);
    assert.deepEqual(problemsOf({ ...base, amount: 0 }), [{ path: 'amount', message: message('0') }]);
    assert.deepEqual(problemsOf({ ...base, amount: 'lots' }), [{ path: 'amount', message: "expected a number, got the string 'lots'" }]);
    assert.deepEqual(problemsOf({ name: 'team-a', workspace: 'dev' }), [{ path: 'amount', message: 'is required' }]);
  });

  it('names every other field to fix', () => {
    assert.deepEqual(problemsOf({ ...base, thresholds: [0, 80, 1500] }), [
      { path: 'thresholds[0]', message: 'must be a percentage of amount from 1 to 1000 (100 is the whole budget); got 0' },
      { path: 'thresholds[2]', message: 'must be a percentage of amount from 1 to 1000 (100 is the whole budget); got 1500' },
    ]);
    assert.deepEqual(problemsOf({ ...base, period: 'weekly' }), [
      { path: 'period', message: "must be 'monthly': budgets run by calendar month" },
    ]);
    assert.deepEqual(problemsOf({ ...base, currency: 'EUR' }, 'USD'), [
      {
        path: 'currency',
        message: 'must be USD, the currency this installation prices usage in (prices.currency in its config.yaml); got EUR',
      },
    ]);
    assert.deepEqual(problemsOf({ ...base, name: 'team a' }), [
      {
        path: 'name',
        message:
          "'team a' is not a valid name: use 1-255 letters, digits, '-', '_' or '.', starting with a letter or digit (no '/' or spaces)",
      },
    ]);
    assert.deepEqual(problemsOf({ ...base, enforcng: true }), [
      { path: 'enforcng', message: "unknown field 'enforcng'; did you mean 'enforcing'?" },
    ]);
    assert.deepEqual(problemsOf({ ...base, notify: { emails: ['lead'], webhook: 'ftp://hooks.example.com' } }), [
      { path: 'notify.emails[0]', message: 'is not an email address' },
      { path: 'notify.webhook', message: 'must be an http(s) URL' },
    ]);
    assert.match(problemsOf({ ...base, time_zone: 'Europe/Berlim' })[0]?.message ?? '', /did you mean 'Europe\/Berlin'/);
  });

  it('alerts each threshold once, when spend reaches it', () => {
    const budget = parseBudget(base);
    assert.deepEqual(crossedThresholds(budget, 49.99, []), []);
    assert.deepEqual(crossedThresholds(budget, 50, []), [50]);
    // Float noise does not miss a threshold: 0.1 + 0.7 is 0.7999999999999999.
    assert.deepEqual(crossedThresholds({ ...budget, amount: 1 }, 0.1 + 0.7, [50]), [80]);
    // A jump past two thresholds alerts both; those alerted already stay quiet.
    assert.deepEqual(crossedThresholds(budget, 85, [50]), [80]);
    assert.deepEqual(crossedThresholds(budget, 85, [50, 80]), []);
    assert.deepEqual(crossedThresholds(budget, 130, [50, 80]), [100]);
    const forecasting = parseBudget({ ...base, forecast_thresholds: [100] });
    assert.deepEqual(crossedForecastThresholds(forecasting, 120, []), [100]);
    assert.deepEqual(crossedForecastThresholds(forecasting, 120, [100]), []);
    assert.equal(
      describeThreshold(budget, 80, 81.2),
      "budget 'team-a' of workspace 'dev' reached 80%: 81.20 USD of 100.00 USD spent this month",
    );
  });

  it('holds new jobs back at 100% of an enforcing budget, not before, and not for one that only alerts', () => {
    const enforcing: Budget = parseBudget({ ...base, enforcing: true });
    assert.equal(budgetBlocks(enforcing, 99.99), undefined);
    assert.deepEqual(budgetBlocks(enforcing, 102.4), {
      reason:
        "budget 'team-a' of workspace 'dev' is spent: 102.40 of 100.00 USD this month; " +
        'raise it with: trellis budget update --name team-a --workspace dev --set amount=<more>',
    });
    assert.match(
      budgetBlocks(enforcing, 100, Date.parse('2026-01-20T00:00:00Z'))?.reason ?? '',
      /or wait until 2026-02-01T00:00:00\.000Z$/,
    );
    assert.equal(budgetBlocks(parseBudget(base), 500), undefined);
  });

  it('says where a budget stands, in its currency', () => {
    const status = budgetStatus(parseBudget(base), 40, 120);
    assert.deepEqual(status, {
      spent: 40,
      amount: 100,
      currency: 'USD',
      percentUsed: 40,
      remaining: 60,
      forecast: 120,
      forecastPercent: 120,
    });
    assert.equal(formatMoney(1200, 'JPY'), '1200 JPY');
  });
});
