import { parse, stringify } from 'yaml';
import { applySetOverrides } from '../../core/azureml/parse-job-file.js';
import {
  type Budget,
  type BudgetStatus,
  budgetBlocks,
  budgetStatus,
  crossedForecastThresholds,
  crossedThresholds,
  parseBudget,
} from '../../core/cost/budget.js';
import { forecastMonthEnd, monthWindow } from '../../core/cost/month-forecast.js';
import type { PriceList } from '../../core/cost/price-list.js';
import { costByDay, summarizeCost } from '../../core/cost/usage-cost.js';
import { dayOf } from '../../core/cost/usage-interval.js';
import { invalidInput, TrellisError } from '../../core/errors.js';
import { digestOf } from '../../core/resources/digest.js';
import type { BudgetAlertRecord, StoredBudget } from '../../store/budget-repository.js';
import type { Caller, Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';

/** Where a budget stands this month: spent, forecast, the thresholds alerted and whether it holds jobs back. */
export interface BudgetMonthStatus extends BudgetStatus {
  /** YYYY-MM in the budget's time zone. */
  month: string;
  monthStart: number;
  monthEnd: number;
  /** actual: thresholds of amount that spent has reached; forecast: of forecast_thresholds that the forecast has. */
  reached: Array<{ kind: 'actual' | 'forecast'; threshold: number }>;
  /** The thresholds recorded this month: when reached, and whether the alert was delivered. */
  alerts: BudgetAlertRecord[];
  /** Why new jobs of the workspace wait (enforcing and spent); null when they may run. */
  blocking: string | null;
}

/** A budget as the API answers it. */
export interface BudgetView extends StoredBudget {
  status: BudgetMonthStatus;
}

/** What a change of budgets tells the enforcement: measure this workspace again now. */
async function changed(context: Context, workspace: string): Promise<void> {
  await context.budgetHolds?.refresh(workspace);
}

export async function createBudget(
  context: Context,
  caller: Caller,
  priceList: PriceList,
  workspace: string,
  input: unknown,
): Promise<BudgetView> {
  await requireWorkspace(context, workspace);
  const spec = parseBudget(withWorkspace(input, workspace), priceList.currency);
  const repositories = context.store.repositories;
  if (await repositories.budgets.get(workspace, spec.name))
    throw new TrellisError(
      'BudgetAlreadyExists',
      409,
      `workspace '${workspace}' already has a budget '${spec.name}'; change it with: trellis budget update --name ${spec.name} --set amount=<amount>`,
    );
  const now = context.clock().getTime();
  const stored: StoredBudget = {
    workspace,
    name: spec.name,
    spec,
    createdBy: caller.actor,
    createdAt: now,
    updatedAt: now,
    etag: etagOf(spec, now),
  };
  await context.store.transaction(async (transaction) => {
    await transaction.budgets.insert(stored);
    await transaction.audit.append(auditEvent(caller, now, 'create', undefined, stored));
  });
  await changed(context, workspace);
  return viewOf(context, priceList, stored);
}

export async function getBudget(context: Context, priceList: PriceList, workspace: string, name: string): Promise<BudgetView> {
  return viewOf(context, priceList, await requireBudget(context, workspace, name));
}

export async function listBudgets(context: Context, priceList: PriceList, workspace: string): Promise<BudgetView[]> {
  await requireWorkspace(context, workspace);
  const budgets = await context.store.repositories.budgets.list(workspace);
  return Promise.all(budgets.map((budget) => viewOf(context, priceList, budget)));
}

/**
 * Changes a budget: `set` is field=value as `--set` writes them (amount=1000, enforcing=false,
 * thresholds=[50,90]), or `spec` replaces its fields. Its name and workspace stay. With `ifMatch`,
 * a budget changed meanwhile is a 412.
 */
export async function updateBudget(
  context: Context,
  caller: Caller,
  priceList: PriceList,
  workspace: string,
  name: string,
  change: { set?: string[] | undefined; spec?: Record<string, unknown> | undefined },
  ifMatch?: string,
): Promise<BudgetView> {
  const existing = await requireBudget(context, workspace, name);
  const label = `budget '${name}'`;
  const base = change.spec ? withWorkspace({ ...change.spec, name }, workspace) : existing.spec;
  const text = applySetOverrides(stringify(base), change.set ?? [], label);
  const fields = parseFields(text, label);
  const problems = [
    ...(fields.name !== undefined && fields.name !== name
      ? [{ path: 'name', message: `a budget cannot be renamed; create '${String(fields.name)}' and delete '${name}'` }]
      : []),
    ...(fields.workspace !== undefined && fields.workspace !== workspace
      ? [{ path: 'workspace', message: `a budget cannot move to another workspace; create it in '${String(fields.workspace)}'` }]
      : []),
  ];
  if (problems.length > 0) throw invalidInput(label, problems);
  const spec = parseBudget({ ...fields, name, workspace }, priceList.currency);
  const now = context.clock().getTime();
  const updated: StoredBudget = { ...existing, spec, updatedAt: now, etag: etagOf(spec, now) };
  await context.store.transaction(async (transaction) => {
    const written = await transaction.budgets.update(
      workspace,
      name,
      { spec, updatedAt: now, etag: updated.etag },
      ifMatch ?? existing.etag,
    );
    if (!written)
      throw new TrellisError(
        'EtagMismatch',
        412,
        `budget '${name}' was changed since you read it${ifMatch ? ` (you sent If-Match ${ifMatch})` : ''}; read it again and retry`,
      );
    await transaction.audit.append(auditEvent(caller, now, 'update', existing, updated));
  });
  await changed(context, workspace);
  return viewOf(context, priceList, updated);
}

export async function deleteBudget(context: Context, caller: Caller, workspace: string, name: string): Promise<void> {
  const existing = await requireBudget(context, workspace, name);
  const now = context.clock().getTime();
  await context.store.transaction(async (transaction) => {
    await transaction.budgets.delete(workspace, name);
    await transaction.audit.append(auditEvent(caller, now, 'delete', existing, undefined));
  });
  await changed(context, workspace);
}

/**
 * Where a budget stands in the month holding `now` (in its time zone): what the workspace spent,
 * the month's forecast on the trailing seven days' rate, the thresholds reached and recorded, and
 * whether it holds new jobs back.
 */
export async function monthStatus(context: Context, priceList: PriceList, stored: StoredBudget, now: number): Promise<BudgetMonthStatus> {
  const budget = stored.spec;
  const month = monthWindow(now, budget.time_zone);
  const monthName = dayOf(month.start, budget.time_zone).day.slice(0, 7);
  // The forecast's trailing seven days reach into last month early in a month.
  const from = Math.min(month.start, dayOf(now, budget.time_zone).start - 6 * 86_400_000);
  const intervals = await context.store.repositories.cost.usageIntervals({ workspaces: [budget.workspace], from, to: now + 1 });
  const spent = summarizeCost(intervals, { from: month.start, to: month.end, now, groupBy: 'workspace' }, priceList).total.cost;
  const daily = costByDay(intervals, { from, to: month.end, now, timeZone: budget.time_zone }, priceList);
  const { forecast } = forecastMonthEnd(spent, daily, now, budget.time_zone);
  const reached = [
    ...crossedThresholds(budget, spent, []).map((threshold) => ({ kind: 'actual' as const, threshold })),
    ...crossedForecastThresholds(budget, forecast, []).map((threshold) => ({ kind: 'forecast' as const, threshold })),
  ];
  return {
    ...budgetStatus(budget, spent, forecast),
    month: monthName,
    monthStart: month.start,
    monthEnd: month.end,
    reached,
    alerts: await context.store.repositories.budgets.alerts(budget.workspace, budget.name, monthName),
    blocking: budgetBlocks(budget, spent, now)?.reason ?? null,
  };
}

async function viewOf(context: Context, priceList: PriceList, stored: StoredBudget): Promise<BudgetView> {
  return { ...stored, status: await monthStatus(context, priceList, stored, context.clock().getTime()) };
}

async function requireBudget(context: Context, workspace: string, name: string): Promise<StoredBudget> {
  await requireWorkspace(context, workspace);
  const found = await context.store.repositories.budgets.get(workspace, name);
  if (!found)
    throw new TrellisError(
      'BudgetNotFound',
      404,
      `workspace '${workspace}' has no budget '${name}'; list them with: trellis budget list -w ${workspace}`,
    );
  return found;
}

/** The body with the workspace of the path; one that names another workspace is left as it is, for the parser to refuse. */
function withWorkspace(input: unknown, workspace: string): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const fields = input as Record<string, unknown>;
  if (fields.workspace !== undefined && fields.workspace !== workspace)
    throw invalidInput('budget', [
      { path: 'workspace', message: `names workspace '${String(fields.workspace)}' but the budget is being created in '${workspace}'` },
    ]);
  return { ...fields, workspace };
}

function parseFields(text: string, label: string): Record<string, unknown> {
  const value: unknown = parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidInput(label, [{ path: '(root)', message: 'must be a mapping of budget fields' }]);
  return value as Record<string, unknown>;
}

function etagOf(spec: Budget, at: number): string {
  return digestOf({ spec, at }).slice('sha256:'.length, 'sha256:'.length + 16);
}

function auditEvent(
  caller: Caller,
  now: number,
  action: 'create' | 'update' | 'delete',
  before: StoredBudget | undefined,
  after: StoredBudget | undefined,
) {
  const budget = (after ?? before)!;
  return {
    workspace: budget.workspace,
    at: new Date(now).toISOString(),
    actor: caller.actor,
    action,
    kind: 'budget',
    name: budget.name,
    version: null,
    beforeDigest: before ? digestOf(before.spec) : null,
    afterDigest: after ? digestOf(after.spec) : null,
    requestId: caller.requestId,
    summary: after ? `${after.spec.amount} ${after.spec.currency} a month${after.spec.enforcing ? ', enforcing' : ''}` : null,
  };
}
