import type { MonitorRun } from './monitor-run.js';

/** A metric of a feature of a signal whose breach began, goes on, or ended with this run. */
export interface AlertTransition {
  signal: string;
  signalType: string;
  feature: string;
  metric: string;
  value: number;
  threshold: number;
  state: 'firing' | 'resolved';
  /** The run that first saw the breach: its slot, or this run's when it began now. */
  since: number;
}

/**
 * The alerts a run calls for, given the run before it: every breach of a signal with alerts
 * enabled fires (again: Alertmanager keeps an alert active while it is re-sent, and resolves one
 * not re-sent); a breach of the previous run that this run measured and found back within its
 * threshold resolves. A metric this run could not compute (no data) neither fires nor resolves:
 * the alert expires on its own if the monitor stays blind.
 */
export function alertTransitions(
  run: MonitorRun,
  previous: MonitorRun | undefined,
  alertEnabled: (signal: string) => boolean,
): AlertTransition[] {
  const key = (signal: string, feature: string, metric: string) => `${signal}\u0000${feature}\u0000${metric}`;
  const before = new Map<string, number>();
  for (const signal of previous?.signals ?? [])
    for (const metric of signal.metrics) if (metric.breached) before.set(key(signal.name, metric.feature, metric.metric), previous!.slotAt);
  const transitions: AlertTransition[] = [];
  for (const signal of run.signals) {
    if (!alertEnabled(signal.name)) continue;
    for (const metric of signal.metrics) {
      if (metric.value === null) continue;
      const was = before.get(key(signal.name, metric.feature, metric.metric));
      if (!metric.breached && was === undefined) continue;
      transitions.push({
        signal: signal.name,
        signalType: signal.type,
        feature: metric.feature,
        metric: metric.metric,
        value: metric.value,
        threshold: metric.threshold,
        state: metric.breached ? 'firing' : 'resolved',
        since: was ?? run.slotAt,
      });
    }
  }
  return transitions;
}
