import type { SignalType } from '../azureml/monitor-schema.js';
import type { FeatureMetricResult } from './monitoring-types.js';

/** How a signal came out of a run: within its thresholds, breaching one, without data to judge, or not computed. */
export const signalOutcomes = ['passed', 'breached', 'no_data', 'failed'] as const;
export type SignalOutcome = (typeof signalOutcomes)[number];

/** The rows a side of a signal was computed from, and the window they fell in. */
export interface SideSummary {
  rows: number;
  /** The window's bounds (epoch ms); null for a whole data asset. */
  from: number | null;
  to: number | null;
  /** What the rows are: `collected <endpoint>/<deployment> model_inputs`, `azureml:credit-reference:1`. */
  source: string;
}

/** One signal's evaluation in a run. */
export interface SignalResult {
  name: string;
  type: SignalType;
  outcome: SignalOutcome;
  /** Why it is no_data or failed, or a note on how it was computed. */
  reason: string | null;
  production: SideSummary;
  reference: SideSummary;
  metrics: FeatureMetricResult[];
  /**
   * Per feature, what the studio overlays: reference and production proportions over the same
   * bins or categories, and the data-quality counts.
   */
  distributions: FeatureDistribution[];
}

export interface FeatureDistribution {
  feature: string;
  featureType: 'numerical' | 'categorical';
  /** Bin edges (numerical, one more than the proportions) or category names. */
  bins: Array<number | string>;
  reference: number[];
  production: number[];
}

export const monitorRunStates = ['Completed', 'Failed'] as const;
export type MonitorRunState = (typeof monitorRunStates)[number];

/** One run of a monitor: a firing of its schedule, evaluated in Trellis. */
export interface MonitorRun {
  workspace: string;
  /** The firing's name (`<schedule>-<yyyymmddthhmm>`), as a job of a job schedule is named. */
  name: string;
  schedule: string;
  /** The time the run is computed for: its windows end here (less their offsets). */
  slotAt: number;
  startedAt: number;
  endedAt: number;
  state: MonitorRunState;
  reason: string | null;
  /** How many feature metrics breached their thresholds, over every signal. */
  breaches: number;
  signals: SignalResult[];
  /** Why alerts could not be sent (Alertmanager down, none configured while emails were asked for); null when sent or none due. */
  alertError: string | null;
}
