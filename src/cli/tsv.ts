/**
 * `-o tsv`, as `az` prints it, so `$(trellis ... --query x -o tsv)` gives a script the bare value:
 * a scalar as is; an array, one row per item; an object, its values tab-separated in key order
 * (as az sorts them). Inside a row a nested array prints as its length and a nested object as an
 * empty cell, so every row of a list has the same columns. null prints as an empty cell, and a
 * null result prints nothing.
 */
export function formatTsv(value: unknown): string {
  if (value === null || value === undefined) return '';
  const rows = Array.isArray(value) ? value : [value];
  return rows.map((row) => `${formatRow(row)}\n`).join('');
}

function formatRow(row: unknown): string {
  if (Array.isArray(row)) return row.map(formatCell).join('\t');
  if (isObject(row)) {
    return Object.keys(row)
      .sort()
      .map((key) => formatCell(row[key]))
      .join('\t');
  }
  return formatCell(row);
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return String(value.length);
  if (isObject(value)) return '';
  return String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
