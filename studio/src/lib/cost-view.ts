import type { CostSeriesPeriod, Granularity } from '../api/cost.js';

const dayMs = 86_400_000;

/** A day as the period chooser and the server write it: YYYY-MM-DD (UTC). */
export function isoDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The page's period when the URL names none: this month so far, as `trellis cost show` reads it. */
export function defaultPeriod(now: number): { from: string; to: string } {
  return { from: `${isoDay(now).slice(0, 7)}-01`, to: isoDay(now) };
}

/** `?from=` or `?to=` as the page reads it: a day (YYYY-MM-DD), anything else not given. */
export function parseDay(value: string | null): string | undefined {
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value)) ? value : undefined;
}

/** `?group_by=` as the page reads it: compute, job, endpoint, size or tag:<key>; compute otherwise. */
export function parseGrouping(value: string | null): string {
  if (value === 'compute' || value === 'job' || value === 'endpoint' || value === 'size') return value;
  if (value?.startsWith('tag:') && value.length > 'tag:'.length) return value;
  return 'compute';
}

/**
 * How finely to chart a period from one day to another (both included): a point a day up to two
 * months, a week up to a year, a month beyond, so a chart has between a handful and ~60 points.
 */
export function granularityFor(from: string, to: string): Granularity {
  const days = (Date.parse(to) - Date.parse(from)) / dayMs + 1;
  if (days <= 62) return 'day';
  return days <= 366 ? 'week' : 'month';
}

/** A chart's lines: the x of each period (its start, ms) and one line per group, the costliest first. */
export interface CostLines {
  times: number[];
  lines: Array<{ label: string; values: number[]; total: number }>;
}

/**
 * The series as lines to draw: one per group, zero in the periods it has no cost in, the `most`
 * costliest groups kept and the rest summed as '(other)' so the legend stays readable.
 */
export function costLines(series: readonly CostSeriesPeriod[], most = 6): CostLines {
  const totals = new Map<string, number>();
  for (const period of series) for (const row of period.rows) totals.set(row.group, (totals.get(row.group) ?? 0) + row.cost);
  const ranked = [...totals].sort((left, right) => right[1] - left[1] || left[0].localeCompare(right[0])).map(([group]) => group);
  const kept = ranked.length > most ? ranked.slice(0, most - 1) : ranked;
  const labels = ranked.length > kept.length ? [...kept, '(other)'] : kept;
  const lines = labels.map((label) => ({ label, values: series.map(() => 0), total: 0 }));
  series.forEach((period, index) => {
    for (const row of period.rows) {
      const line = lines[kept.includes(row.group) ? kept.indexOf(row.group) : kept.length];
      if (!line) continue;
      line.values[index] = (line.values[index] ?? 0) + row.cost;
      line.total += row.cost;
    }
  });
  return { times: series.map((period) => period.start), lines };
}

/** Money as the CLI writes it: four decimals under one unit, so a short job's cost is not 0.00; two otherwise. */
export function formatAmount(amount: number, currency: string): string {
  const digits = amount !== 0 && Math.abs(amount) < 1 ? 4 : 2;
  return `${amount.toFixed(digits)} ${currency}`;
}

/** Hours of machine time, one decimal (three under an hour: a short job's seconds still show), as the CLI writes them. */
export function formatHours(seconds: number): string {
  const hours = seconds / 3600;
  return hours >= 1 || hours === 0 ? hours.toFixed(1) : hours.toFixed(3);
}

/** Thresholds as percentages of the amount: 50%, 80%, 100%; a dash for none. */
export function formatThresholds(thresholds: readonly number[]): string {
  return thresholds.length === 0 ? '—' : thresholds.map((threshold) => `${threshold}%`).join(', ');
}

/** A share of a budget: one decimal, or one significant digit under 0.1% so a small spend does not read 0.0%. */
export function formatPercent(percent: number): string {
  if (percent === 0) return '0%';
  return Math.abs(percent) < 0.1 ? `${Number(percent.toPrecision(1))}%` : `${percent.toFixed(1)}%`;
}

/**
 * The studio's page for a row of the grouped totals: a compute's, a job's (a sweep or pipeline
 * included), an endpoint's; none for sizes, tags and the rows of usage a grouping does not apply
 * to, '(idle nodes)' and the like.
 */
export function costGroupPagePath(workspace: string, groupBy: string, group: string): string | undefined {
  if (group.startsWith('(')) return undefined;
  const name = encodeURIComponent(group);
  if (groupBy === 'compute') return `/w/${workspace}/computes/${name}`;
  if (groupBy === 'job') return `/w/${workspace}/jobs/${name}`;
  if (groupBy === 'endpoint') return `/w/${workspace}/endpoints/${name}`;
  return undefined;
}
