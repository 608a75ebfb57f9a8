import type { MonitorDefinition } from '../../core/monitoring/monitor-definition.js';
import type { MonitorRun } from '../../core/monitoring/monitor-run.js';

/**
 * What the server does with a monitor run besides storing it: alerts for breaches that began or
 * ended (before the run is stored, so the run records whether they were sent), and gauges once
 * it is stored.
 */
export interface MonitorObservers {
  /** Sends the alerts this run calls for, given the run before it; resolves to why they could not be sent, or null. */
  alert(run: MonitorRun, previous: MonitorRun | undefined, definition: MonitorDefinition, periodMs: number): Promise<string | null>;
  /** The run was stored: its values become the monitor's gauges. */
  recorded(run: MonitorRun): void;
}
