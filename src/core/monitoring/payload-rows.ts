/**
 * The rows of a scoring payload as a deployment's data collector kept it (one JSON body per
 * request or answer), in the shapes scoring clients send and models answer:
 *
 * - `{"input_data": {"columns": [...], "data": [[...], ...]}}` (Azure ML's MLflow deployments, pandas split) and
 *   `{"dataframe_split": {...}}`; `{"dataframe_records": [{...}]}`; `{"instances": [...]}` / `{"inputs": ...}` (MLflow);
 * - `{"data": [[...], ...]}` (a classic score.py), `[[...], ...]` or `[{...}, ...]`, one object;
 * - answers: `[0, 1, ...]`, `{"predictions": [...]}`, `{"label": [...], "probabilities": [...]}`, one number or string.
 *
 * Rows without column names (lists of values) are named after `columns` by position (the
 * reference table's feature columns, so they line up with it), else "0", "1", ...; a list of
 * plain values is one column, `prediction` for an answer. What fits none of these shapes is one
 * row of unparsable values, counted as data-type errors rather than failing the run.
 */

/** The column a list of plain values (a model's answers) is read into. */
export const predictionColumn = 'prediction';

export type PayloadRow = Record<string, unknown>;

/** The names an answer's predicted label goes by in a mapping of lists, in order of preference. */
const answerKeys = ['prediction', 'predictions', 'label', 'labels', 'output_label'];

/** What a payload that fits no shape becomes: no rows, counted as a broken one. */
export interface PayloadRows {
  rows: PayloadRow[];
  broken: number;
}

export function rowsOfPayload(payload: unknown, options: { columns?: readonly string[]; isAnswer?: boolean } = {}): PayloadRows {
  const columns = options.columns ?? [];
  const single = options.isAnswer ? predictionColumn : (columns[0] ?? '0');
  const fromList = (items: unknown[]): PayloadRows => {
    if (items.length === 0) return { rows: [], broken: 0 };
    if (items.every(isRecord)) return { rows: items as PayloadRow[], broken: 0 };
    if (items.every(Array.isArray)) return { rows: (items as unknown[][]).map((values) => positional(values, columns)), broken: 0 };
    if (items.every(isScalar)) {
      // A model's answers, or one row of features sent as a flat list.
      if (options.isAnswer) return { rows: items.map((value) => ({ [predictionColumn]: value })), broken: 0 };
      return { rows: [positional(items, columns)], broken: 0 };
    }
    return { rows: [], broken: items.length };
  };
  if (Array.isArray(payload)) return fromList(payload);
  if (isScalar(payload)) return { rows: [{ [single]: payload }], broken: 0 };
  if (!isRecord(payload)) return { rows: [], broken: 1 };
  for (const key of ['input_data', 'dataframe_split'] as const) {
    const value = payload[key];
    if (isRecord(value) && Array.isArray(value.data)) {
      const named = Array.isArray(value.columns) ? value.columns.map(String) : columns;
      return fromList((value.data as unknown[]).map((row) => (Array.isArray(row) ? positional(row, named) : row)));
    }
    if (isRecord(value) && Object.values(value).every(Array.isArray)) return fromColumns(value as Record<string, unknown[]>);
    if (Array.isArray(value)) return fromList(value);
  }
  for (const key of ['dataframe_records', 'instances', 'inputs', 'data', 'predictions', 'outputs', 'result'] as const) {
    const value = payload[key];
    if (Array.isArray(value)) return fromList(value);
    if (key === 'inputs' && isRecord(value) && Object.values(value).every(Array.isArray))
      return fromColumns(value as Record<string, unknown[]>);
  }
  // One object of plain values: one row.
  if (Object.values(payload).every((value) => isScalar(value) || value === null)) return { rows: [payload], broken: 0 };
  // An answer of named lists (an ONNX classifier's {"label": [...], "probabilities": [...]}): a row per position,
  // its `prediction` the label's.
  if (options.isAnswer && Object.values(payload).every(Array.isArray)) {
    const table = payload as Record<string, unknown[]>;
    const labelKey = answerKeys.find((key) => key in table) ?? Object.keys(table)[0]!;
    const { rows } = fromColumns(table);
    return { rows: rows.map((row) => ({ [predictionColumn]: row[labelKey], ...row })), broken: 0 };
  }
  return { rows: [], broken: 1 };
}

function positional(values: readonly unknown[], columns: readonly string[]): PayloadRow {
  const row: PayloadRow = {};
  values.forEach((value, index) => {
    row[columns[index] ?? String(index)] = value;
  });
  return row;
}

/** `{"a": [1, 2], "b": [3, 4]}` (pandas' dict of lists): a row per position. */
function fromColumns(table: Record<string, unknown[]>): PayloadRows {
  const length = Math.max(0, ...Object.values(table).map((values) => values.length));
  const rows: PayloadRow[] = [];
  for (let index = 0; index < length; index += 1) {
    const row: PayloadRow = {};
    for (const [name, values] of Object.entries(table)) row[name] = values[index];
    rows.push(row);
  }
  return { rows, broken: 0 };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean';
}
