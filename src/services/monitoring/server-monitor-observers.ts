import type { Logger } from 'pino';
import { alertTransitions } from '../../core/monitoring/alert-transitions.js';
import type { MonitorDefinition } from '../../core/monitoring/monitor-definition.js';
import type { MonitorRun } from '../../core/monitoring/monitor-run.js';
import type { AlertmanagerClient } from './alertmanager-client.js';
import type { MonitorMetrics } from './monitor-metrics.js';
import type { MonitorObservers } from './monitor-observers.js';

/** How many of a monitor's periods a firing alert stays active without being sent again. */
const alertValidityPeriods = 3;

/**
 * The server's observers of monitor runs: breaches that began, go on or ended are sent to
 * Alertmanager (when one is configured) and every run's values become gauges. An Alertmanager
 * that cannot be reached does not fail the run: the run records why its alerts were not sent,
 * and the next run sends them again.
 */
export function serverMonitorObservers(options: {
  metrics: MonitorMetrics;
  alertmanager: AlertmanagerClient | undefined;
  publicUrl: () => string;
  logger: Logger;
  now: () => number;
}): MonitorObservers {
  return {
    async alert(
      run: MonitorRun,
      previous: MonitorRun | undefined,
      definition: MonitorDefinition,
      periodMs: number,
    ): Promise<string | null> {
      const enabled = new Map(definition.signals.map((signal) => [signal.name, signal.alertEnabled]));
      const transitions = alertTransitions(run, previous, (signal) => enabled.get(signal) ?? true);
      if (transitions.length === 0) return null;
      if (!options.alertmanager) {
        const breaches = transitions.filter((transition) => transition.state === 'firing').length;
        return breaches > 0
          ? `no Alertmanager is configured for ${breaches} breach${breaches === 1 ? '' : 'es'} (set alerting.alertmanager_url or TRELLIS_ALERTMANAGER_URL)`
          : null;
      }
      const now = options.now();
      const runUrl = `${options.publicUrl()}/studio/workspaces/${encodeURIComponent(run.workspace)}/monitors/${encodeURIComponent(run.schedule)}/runs/${encodeURIComponent(run.name)}`;
      try {
        await options.alertmanager.send(
          transitions.map((transition) => ({
            workspace: run.workspace,
            monitor: run.schedule,
            signal: transition.signal,
            signalType: transition.signalType,
            feature: transition.feature,
            metric: transition.metric,
            value: transition.value,
            threshold: transition.threshold,
            emails: definition.emails,
            state: transition.state,
            startsAt: transition.since,
            endsAt: transition.state === 'firing' ? now + alertValidityPeriods * periodMs : now,
            runUrl,
          })),
        );
        return null;
      } catch (error) {
        options.logger.warn(
          { err: error, monitor: `${run.workspace}/${run.schedule}` },
          'monitor: alerts could not be sent to Alertmanager',
        );
        return (error as Error).message;
      }
    },
    recorded(run: MonitorRun): void {
      options.metrics.record(run);
    },
  };
}
