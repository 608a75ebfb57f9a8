import { type Binner, binnerFor, ImportanceCounter } from '../../core/monitoring/feature-importance.js';
import { inferFeatureType } from '../../core/monitoring/feature-type.js';
import type { FeatureType } from '../../core/monitoring/monitoring-types.js';
import { predictionColumn } from '../../core/monitoring/payload-rows.js';
import type { DataFile } from './monitor-data.js';
import { type DataSummary, readRows } from './summarize-data.js';

/**
 * Feature importances read from data (core/monitoring/feature-importance.ts says how they are
 * computed): on a reference table against its label, and on production against the model's own
 * answers, each input row joined to its answer by the request that carried both and its place
 * in it. Both are binned by the reference's summaries, so their importances are comparable.
 */

/** What both sides are counted with: the features (binned by the reference), the label's kind, and the window. */
export interface ImportanceOptions {
  features: readonly string[];
  featureTypes: Readonly<Record<string, FeatureType>>;
  regression: boolean;
  window: { from: number; to: number } | null;
}

export interface Importances {
  importances: Record<string, number>;
  /** Rows counted. */
  rows: number;
  /** Production: input rows with no answer in the window (a request that failed, or sampled out). */
  unmatched: number;
}

function bins(
  reference: DataSummary,
  features: readonly string[],
  overrides: Readonly<Record<string, FeatureType>>,
): Record<string, Binner> {
  const binners: Record<string, Binner> = {};
  for (const feature of features) {
    const summary = reference.features[feature];
    if (summary) binners[feature] = binnerFor(summary, overrides[feature] ?? inferFeatureType(summary));
  }
  return binners;
}

/** The target is a class unless the task is regression, when it is binned like a numerical feature. */
function targetBinner(reference: DataSummary, target: string, regression: boolean): Binner {
  const summary = reference.features[target];
  return binnerFor(
    summary ?? { rows: 0, nulls: 0, unparsable: 0, numeric: null, categories: {}, otherCategories: 0 },
    regression ? 'numerical' : 'categorical',
  );
}

function counterFor(reference: DataSummary, target: string, options: ImportanceOptions): ImportanceCounter {
  return new ImportanceCounter(
    bins(reference, options.features, options.featureTypes),
    targetBinner(reference, target, options.regression),
  );
}

/** Each feature's importance for the reference's label, from its files. */
export async function referenceImportances(
  files: readonly DataFile[],
  reference: DataSummary,
  target: string,
  options: ImportanceOptions,
): Promise<Importances> {
  const counter = counterFor(reference, target, options);
  for (const file of files)
    for await (const item of readRows(file, { isAnswer: false }, options.window))
      if ('row' in item) counter.add(item.row, item.row[target]);
  return { importances: counter.importances(), rows: counter.count, unmatched: 0 };
}

/**
 * Each feature's importance for the model's answers in production: the answers of the window
 * kept by request and place (one value a row), then the inputs streamed and joined to them.
 */
export async function productionImportances(
  inputs: readonly DataFile[],
  outputs: readonly DataFile[],
  reference: DataSummary,
  target: string,
  options: ImportanceOptions & { columns: readonly string[] },
): Promise<Importances> {
  const answers = new Map<string, unknown>();
  for (const file of outputs)
    for await (const item of readRows(file, { isAnswer: true }, options.window))
      if ('row' in item && item.requestId !== null) {
        const row = item.row;
        answers.set(`${item.requestId}#${item.index}`, predictionColumn in row ? row[predictionColumn] : Object.values(row)[0]);
      }
  const counter = counterFor(reference, target, options);
  let unmatched = 0;
  for (const file of inputs)
    for await (const item of readRows(file, { isAnswer: false, columns: options.columns }, options.window)) {
      if (!('row' in item)) continue;
      const key = `${item.requestId}#${item.index}`;
      if (item.requestId === null || !answers.has(key)) unmatched += 1;
      else counter.add(item.row, answers.get(key));
    }
  return { importances: counter.importances(), rows: counter.count, unmatched };
}
