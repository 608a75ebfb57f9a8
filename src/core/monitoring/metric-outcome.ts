/** What computing one metric of one feature gives: a value, or null and why not. */
export interface MetricOutcome {
  /** null when the metric cannot be computed from these summaries: `reason` says why. */
  value: number | null;
  reason?: string;
  /** The test statistic behind a p-value (KS's D, Pearson's χ²), for the results page. */
  statistic?: number;
}

export function unavailable(reason: string): MetricOutcome {
  return { value: null, reason };
}
