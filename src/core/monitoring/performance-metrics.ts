import type { PerformanceMetric } from './monitoring-types.js';

/**
 * A model's performance on the production rows whose ground truth is known, by the textbook
 * definitions scikit-learn uses: accuracy; precision, recall and F1 averaged over the classes
 * (average='macro', a class never predicted or never true counting 0, zero_division=0); and for
 * regression the mean absolute and squared errors and the root of the latter.
 */

/** Classification metrics of (actual, predicted) class pairs; classes compared as text. */
export function classificationPerformance(pairs: ReadonlyArray<readonly [string, string]>): Partial<Record<PerformanceMetric, number>> {
  if (pairs.length === 0) return {};
  const classes = [...new Set(pairs.flatMap(([actual, predicted]) => [actual, predicted]))];
  let correct = 0;
  const truePositive = new Map<string, number>();
  const predictedCount = new Map<string, number>();
  const actualCount = new Map<string, number>();
  for (const [actual, predicted] of pairs) {
    if (actual === predicted) {
      correct += 1;
      truePositive.set(actual, (truePositive.get(actual) ?? 0) + 1);
    }
    predictedCount.set(predicted, (predictedCount.get(predicted) ?? 0) + 1);
    actualCount.set(actual, (actualCount.get(actual) ?? 0) + 1);
  }
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  for (const label of classes) {
    const hits = truePositive.get(label) ?? 0;
    const classPrecision = hits === 0 ? 0 : hits / predictedCount.get(label)!;
    const classRecall = hits === 0 ? 0 : hits / actualCount.get(label)!;
    precision += classPrecision;
    recall += classRecall;
    f1 += classPrecision + classRecall === 0 ? 0 : (2 * classPrecision * classRecall) / (classPrecision + classRecall);
  }
  return {
    accuracy: correct / pairs.length,
    precision: precision / classes.length,
    recall: recall / classes.length,
    f1_score: f1 / classes.length,
  };
}

/** Regression metrics of (actual, predicted) pairs. */
export function regressionPerformance(pairs: ReadonlyArray<readonly [number, number]>): Partial<Record<PerformanceMetric, number>> {
  if (pairs.length === 0) return {};
  let absolute = 0;
  let squared = 0;
  for (const [actual, predicted] of pairs) {
    absolute += Math.abs(actual - predicted);
    squared += (actual - predicted) ** 2;
  }
  const mse = squared / pairs.length;
  return { mae: absolute / pairs.length, mse, rmse: Math.sqrt(mse) };
}
