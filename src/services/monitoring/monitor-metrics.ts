import { Gauge, Registry } from 'prom-client';
import type { MonitorRun } from '../../core/monitoring/monitor-run.js';

/**
 * Monitors' latest values as Prometheus gauges on `/metrics`: each feature metric's value, its
 * threshold and whether it breaches, by workspace, monitor, signal, feature and metric, and when
 * each monitor last ran. A run replaces its monitor's series, so a feature no longer measured
 * does not linger.
 */
export class MonitorMetrics {
  private readonly labels = ['workspace', 'monitor', 'signal', 'signal_type', 'feature', 'metric'] as const;
  private readonly value: Gauge<(typeof this.labels)[number]>;
  private readonly threshold: Gauge<(typeof this.labels)[number]>;
  private readonly breached: Gauge<(typeof this.labels)[number]>;
  private readonly lastRun: Gauge<'workspace' | 'monitor'>;

  /** `registry`: where the gauges are registered (the server's /metrics registry); a registry of their own by default. */
  constructor(readonly registry: Registry = new Registry()) {
    this.value = new Gauge({
      name: 'trellis_monitor_metric_value',
      help: "A monitor signal's metric for a feature at its latest run (drift distance, p-value, rate)",
      labelNames: this.labels,
      registers: [this.registry],
    });
    this.threshold = new Gauge({
      name: 'trellis_monitor_metric_threshold',
      help: "The threshold a monitor signal's metric is held to",
      labelNames: this.labels,
      registers: [this.registry],
    });
    this.breached = new Gauge({
      name: 'trellis_monitor_metric_breached',
      help: '1 when the metric is past its threshold at the latest run, else 0',
      labelNames: this.labels,
      registers: [this.registry],
    });
    this.lastRun = new Gauge({
      name: 'trellis_monitor_last_run_timestamp_seconds',
      help: "When a monitor's latest run was computed for (its windows end here)",
      labelNames: ['workspace', 'monitor'] as const,
      registers: [this.registry],
    });
  }

  /** The series each monitor set at its latest run, removed when its next run replaces them. */
  private readonly series = new Map<string, Array<Record<(typeof this.labels)[number], string>>>();

  /** Sets the gauges of the run's monitor from this run. */
  record(run: MonitorRun): void {
    const monitor = `${run.workspace}/${run.schedule}`;
    for (const labels of this.series.get(monitor) ?? [])
      for (const gauge of [this.value, this.threshold, this.breached]) gauge.remove(labels);
    const set: Array<Record<(typeof this.labels)[number], string>> = [];
    this.series.set(monitor, set);
    for (const signal of run.signals) {
      for (const metric of signal.metrics) {
        const labels = {
          workspace: run.workspace,
          monitor: run.schedule,
          signal: signal.name,
          signal_type: signal.type,
          feature: metric.feature,
          metric: metric.metric,
        };
        set.push(labels);
        if (metric.value !== null) this.value.set(labels, metric.value);
        this.threshold.set(labels, metric.threshold);
        this.breached.set(labels, metric.breached ? 1 : 0);
      }
    }
    this.lastRun.set({ workspace: run.workspace, monitor: run.schedule }, run.slotAt / 1000);
  }
}
