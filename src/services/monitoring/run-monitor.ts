import { monitorDefinitionSchema, parseSignal } from '../../core/azureml/monitor-schema.js';
import { evaluateDataSignal, type SideData, selectedFeatures } from '../../core/monitoring/evaluate-signal.js';
import {
  type DataWindow,
  type AttributionSignal,
  type DriftSignal,
  type MonitorDefinition,
  monitorDefinition,
  type QualitySignal,
  type Signal,
  type SignalData,
} from '../../core/monitoring/monitor-definition.js';
import { monitorPeriodMs } from '../../core/monitoring/monitor-period.js';
import type { MonitorRun, SideSummary, SignalResult } from '../../core/monitoring/monitor-run.js';
import { predictionColumn } from '../../core/monitoring/payload-rows.js';
import { normalizedDiscountedCumulativeGain, rankByImportance } from '../../core/monitoring/feature-importance.js';
import { isBreach } from '../../core/monitoring/evaluate-signal.js';
import type { Schedule } from '../../core/schedules/schedule.js';
import { parseYaml } from '../../core/yaml/parse-yaml.js';
import type { Context } from '../context.js';
import { type DataFile, sourceFiles } from './monitor-data.js';
import { productionImportances, referenceImportances } from './importance-data.js';
import { evaluatePerformance } from './performance-data.js';
import { type DataSummary, summarizeFiles } from './summarize-data.js';

/**
 * One run of a model monitor: each signal's production and reference data summarised over their
 * windows (ending at the run's time), evaluated against its thresholds, and the run recorded
 * under the firing's name with every per-feature value and verdict. A signal that cannot be
 * computed (its data asset deleted since, say) is recorded as failed with the reason; the others
 * still run. Alerts and gauges go to the server's observers.
 */

/** The definition a monitor schedule keeps (its create_monitor as YAML), with its defaults. */
export function definitionOf(schedule: Schedule): MonitorDefinition {
  const file = monitorDefinitionSchema.parse(parseYaml(schedule.template.text, schedule.template.fileName).value);
  return monitorDefinition(file, monitorPeriodMs(schedule.trigger), parseSignal);
}

/** Runs the monitor for the firing named `name` at `slotAt` and records it; a run of that name recorded already is returned as it is. */
export async function runMonitor(context: Context, schedule: Schedule, name: string, slotAt: number): Promise<MonitorRun> {
  const repository = context.store.repositories.monitors;
  const existing = await repository.getRun(schedule.workspace, name);
  if (existing) return existing;
  const startedAt = context.clock().getTime();
  const definition = definitionOf(schedule);
  const signals: SignalResult[] = [];
  for (const signal of definition.signals)
    signals.push(await evaluateSignal(context, schedule.workspace, signal, slotAt, definition.mlTask));
  const failed = signals.filter((signal) => signal.outcome === 'failed');
  const run: MonitorRun = {
    workspace: schedule.workspace,
    name,
    schedule: schedule.name,
    slotAt,
    startedAt,
    endedAt: context.clock().getTime(),
    state: failed.length === signals.length && signals.length > 0 ? 'Failed' : 'Completed',
    reason: failed.length > 0 ? failed.map((signal) => `${signal.name}: ${signal.reason}`).join('; ') : null,
    breaches: signals.reduce((count, signal) => count + signal.metrics.filter((metric) => metric.breached).length, 0),
    signals,
    alertError: null,
  };
  const observers = context.monitorObservers;
  if (observers) {
    const [previous] = await repository.runs(schedule.workspace, schedule.name, 1);
    run.alertError = await observers.alert(run, previous, definition, monitorPeriodMs(schedule.trigger));
  }
  if (!(await repository.insertRun(run))) return (await repository.getRun(schedule.workspace, name)) ?? run;
  observers?.recorded(run);
  return run;
}

async function evaluateSignal(
  context: Context,
  workspace: string,
  signal: Signal,
  slotAt: number,
  mlTask: string | null,
): Promise<SignalResult> {
  const empty: SideSummary = { rows: 0, from: null, to: null, source: '' };
  try {
    switch (signal.type) {
      case 'data_drift':
      case 'prediction_drift':
      case 'data_quality':
        return await evaluateData(context, workspace, signal, slotAt, mlTask);
      case 'feature_attribution_drift':
        return await evaluateAttribution(context, workspace, signal, slotAt, mlTask);
      case 'model_performance':
        return await evaluatePerformance(context, workspace, signal, {
          production: windowOf(signal.production.window, slotAt),
          reference: windowOf(signal.reference.window, slotAt),
        });
    }
  } catch (error) {
    return {
      name: signal.name,
      type: signal.type,
      outcome: 'failed',
      reason: (error as Error).message,
      production: empty,
      reference: empty,
      metrics: [],
      distributions: [],
    };
  }
}

async function evaluateData(
  context: Context,
  workspace: string,
  signal: DriftSignal | QualitySignal,
  slotAt: number,
  mlTask: string | null,
): Promise<SignalResult> {
  const referenceWindow = windowOf(signal.reference.window, slotAt);
  const productionWindow = windowOf(signal.production.window, slotAt);
  const reference = await summarizeSide(context, workspace, signal.reference, referenceWindow, undefined);
  const target = signal.reference.targetColumn;
  // Payloads of lists without names line up with the reference's columns, its target left out.
  const positional = reference.summary.columns.filter((column) => column !== target);
  const production = await summarizeSide(context, workspace, signal.production, productionWindow, positional);
  const referenceData: SideData = reference.summary;
  let productionData: SideData = production.summary;
  let features: string[];
  if (signal.type === 'prediction_drift') {
    // The model's answers (one column) against the reference's target column, or its answers too.
    const answer = production.summary.columns.length === 1 ? production.summary.columns[0]! : predictionColumn;
    const against = target ?? (reference.summary.columns.length === 1 ? reference.summary.columns[0]! : predictionColumn);
    productionData = renamed(production.summary, answer, against);
    features = [against];
  } else if (signal.features.kind === 'top') {
    if (!target) throw new Error('top_n_feature_importance needs the label: name it in reference_data.data_column_names.target_column');
    const candidates = referenceData.columns.filter((column) => column !== target);
    const { importances } = await referenceImportances(reference.files, reference.summary, target, {
      features: candidates,
      featureTypes: signal.featureTypes,
      regression: mlTask === 'regression',
      window: referenceWindow,
    });
    features = selectedFeatures(signal, referenceData, rankByImportance(importances));
  } else features = selectedFeatures(signal, referenceData);
  const evaluation = evaluateDataSignal(signal, referenceData, productionData, features);
  return {
    name: signal.name,
    type: signal.type,
    outcome: evaluation.outcome,
    reason: evaluation.reason,
    production: production.side,
    reference: reference.side,
    metrics: evaluation.metrics,
    distributions: evaluation.distributions,
  };

  function renamed(data: DataSummary, from: string, to: string): SideData {
    if (from === to || !data.features[from]) return data;
    const { [from]: summary, ...rest } = data.features;
    return { ...data, columns: data.columns.map((column) => (column === from ? to : column)), features: { ...rest, [to]: summary! } };
  }
}

/**
 * Feature attribution drift: the features' importances for the label in the reference against
 * their importances for the model's own answers in production (inputs joined to outputs by
 * request), compared as rankings by NDCG; below the threshold, the model leans on different
 * features than it learned to.
 */
async function evaluateAttribution(
  context: Context,
  workspace: string,
  signal: AttributionSignal,
  slotAt: number,
  mlTask: string | null,
): Promise<SignalResult> {
  const target = signal.reference.targetColumn;
  if (!target) throw new Error('feature attribution drift needs the label: name it in reference_data.data_column_names.target_column');
  const referenceWindow = windowOf(signal.reference.window, slotAt);
  const productionWindow = windowOf(signal.production.inputs.window, slotAt);
  const reference = await summarizeSide(context, workspace, signal.reference, referenceWindow, undefined);
  const features = reference.summary.columns.filter((column) => column !== target);
  const regression = mlTask === 'regression';
  const inputs = await sourceFiles(context, workspace, signal.production.inputs.source, productionWindow ?? undefined);
  const outputs = await sourceFiles(context, workspace, signal.production.outputs.source, productionWindow ?? undefined);
  const expected = await referenceImportances(reference.files, reference.summary, target, {
    features,
    featureTypes: {},
    regression,
    window: referenceWindow,
  });
  const seen = await productionImportances(inputs.files, outputs.files, reference.summary, target, {
    features,
    featureTypes: {},
    regression,
    columns: features,
    window: productionWindow,
  });
  const production: SideSummary = {
    rows: seen.rows,
    from: productionWindow?.from ?? null,
    to: productionWindow?.to ?? null,
    source: `${inputs.description} joined to ${outputs.description}`,
  };
  const base = { name: signal.name, type: signal.type, production, reference: reference.side };
  if (seen.rows === 0)
    return {
      ...base,
      outcome: 'no_data',
      reason:
        seen.unmatched > 0 ? `no input row had its answer in the window (${seen.unmatched} without)` : 'no production rows in the window',
      metrics: [],
      distributions: [],
    };
  const value = normalizedDiscountedCumulativeGain(expected.importances, seen.importances);
  const metric = 'normalized_discounted_cumulative_gain';
  const breached = isBreach(metric, value, signal.threshold);
  const share = (importances: Record<string, number>) => {
    const total = features.reduce((sum, feature) => sum + (importances[feature] ?? 0), 0);
    return features.map((feature) => (total > 0 ? (importances[feature] ?? 0) / total : 0));
  };
  return {
    ...base,
    outcome: breached ? 'breached' : 'passed',
    reason: seen.unmatched > 0 ? `${seen.unmatched} input rows had no answer in the window and were left out` : null,
    metrics: [
      {
        feature: 'all_features',
        featureType: 'categorical',
        metric,
        value,
        threshold: signal.threshold,
        breached,
        ...(value === null ? { reason: 'no feature of the reference tells anything about its label' } : {}),
      },
    ],
    // The importances as shares, reference against production, for the studio to overlay.
    distributions: [
      {
        feature: 'importance',
        featureType: 'categorical',
        bins: features,
        reference: share(expected.importances),
        production: share(seen.importances),
      },
    ],
  };
}

async function summarizeSide(
  context: Context,
  workspace: string,
  data: SignalData,
  window: { from: number; to: number } | null,
  columns: readonly string[] | undefined,
): Promise<{ summary: DataSummary; side: SideSummary; files: DataFile[] }> {
  const { files, description } = await sourceFiles(context, workspace, data.source, window ?? undefined);
  const isAnswer = data.context === 'model_outputs' || (data.source.kind === 'collected' && data.source.collection === 'model_outputs');
  const summary = await summarizeFiles(
    context,
    workspace,
    files,
    { isAnswer, ...(columns && columns.length > 0 ? { columns } : {}) },
    window,
  );
  return { summary, files, side: { rows: summary.rows, from: window?.from ?? null, to: window?.to ?? null, source: description } };
}

/** A window's bounds for a run at `slotAt`: a trailing window ends `offset` before it; a fixed one is as written; `all` has none. */
export function windowOf(window: DataWindow, slotAt: number): { from: number; to: number } | null {
  if (window.kind === 'all') return null;
  if (window.kind === 'fixed') return { from: window.start, to: window.end };
  const to = slotAt - window.offsetMs;
  return { from: to - window.sizeMs, to };
}
