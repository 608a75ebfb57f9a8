// TODO(one contract): the metric-series and experiment-keys routes take their limits from services, so they are not declared in
// src/contract yet; until they are, their answers are typed here.

/** A metric's history downsampled by the server (LTTB); non-finite values come as MLflow writes them. */
export interface MetricSeriesBody {
  runId: string;
  key: string;
  x: 'step' | 'timestamp';
  /** Points in the whole history; `points` holds at most the number asked for. */
  total: number;
  points: Array<{ step: number; timestamp: number; value: number | 'NaN' | 'Infinity' | '-Infinity' }>;
}

/** The metric, param and tag keys an experiment's runs use. */
export interface ExperimentKeysBody {
  experimentId: string;
  metrics: string[];
  params: string[];
  tags: string[];
}
