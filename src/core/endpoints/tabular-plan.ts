/**
 * A tabular input of a parallel step (an MLTable with `read_delimited`), cut into mini-batches of
 * about `mini_batch_size` bytes of rows, as Azure ML cuts a tabular dataset: each mini-batch is a
 * run of whole lines of one file, and run(mini_batch) gets it as a pandas DataFrame with the
 * table's columns. Pure: the driver reads the MLTable and the files.
 */
import { createHash } from 'node:crypto';
import type { MiniBatch } from './batch-plan.js';

/** How an MLTable's files are read: which files, the delimiter, and where the column names come from. */
export interface DelimitedTable {
  /** Files (relative to the MLTable's folder), or folders whose files are all read. */
  paths: Array<{ file: string } | { folder: string }>;
  delimiter: string;
  header: 'all_files_same_headers' | 'all_files_different_headers' | 'from_first_file' | 'no_header';
}

/** A tabular mini-batch: the CSV text run() reads (the header line first, when the table has one), or the column names to give it. */
export interface TabularMiniBatch extends MiniBatch {
  text: string;
  /** Column names when the file has no header line (Column1, Column2, ... as MLTable names them). */
  columns?: string[];
}

const headerModes = ['all_files_same_headers', 'all_files_different_headers', 'from_first_file', 'no_header'] as const;

/**
 * An MLTable document (its parsed YAML) as a delimited table, or why Trellis cannot read it:
 * `paths` of `file` or `folder` entries and one `read_delimited` transformation (delimiter,
 * header); `pattern` paths, Parquet and JSON lines are not read here.
 */
export function readDelimitedTable(document: unknown): DelimitedTable | { error: string } {
  if (typeof document !== 'object' || document === null) return { error: 'the MLTable file is not a mapping (paths, transformations)' };
  const { paths, transformations } = document as { paths?: unknown; transformations?: unknown };
  if (!Array.isArray(paths) || paths.length === 0)
    return { error: 'the MLTable file has no paths: list its files under paths (- file: ./data.csv)' };
  const read: DelimitedTable['paths'] = [];
  for (const entry of paths as unknown[]) {
    const value = (entry ?? {}) as Record<string, unknown>;
    if (typeof value.file === 'string') read.push({ file: value.file });
    else if (typeof value.folder === 'string') read.push({ folder: value.folder });
    else
      return {
        error: `MLTable path ${JSON.stringify(entry)} is not read by Trellis: give files (- file: ./data.csv) or folders (- folder: ./data); patterns are not expanded`,
      };
  }
  const steps = Array.isArray(transformations) ? (transformations as unknown[]) : [];
  const delimited = steps
    .map((step) => (typeof step === 'object' && step !== null ? (step as Record<string, unknown>).read_delimited : undefined))
    .find((step) => step !== undefined);
  if (delimited === undefined)
    return {
      error: 'the MLTable has no read_delimited transformation; Trellis reads delimited text tables (CSV) only, not Parquet or JSON lines',
    };
  const settings = (delimited ?? {}) as Record<string, unknown>;
  const header = settings.header ?? 'all_files_same_headers';
  if (!(headerModes as readonly unknown[]).includes(header))
    return { error: `read_delimited header '${String(header)}' is not one of ${headerModes.join(', ')}` };
  const delimiter = typeof settings.delimiter === 'string' && settings.delimiter !== '' ? settings.delimiter : ',';
  return { paths: read, delimiter, header: header as DelimitedTable['header'] };
}

/**
 * The table's files (in the order given, each with its text) cut into mini-batches of whole lines,
 * about `sizeBytes` each (at least one line). A mini-batch counts its rows as its items (failed
 * rows count towards error_threshold, as Azure counts a tabular input's records).
 */
export function planTabularMiniBatches(
  table: Pick<DelimitedTable, 'header' | 'delimiter'>,
  files: ReadonlyArray<{ name: string; text: string }>,
  sizeBytes: number,
): TabularMiniBatch[] {
  if (!Number.isInteger(sizeBytes) || sizeBytes < 1)
    throw new RangeError(`mini_batch_size must be a whole number of bytes of at least 1, got ${sizeBytes}`);
  const batches: TabularMiniBatch[] = [];
  let width = 0;
  files.forEach(({ name, text }, fileIndex) => {
    const lines = text.split(/\r?\n/);
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const hasHeader =
      table.header === 'all_files_same_headers' ||
      table.header === 'all_files_different_headers' ||
      (table.header === 'from_first_file' && fileIndex === 0);
    const header = hasHeader ? lines.shift() : undefined;
    if (table.header === 'no_header') width = Math.max(width, ...lines.slice(0, 1).map((line) => line.split(table.delimiter).length));
    let start = 0;
    while (start < lines.length) {
      let end = start;
      let bytes = 0;
      while (end < lines.length && (end === start || bytes + Buffer.byteLength(lines[end]!) + 1 <= sizeBytes)) {
        bytes += Buffer.byteLength(lines[end]!) + 1;
        end++;
      }
      const rows = lines.slice(start, end).filter((line) => line.trim() !== '');
      // Line numbers in the file, header included, so the id names the same rows after a restart.
      const offset = hasHeader ? 1 : 0;
      const descriptor = `${name}#${start + offset + 1}-${end + offset}`;
      const index = batches.length;
      const digest = createHash('sha256').update(descriptor).digest('hex').slice(0, 12);
      batches.push({
        id: `${index}-${digest}`,
        index,
        files: [descriptor],
        items: rows.length,
        text: `${header !== undefined ? `${header}\n` : ''}${rows.join('\n')}\n`,
      });
      start = end;
    }
  });
  if (table.header === 'no_header') {
    const columns = Array.from({ length: width }, (_, index) => `Column${index + 1}`);
    for (const batch of batches) batch.columns = columns;
  }
  return batches;
}
