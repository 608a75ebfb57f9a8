import { TrellisError } from '../errors.js';
import { type PriceList, type ResolvedPrice, resolvePrice } from './price-list.js';
import {
  type CostPeriod,
  clipInterval,
  type Day,
  daysBetween,
  machineSeconds,
  splitByDay,
  type UsageInterval,
  type UsageKind,
} from './usage-interval.js';

/**
 * Money from usage: each interval's machine-seconds inside a period times its price, summed by
 * a dimension (`trellis cost show --group-by`). Unpriced usage (attached computes nobody priced)
 * is counted in unpricedSeconds, never silently as free.
 */

export type GroupBy = 'workspace' | 'compute' | 'job' | 'endpoint' | 'size' | 'day' | `tag:${string}`;

const plainGroupings = ['workspace', 'compute', 'job', 'endpoint', 'size', 'day'] as const;

/** A --group-by value; a 400 saying what is allowed otherwise. */
export function parseGroupBy(text: string): GroupBy {
  const value = text.trim();
  if ((plainGroupings as readonly string[]).includes(value)) return value as GroupBy;
  if (value.startsWith('tag:') && value.length > 'tag:'.length) return value as GroupBy;
  const hint = value === 'tag' || value === 'tag:' ? ' (name the tag, e.g. tag:cost_center)' : '';
  throw new TrellisError(
    'InvalidGroupBy',
    400,
    `--group-by must be workspace, compute, job, endpoint, size, day or tag:<key>; got '${text}'${hint}`,
    { details: { groupBy: text } },
  );
}

/** Money and machine time of one group. Seconds are machine-seconds (2 nodes for an hour: 7200). */
export interface CostTotals {
  /** Seconds of job and idle cluster nodes. */
  nodeSeconds: number;
  /** Seconds of endpoint instances. */
  instanceSeconds: number;
  /** Seconds of either that have no price (in neither of the above's cost). */
  unpricedSeconds: number;
  /** At this installation's prices. */
  cost: number;
  /** At Azure's list prices where known (else this installation's): what the cost would be at list. */
  listCost: number;
  currency: string;
}

export interface CostRow extends CostTotals {
  group: string;
  /** The workspace of a compute, job or endpoint group (their names are unique only within one). */
  workspace?: string | undefined;
}

export interface CostSummary {
  from: number;
  to: number;
  groupBy: GroupBy;
  currency: string;
  /** Most expensive first. */
  rows: CostRow[];
  total: CostTotals;
}

/** The cost of an interval's time inside the period; cost null when it has no price. */
export function costOfInterval(
  interval: UsageInterval,
  period: CostPeriod,
  priceList: PriceList,
): { seconds: number; cost: number | null; listCost: number | null; price: ResolvedPrice | null } {
  const span = clipInterval(interval, period);
  const seconds = span ? machineSeconds(interval, span) : 0;
  const price = resolvePrice(interval, priceList);
  return { seconds, cost: price && (price.perHour * seconds) / 3600, listCost: price && (price.listPerHour * seconds) / 3600, price };
}

/**
 * Cost inside [from, to) grouped by one dimension. Jobs roll up into their top-level job: a sweep
 * or pipeline row is the sum of its trials and steps. Usage a dimension does not apply to gets a
 * group of its own so the rows always add up to the total: '(untagged)' for a tag, '(idle nodes)',
 * '(jobs)' and '(endpoints)' for job, endpoint and compute groupings. Days are cut at midnight in
 * `timeZone` (UTC by default).
 */
export function summarizeCost(
  intervals: readonly UsageInterval[],
  options: CostPeriod & { groupBy: GroupBy; timeZone?: string | undefined },
  priceList: PriceList,
): CostSummary {
  const groups = new Map<string, CostRow>();
  for (const interval of intervals) {
    const span = clipInterval(interval, options);
    if (!span) continue;
    const price = resolvePrice(interval, priceList);
    const pieces = options.groupBy === 'day' ? splitByDay(span, options.timeZone) : [{ day: '', spanStart: span.start, spanEnd: span.end }];
    for (const piece of pieces) {
      const { group, workspace } = groupOf(interval, options.groupBy, piece.day);
      const key = JSON.stringify([workspace ?? null, group]);
      const row = groups.get(key) ?? { group, ...(workspace !== undefined ? { workspace } : {}), ...emptyTotals(priceList.currency) };
      addUsage(row, interval, machineSeconds(interval, { start: piece.spanStart, end: piece.spanEnd }), price);
      groups.set(key, row);
    }
  }
  const rows = [...groups.values()].sort(
    (a, b) =>
      b.cost - a.cost ||
      b.nodeSeconds + b.instanceSeconds - (a.nodeSeconds + a.instanceSeconds) ||
      a.group.localeCompare(b.group) ||
      (a.workspace ?? '').localeCompare(b.workspace ?? ''),
  );
  // Days read best in order.
  if (options.groupBy === 'day') rows.sort((a, b) => a.group.localeCompare(b.group));
  const total = emptyTotals(priceList.currency);
  for (const row of rows) {
    total.nodeSeconds += row.nodeSeconds;
    total.instanceSeconds += row.instanceSeconds;
    total.unpricedSeconds += row.unpricedSeconds;
    total.cost += row.cost;
    total.listCost += row.listCost;
  }
  return { from: options.from, to: options.to, groupBy: options.groupBy, currency: priceList.currency, rows, total };
}

/** One point per day of the period up to now, days without usage included (zero), for plots and forecasts. */
export function costByDay(
  intervals: readonly UsageInterval[],
  options: CostPeriod & { timeZone?: string | undefined },
  priceList: PriceList,
): Array<Day & CostTotals> {
  const byDay = new Map(summarizeCost(intervals, { ...options, groupBy: 'day' }, priceList).rows.map((row) => [row.group, row]));
  return daysBetween(options.from, Math.min(options.to, options.now), options.timeZone).map((day) => {
    const {
      group: _group,
      workspace: _workspace,
      ...totals
    } = byDay.get(day.day) ?? { group: day.day, ...emptyTotals(priceList.currency) };
    return { ...day, ...totals };
  });
}

/** A job's cost: its own nodes' plus, for a sweep or pipeline, every job below it. */
export function costOfJob(
  intervals: readonly UsageInterval[],
  job: { workspace: string; name: string },
  period: CostPeriod,
  priceList: PriceList,
): CostTotals {
  const mine = intervals.filter(
    (interval) =>
      interval.kind === 'job-node' &&
      interval.workspace === job.workspace &&
      (interval.job?.name === job.name || interval.job?.ancestors?.includes(job.name) === true),
  );
  return summarizeCost(mine, { ...period, groupBy: 'workspace' }, priceList).total;
}

function emptyTotals(currency: string): CostTotals {
  return { nodeSeconds: 0, instanceSeconds: 0, unpricedSeconds: 0, cost: 0, listCost: 0, currency };
}

function addUsage(totals: CostTotals, interval: UsageInterval, seconds: number, price: ResolvedPrice | null): void {
  if (interval.kind === 'endpoint-instance') totals.instanceSeconds += seconds;
  else totals.nodeSeconds += seconds;
  if (!price) {
    totals.unpricedSeconds += seconds;
    return;
  }
  totals.cost += (price.perHour * seconds) / 3600;
  totals.listCost += (price.listPerHour * seconds) / 3600;
}

const otherUsage: Record<UsageKind, string> = { 'job-node': '(jobs)', 'idle-node': '(idle nodes)', 'endpoint-instance': '(endpoints)' };

function groupOf(interval: UsageInterval, groupBy: GroupBy, day: string): { group: string; workspace?: string } {
  const { workspace } = interval;
  switch (groupBy) {
    case 'workspace':
      return { group: workspace };
    case 'size':
      return { group: interval.size };
    case 'day':
      return { group: day };
    case 'compute':
      return { group: interval.compute ?? otherUsage[interval.kind], workspace };
    case 'job':
      if (interval.kind !== 'job-node' || !interval.job) return { group: otherUsage[interval.kind], workspace };
      return { group: interval.job.ancestors?.at(-1) ?? interval.job.name, workspace };
    case 'endpoint':
      return { group: interval.endpoint?.name ?? otherUsage[interval.kind], workspace };
    default:
      return { group: interval.tags[groupBy.slice('tag:'.length)] ?? '(untagged)' };
  }
}
