import type { FeatureDistribution, Monitor, MonitorRun, SignalResult, SignalSide } from '../api/monitors.js';
import { formatNumber, formatTime } from './format.js';

/** What the monitor pages compute from runs: outcomes in words, each signal's metrics over time, bins in words. */

/** The badge colours the monitor pages use (a subset of the status badge's tones). */
export type Tone = 'ok' | 'bad' | 'idle';

/** How a signal came out, coloured: within its thresholds, past one, nothing to judge, or not computed. */
export const outcomeTones: Record<SignalResult['outcome'], Tone> = { passed: 'ok', breached: 'bad', no_data: 'idle', failed: 'bad' };

/** A run in a few words: failed, how many breaches, no data at all, or passed. */
export function runOutcome(run: MonitorRun): { label: string; tone: Tone } {
  if (run.state === 'Failed') return { label: 'failed', tone: 'bad' };
  if (run.breaches > 0) return { label: `${run.breaches} ${run.breaches === 1 ? 'breach' : 'breaches'}`, tone: 'bad' };
  if (run.signals.some((signal) => signal.outcome === 'failed')) return { label: 'a signal failed', tone: 'bad' };
  if (run.signals.length > 0 && run.signals.every((signal) => signal.outcome === 'no_data')) return { label: 'no data', tone: 'idle' };
  return { label: 'passed', tone: 'ok' };
}

/**
 * Whether a metric breaches when its value falls below the threshold (p-values, scores) rather
 * than above it; as the server's breachesWhenBelow (core/monitoring/monitoring-types.ts).
 */
export function breachesBelow(metric: string): boolean {
  return [
    'two_sample_kolmogorov_smirnov_test',
    'pearsons_chi_squared_test',
    'normalized_discounted_cumulative_gain',
    'accuracy',
    'precision',
    'recall',
    'f1_score',
  ].includes(metric);
}

/** One feature's value of a metric at each run (null where it had none), and whether each breached. */
export interface FeatureSeries {
  feature: string;
  values: Array<number | null>;
  breached: boolean[];
}

/** A metric of one signal over the runs, oldest first: a series per feature and the threshold line(s). */
export interface MetricHistory {
  metric: string;
  /** The runs' times (epoch ms, the time each was computed for), ascending. */
  times: number[];
  /** The runs' names, in the same order. */
  runs: string[];
  features: FeatureSeries[];
  /** One line, or one per feature type when their thresholds differ; null where a run had no such metric. */
  thresholds: Array<{ label: string; values: Array<number | null> }>;
}

/**
 * A signal's metrics over `runs` (any order; drawn oldest first), one history per metric: each
 * feature's value per run, whether it breached, and the threshold per run (it changes when the
 * schedule file does).
 */
export function signalHistory(runs: readonly MonitorRun[], signal: string): MetricHistory[] {
  const ordered = [...runs].sort((left, right) => left.slotAt - right.slotAt);
  const results = ordered.map((run) => run.signals.find((item) => item.name === signal));
  const metrics = [...new Set(results.flatMap((result) => result?.metrics.map((metric) => metric.metric) ?? []))];
  return metrics.map((metric) => {
    const features = [
      ...new Set(results.flatMap((result) => result?.metrics.filter((item) => item.metric === metric).map((item) => item.feature) ?? [])),
    ];
    const measured = (index: number, feature: string) =>
      results[index]?.metrics.find((item) => item.metric === metric && item.feature === feature);
    const byType = new Map<string, Array<number | null>>();
    results.forEach((result, index) => {
      for (const item of result?.metrics ?? []) {
        if (item.metric !== metric) continue;
        const line = byType.get(item.featureType) ?? ordered.map(() => null);
        line[index] ??= item.threshold;
        byType.set(item.featureType, line);
      }
    });
    const lines = [...byType.entries()];
    // One line unless the feature types' thresholds differ at some run (a categorical and a numerical threshold, say).
    const isOneLine = ordered.every(
      (_, index) => new Set(lines.map(([, values]) => values[index]).filter((value) => value !== null)).size <= 1,
    );
    return {
      metric,
      times: ordered.map((run) => run.slotAt),
      runs: ordered.map((run) => run.name),
      features: features.map((feature) => ({
        feature,
        values: ordered.map((_, index) => measured(index, feature)?.value ?? null),
        breached: ordered.map((_, index) => measured(index, feature)?.breached ?? false),
      })),
      thresholds: isOneLine
        ? [
            {
              label: 'threshold',
              values: ordered.map((_, index) => lines.map(([, values]) => values[index]).find((value) => value !== null) ?? null),
            },
          ]
        : lines.map(([type, values]) => ({ label: `threshold (${type})`, values })),
    };
  });
}

/** Each bin of a distribution in words: `[4.3, 4.5)` for numeric edges (the last bin closed), the category for categories. */
export function binLabels(distribution: FeatureDistribution): string[] {
  if (distribution.featureType === 'categorical') return distribution.bins.map(String);
  const edges = distribution.bins.map(Number);
  return edges
    .slice(0, -1)
    .map((low, index) => `[${formatNumber(low)}, ${formatNumber(edges[index + 1])}${index === edges.length - 2 ? ']' : ')'}`);
}

/** The rows a side of a signal was computed from: how many, what they are, and their window. */
export function describeSide(side: SignalSide): string {
  const rows = `${side.rows.toLocaleString('en-US')} ${side.rows === 1 ? 'row' : 'rows'} of ${side.source}`;
  if (side.from === null || side.to === null) return `${rows} (all of it)`;
  return `${rows}, from ${formatTime(side.from)} to ${formatTime(side.to)}`;
}

/** The monitors whose target is `endpoint` (any of its deployments). */
export function monitorsWatching(monitors: readonly Monitor[], endpoint: string): Monitor[] {
  return monitors.filter((monitor) => monitor.endpoint === endpoint);
}
