import { z } from 'zod';
import { closedObject } from '../azureml/schema-helpers.js';
import { describeIssue, problemsFromIssues } from '../azureml/zod-problems.js';
import { invalidInput } from '../errors.js';
import { checkName } from '../resources/names.js';
import { resolveTimeZone } from '../schedules/time-zones.js';
import { monthWindow } from './month-forecast.js';
import { currencyField } from './price-list.js';

/**
 * A workspace's budget: what it may spend in a calendar month, the percentages of that at which
 * someone is told, and whether reaching it holds new jobs back (they wait, with the budget named
 * as the reason; they never fail). Like an Azure Consumption budget: `thresholds` alert on
 * actual spend, `forecast_thresholds` on the month's forecast.
 *
 * ```yaml
 * name: team-a
 * workspace: dev
 * amount: 5000
 * currency: USD
 * thresholds: [50, 80, 100]
 * forecast_thresholds: [100]
 * enforcing: true
 * notify: { emails: [lead@example.com], webhook: https://hooks.example.com/budget }
 * ```
 */

const nameField = (what: string) =>
  z.string().superRefine((name, context) => {
    const problem = checkName(name, what);
    if (problem) context.addIssue({ code: 'custom', message: problem.message, input: name });
  });

// The CLI's --set amount=150 hands a string; a number written as text is that number.
const numberFromText = (value: unknown) =>
  typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;

const amountField = z.preprocess(
  numberFromText,
  z.number().refine((amount) => amount > 0, {
    error: (issue) =>
      `must be more than 0: a budget is the most the workspace may spend in a month, in its currency; got ${String(issue.input)}`,
  }),
);

const percentages = (fallback: number[]) =>
  z
    .array(
      z.preprocess(
        numberFromText,
        z.number().refine((percent) => percent >= 1 && percent <= 1000, {
          error: (issue) => `must be a percentage of amount from 1 to 1000 (100 is the whole budget); got ${String(issue.input)}`,
        }),
      ),
    )
    .default(fallback)
    .transform((list) => [...new Set(list)].sort((a, b) => a - b));

export const budgetSchema = closedObject({
  name: nameField('name'),
  workspace: nameField('workspace'),
  amount: amountField,
  currency: currencyField.optional().describe("the installation's (prices.currency) when absent"),
  period: z.literal('monthly', { error: "must be 'monthly': budgets run by calendar month" }).default('monthly'),
  time_zone: z
    .string()
    .superRefine((name, context) => {
      const resolved = resolveTimeZone(name);
      if ('problem' in resolved) context.addIssue({ code: 'custom', message: resolved.problem, input: name });
    })
    .default('UTC')
    .describe('where the month starts and ends'),
  thresholds: percentages([50, 80, 100]),
  forecast_thresholds: percentages([]),
  enforcing: z.boolean().default(false).describe('at 100% of amount, new jobs of the workspace wait until next month or a raise'),
  notify: closedObject({
    emails: z.array(z.email('is not an email address')).optional(),
    webhook: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  }).optional(),
});

export type BudgetInput = z.input<typeof budgetSchema>;

/** A budget as parsed: defaults filled in, thresholds sorted without repeats. */
export interface Budget {
  name: string;
  workspace: string;
  amount: number;
  currency: string;
  period: 'monthly';
  time_zone: string;
  thresholds: number[];
  forecast_thresholds: number[];
  enforcing: boolean;
  notify?: { emails?: string[] | undefined; webhook?: string | undefined } | undefined;
}

/**
 * A budget from a request body or YAML file; a 422 naming every field to fix (a negative amount,
 * a threshold of 0...). Its currency must be the one this installation prices usage in
 * (`pricesCurrency`, USD by default), which it takes when it names none.
 */
export function parseBudget(input: unknown, pricesCurrency = 'USD'): Budget {
  const result = budgetSchema.safeParse(input, { error: describeIssue });
  const problems = result.success ? [] : problemsFromIssues(result.error.issues, () => ({}));
  const currency = result.data?.currency ?? pricesCurrency;
  if (result.success && currency !== pricesCurrency)
    problems.push({
      path: 'currency',
      message: `must be ${pricesCurrency}, the currency this installation prices usage in (prices.currency in its config.yaml); got ${currency}`,
    });
  if (!result.success || problems.length > 0) {
    const name = typeof (input as { name?: unknown } | null)?.name === 'string' ? ` '${(input as { name: string }).name}'` : '';
    throw invalidInput(`budget${name}`, problems);
  }
  return { ...result.data, currency };
}

/** An amount with its currency's decimals: 102.40 USD, 1200 JPY. */
export function formatMoney(amount: number, currency: string): string {
  return `${formatAmount(amount, currency)} ${currency}`;
}

function formatAmount(amount: number, currency: string): string {
  const digits = new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return amount.toFixed(digits);
}

export interface BudgetStatus {
  spent: number;
  amount: number;
  currency: string;
  /** spent as a percentage of amount. */
  percentUsed: number;
  /** What is left; negative once over. */
  remaining: number;
  forecast?: number | undefined;
  forecastPercent?: number | undefined;
}

/** Where a budget stands this month, for `trellis budget show`. */
export function budgetStatus(budget: Budget, spent: number, forecast?: number): BudgetStatus {
  return {
    spent,
    amount: budget.amount,
    currency: budget.currency,
    percentUsed: (spent / budget.amount) * 100,
    remaining: budget.amount - spent,
    ...(forecast !== undefined ? { forecast, forecastPercent: (forecast / budget.amount) * 100 } : {}),
  };
}

/**
 * The thresholds `spent` has reached that were not alerted yet this month, lowest first. Each
 * is alerted once a month: the caller records what this returns and passes it back as
 * alreadyAlerted until the month turns.
 */
export function crossedThresholds(budget: Budget, spent: number, alreadyAlerted: readonly number[]): number[] {
  return reached(budget.thresholds, budget.amount, spent, alreadyAlerted);
}

/** As crossedThresholds, for forecast_thresholds against the month's forecast. */
export function crossedForecastThresholds(budget: Budget, forecast: number, alreadyAlerted: readonly number[]): number[] {
  return reached(budget.forecast_thresholds, budget.amount, forecast, alreadyAlerted);
}

function reached(thresholds: readonly number[], amount: number, value: number, alreadyAlerted: readonly number[]): number[] {
  // Rounded to a millionth of a percent, so float noise (79.99999999 for 80.00 of 100) does not miss a threshold.
  const percent = Math.round((value / amount) * 100 * 1e6) / 1e6;
  return thresholds.filter((threshold) => percent >= threshold && !alreadyAlerted.includes(threshold));
}

/** The alert's text for a threshold reached. */
export function describeThreshold(budget: Budget, threshold: number, spent: number, kind: 'actual' | 'forecast' = 'actual'): string {
  const where = `budget '${budget.name}' of workspace '${budget.workspace}'`;
  const of = `of ${formatMoney(budget.amount, budget.currency)}`;
  return kind === 'forecast'
    ? `${where} is forecast to reach ${threshold}%: ${formatMoney(spent, budget.currency)} ${of} by the end of the month`
    : `${where} reached ${threshold}%: ${formatMoney(spent, budget.currency)} ${of} spent this month`;
}

/**
 * Why a new job of the workspace must wait: an enforcing budget spent to 100% or more. undefined:
 * it may run (the budget is not enforcing, or not spent). With `now`, the reason says when the
 * month turns.
 */
export function budgetBlocks(budget: Budget, spent: number, now?: number): { reason: string } | undefined {
  if (!budget.enforcing || spent < budget.amount) return undefined;
  const until = now === undefined ? '' : ` or wait until ${new Date(monthWindow(now, budget.time_zone).end).toISOString()}`;
  return {
    reason:
      `budget '${budget.name}' of workspace '${budget.workspace}' is spent: ` +
      `${formatAmount(spent, budget.currency)} of ${formatMoney(budget.amount, budget.currency)} this month; ` +
      `raise it with: trellis budget update --name ${budget.name} --workspace ${budget.workspace} --set amount=<more>${until}`,
  };
}
