/**
 * Exponential moving average with bias correction (TensorBoard's smoothing): weight 0 is the raw
 * series, 0.99 nearly flat. Non-finite values pass through and do not enter the average.
 */
export function smooth(values: readonly number[], weight: number): number[] {
  if (weight <= 0) return [...values];
  let last = 0;
  let count = 0;
  return values.map((value) => {
    if (!Number.isFinite(value)) return value;
    last = last * weight + (1 - weight) * value;
    count++;
    return last / (1 - weight ** count);
  });
}
