import { parseCostPeriod } from '../../core/cost/cost-period.js';
import { type CostPeriodRows, costSeries, type Granularity } from '../../core/cost/cost-series.js';
import { type FocusParty, focusCsv, focusRows } from '../../core/cost/focus-export.js';
import type { PriceList } from '../../core/cost/price-list.js';
import { type CostSummary, type CostTotals, costByDay, costOfJob, parseGroupBy, summarizeCost } from '../../core/cost/usage-cost.js';
import type { Day } from '../../core/cost/usage-interval.js';
import { TrellisError } from '../../core/errors.js';
import type { Context } from '../context.js';
import { requireWorkspace } from '../resource-service.js';

/** What a cost question asks: the grouping and the period as the user wrote them (`trellis cost show`). */
export interface CostQuery {
  groupBy?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** day, week or month: answer the rows per period too (`series`). */
  granularity?: Granularity | undefined;
}

/** A cost summary by one dimension, with the period's cost day by day (for plots and the forecast). */
export interface CostReport extends CostSummary {
  workspaces: string[];
  byDay: Array<Day & CostTotals>;
  /** The grouped rows per day, week or month, when a granularity was asked for. */
  series?: CostPeriodRows[];
}

/** The longest period a question may span: the day-by-day series and the export are one entry per day. */
const longestPeriodDays = 1_096;

/** The period as the user wrote it (core's parseCostPeriod), at most three years long. */
function periodOf(query: Pick<CostQuery, 'from' | 'to'>, now: number): { from: number; to: number } {
  const period = parseCostPeriod(query, now);
  if (period.to - period.from > longestPeriodDays * 86_400_000)
    throw new TrellisError(
      'InvalidPeriod',
      400,
      `--from ${new Date(period.from).toISOString()} to --to ${new Date(period.to).toISOString()} is longer than ${longestPeriodDays} days (three years); ask for one year at a time`,
    );
  return period;
}

/**
 * The cost of the workspaces' usage in the period, grouped as asked (workspace when not said), and
 * day by day; with a granularity, the grouped rows per day, week or month as well. Dates are read in
 * UTC. Bad groupings and dates are 400s saying what to write.
 */
export async function costReport(context: Context, priceList: PriceList, workspaces: string[], query: CostQuery): Promise<CostReport> {
  const groupBy = parseGroupBy(query.groupBy ?? 'workspace');
  const now = context.clock().getTime();
  const { from, to } = periodOf(query, now);
  const intervals = await context.store.repositories.cost.usageIntervals({ workspaces, from, to });
  const summary = summarizeCost(intervals, { from, to, now, groupBy }, priceList);
  const byDay = costByDay(intervals, { from, to, now }, priceList);
  const { granularity } = query;
  if (!granularity) return { ...summary, workspaces, byDay };
  return { ...summary, workspaces, byDay, series: costSeries(intervals, { from, to, now, groupBy, granularity }, priceList) };
}

/** One workspace's cost report; a 404 when it does not exist. */
export async function workspaceCost(context: Context, priceList: PriceList, workspace: string, query: CostQuery): Promise<CostReport> {
  await requireWorkspace(context, workspace);
  return costReport(context, priceList, [workspace], query);
}

/** The workspace's usage in the period as a FinOps FOCUS 1.1 CSV (RFC 4180), one row per resource, SKU and tier per UTC day. */
export async function focusExport(
  context: Context,
  priceList: PriceList,
  workspace: string,
  query: Pick<CostQuery, 'from' | 'to'>,
  party: FocusParty,
): Promise<{ csv: string; from: number; to: number; rows: number }> {
  await requireWorkspace(context, workspace);
  const now = context.clock().getTime();
  const { from, to } = periodOf(query, now);
  const intervals = await context.store.repositories.cost.usageIntervals({ workspaces: [workspace], from, to });
  const rows = focusRows(intervals, { from, to, now }, priceList, party);
  return { csv: focusCsv(rows), from, to, rows: rows.length };
}

/** What a job cost: its own nodes' time, and for a sweep or pipeline every trial's and step's, from its submission to now. */
export interface JobCost extends CostTotals {
  workspace: string;
  job: string;
  kind: 'command' | 'sweep' | 'pipeline';
  /** Whether every second of it has a price (an attached compute nobody priced has none). */
  isPriced: boolean;
}

export async function jobCost(context: Context, priceList: PriceList, workspace: string, name: string): Promise<JobCost> {
  await requireWorkspace(context, workspace);
  const repositories = context.store.repositories;
  const [job, sweep, pipeline] = await Promise.all([
    repositories.jobs.get(workspace, name),
    repositories.sweeps.get(workspace, name),
    repositories.pipelines.get(workspace, name),
  ]);
  const found = job ?? sweep ?? pipeline;
  if (!found)
    throw new TrellisError(
      'JobNotFound',
      404,
      `job '${name}' does not exist in workspace '${workspace}'; list jobs with: trellis job list -w ${workspace}`,
    );
  const now = context.clock().getTime();
  const period = { from: found.submittedAt, to: now + 1, now };
  const intervals = await repositories.cost.usageIntervals({ workspaces: [workspace], from: period.from, to: period.to });
  const totals = costOfJob(intervals, { workspace, name }, period, priceList);
  return {
    workspace,
    job: name,
    kind: job ? 'command' : sweep ? 'sweep' : 'pipeline',
    ...totals,
    isPriced: totals.unpricedSeconds === 0,
  };
}
