/**
 * How strongly two trace filters go together: normalized pointwise mutual information (NPMI) of
 * "matches filter 1" and "matches filter 2" over the traces searched, as MLflow's
 * calculate_trace_filter_correlation reports it (mlflow/store/analytics/trace_correlation.py):
 * -1 never together, 0 independent, 1 always together, NaN when a filter matches nothing; the
 * smoothed value adds Jeffreys' prior (0.5) to each cell of the 2×2 table.
 */
export interface CorrelationCounts {
  totalCount: number;
  filter1Count: number;
  filter2Count: number;
  jointCount: number;
}

export interface Npmi {
  npmi: number;
  npmiSmoothed: number;
}

const jeffreysPrior = 0.5;

export function npmiOf({ totalCount, filter1Count, filter2Count, jointCount }: CorrelationCounts): Npmi {
  const undefinedResult = { npmi: Number.NaN, npmiSmoothed: Number.NaN };
  if (totalCount <= 0 || filter1Count === 0 || filter2Count === 0) return undefinedResult;
  const cells = {
    both: jointCount,
    onlyFirst: filter1Count - jointCount,
    onlySecond: filter2Count - jointCount,
    neither: totalCount - filter1Count - filter2Count + jointCount,
  };
  if (Math.min(cells.both, cells.onlyFirst, cells.onlySecond, cells.neither) < 0) return undefinedResult;
  return {
    npmi: jointCount === 0 ? -1 : npmiOfTable(cells, 0),
    npmiSmoothed: npmiOfTable(cells, jeffreysPrior),
  };
}

function npmiOfTable(cells: { both: number; onlyFirst: number; onlySecond: number; neither: number }, smoothing: number): number {
  const both = cells.both + smoothing;
  const total = both + cells.onlyFirst + cells.onlySecond + cells.neither + 3 * smoothing;
  const first = both + cells.onlyFirst + smoothing;
  const second = both + cells.onlySecond + smoothing;
  if (first <= 0 || second <= 0 || both <= 0) return Number.NaN;
  if (cells.onlyFirst === 0 && cells.onlySecond === 0 && cells.neither === 0) return 1;
  const pmi = Math.log(both) + Math.log(total) - (Math.log(first) + Math.log(second));
  const npmi = pmi / -(Math.log(both) - Math.log(total));
  return Math.max(-1, Math.min(1, npmi));
}
