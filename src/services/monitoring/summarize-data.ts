import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parse as parseDelimited } from 'csv-parse';
import { mergeSummaries } from '../../core/monitoring/feature-summary.js';
import { SummaryBuilder } from '../../core/monitoring/summary-builder.js';
import type { FeatureSummary } from '../../core/monitoring/monitoring-types.js';
import { type PayloadRow, rowsOfPayload } from '../../core/monitoring/payload-rows.js';
import type { Context } from '../context.js';
import { forEachRecord } from './delimited-columns.js';
import type { DataFile } from './monitor-data.js';

/**
 * Reduces data files to per-feature summaries, streaming: one row at a time goes into each
 * feature's summary, so memory stays bounded whatever a file holds. A file's whole summary is
 * kept in the store under its key, and a window over many files merges kept summaries instead
 * of reading them again; only a file that straddles a window's edge is read again, keeping the
 * rows inside.
 */

/** What a file (or a set of files) reduces to. */
export interface DataSummary {
  rows: number;
  /** Lines or payloads that are not rows at all (not JSON, an unknown shape): counted as data-type errors of every feature. */
  broken: number;
  /** The times of the first and last timestamped row (collected payloads); null when none has a time. */
  firstAt: number | null;
  lastAt: number | null;
  features: Record<string, FeatureSummary>;
  /** Columns in the order first seen (a table's header order). */
  columns: string[];
}

/** How rows are read: positional columns named like the reference, and whether the payloads are a model's answers. */
export interface ReadOptions {
  columns?: readonly string[];
  isAnswer: boolean;
}

/** The most distinct columns a summary keeps; a payload with more is cut, as a table this wide is no model's input. */
const maxColumns = 1000;
/** Bumped when the way files are read changes, so kept summaries of the old way are not reused. */
const summaryVersion = 1;

export function emptyDataSummary(): DataSummary {
  return { rows: 0, broken: 0, firstAt: null, lastAt: null, features: {}, columns: [] };
}

export function mergeDataSummaries(a: DataSummary, b: DataSummary): DataSummary {
  const features: Record<string, FeatureSummary> = { ...a.features };
  for (const [name, summary] of Object.entries(b.features))
    features[name] = features[name] ? mergeSummaries(features[name], summary) : summary;
  const columns = [...a.columns, ...b.columns.filter((column) => !a.columns.includes(column))];
  return {
    rows: a.rows + b.rows,
    broken: a.broken + b.broken,
    firstAt: minOf(a.firstAt, b.firstAt),
    lastAt: maxOf(a.lastAt, b.lastAt),
    features,
    columns,
  };
}

/**
 * The summary of `files`, restricted to rows timestamped in [from, to) when a window is given
 * (rows without a time, a data asset's, are all kept). Whole-file summaries are kept in the store.
 */
export async function summarizeFiles(
  context: Context,
  workspace: string,
  files: readonly DataFile[],
  options: ReadOptions,
  window: { from: number; to: number } | null,
): Promise<DataSummary> {
  const repository = context.store.repositories.monitors;
  let total = emptyDataSummary();
  for (const file of files) {
    const key = cacheKey(file, options);
    const kept = await repository.getFileSummary(workspace, key);
    let whole: DataSummary;
    if (kept) whole = { ...(JSON.parse(kept.summary) as DataSummary), rows: kept.rows, firstAt: kept.firstAt, lastAt: kept.lastAt };
    else {
      whole = await summarizeFile(file, options, null);
      await repository.putFileSummary(
        workspace,
        key,
        { rows: whole.rows, firstAt: whole.firstAt, lastAt: whole.lastAt, summary: JSON.stringify(whole) },
        context.clock().getTime(),
      );
    }
    if (!window || whole.firstAt === null || whole.lastAt === null) total = mergeDataSummaries(total, whole);
    else if (whole.firstAt >= window.from && whole.lastAt < window.to) total = mergeDataSummaries(total, whole);
    else if (whole.lastAt < window.from || whole.firstAt >= window.to) continue;
    else total = mergeDataSummaries(total, await summarizeFile(file, options, window));
  }
  return total;
}

function cacheKey(file: DataFile, options: ReadOptions): string {
  const columns = options.columns ? createHash('sha256').update(JSON.stringify(options.columns)).digest('hex').slice(0, 16) : '-';
  return `v${summaryVersion}|${file.key}|${options.isAnswer ? 'answers' : 'rows'}|${columns}`;
}

/** Reads one file, row by row, into a summary; rows timestamped outside `window` are skipped. */
export async function summarizeFile(
  file: DataFile,
  options: ReadOptions,
  window: { from: number; to: number } | null,
): Promise<DataSummary> {
  const builders = new Map<string, SummaryBuilder>();
  const summary = emptyDataSummary();
  // readRows has left out the payloads timestamped outside the window.
  const add = (row: PayloadRow, at: number | null) => {
    summary.rows += 1;
    if (at !== null) {
      summary.firstAt = minOf(summary.firstAt, at);
      summary.lastAt = maxOf(summary.lastAt, at);
    }
    // A feature first seen on a later row was missing (null) on the rows before it.
    for (const [name, value] of Object.entries(row)) {
      let builder = builders.get(name);
      if (!builder) {
        if (builders.size >= maxColumns) continue;
        builder = new SummaryBuilder();
        for (let missing = 0; missing < summary.rows - 1; missing += 1) builder.add(null);
        builders.set(name, builder);
        summary.columns.push(name);
      }
      builder.add(value);
    }
    // ... and one missing from this row is null in it.
    for (const [name, builder] of builders) if (!Object.hasOwn(row, name)) builder.add(null);
  };
  if (file.format.kind === 'delimited') {
    await summarizeDelimited(file, file.format, summary, builders);
    return summary;
  }
  for await (const item of readRows(file, options, window)) {
    if ('broken' in item) summary.broken += item.broken;
    else add(item.row, item.at);
  }
  for (const [name, builder] of builders) summary.features[name] = builder.summary();
  return summary;
}

/**
 * A delimited file summarised column by column: each record's fields go straight to their
 * columns' summaries, with no object made per row (a table's rows have no time, so no window
 * applies). The same summary as reading it row by row (readRows), faster.
 */
async function summarizeDelimited(
  file: DataFile,
  format: { delimiter: string; header: boolean },
  summary: DataSummary,
  builders: Map<string, SummaryBuilder>,
): Promise<void> {
  const columns: SummaryBuilder[] = [];
  let names: string[] | undefined;
  const columnAt = (index: number): SummaryBuilder | undefined => {
    let builder = columns[index];
    if (builder) return builder;
    if (columns.length >= maxColumns) return undefined;
    // A column first seen on a later row (a ragged file) was missing on the rows before it.
    for (let added = columns.length; added <= index; added++) {
      const name = names?.[added] ?? `Column${added + 1}`;
      builder = new SummaryBuilder();
      for (let missing = 0; missing < summary.rows; missing += 1) builder.add(null);
      columns.push(builder);
      // A name twice in the header: the later column is the one kept, as reading rows into objects keeps it.
      if (!builders.has(name)) summary.columns.push(name);
      builders.set(name, builder);
    }
    return columns[index];
  };
  await forEachRecord(await file.open(), format.delimiter, (fields) => {
    if (!names) {
      names = format.header
        ? fields.map((name, index) => name.trim() || `Column${index + 1}`)
        : fields.map((_, index) => `Column${index + 1}`);
      for (let index = 0; index < names.length; index++) columnAt(index);
      if (format.header) return;
    }
    for (let index = 0; index < fields.length; index++) columnAt(index)?.add(fields[index]);
    for (let index = fields.length; index < columns.length; index++) columns[index]!.add(null);
    summary.rows += 1;
  });
  for (const [name, builder] of builders) summary.features[name] = builder.summary();
}

/** One row of a file (with its time and, for collected payloads, its request), or a count of lines that are no rows. */
export type ReadItem = { row: PayloadRow; at: number | null; requestId: string | null; index: number } | { broken: number };

/**
 * The rows of a file, streamed: a delimited file's records by its header (Column1... without
 * one), a JSON-lines file's objects, or each collected payload's rows with the line's time and
 * request id (`index`: the row's place in its payload). Payloads timestamped outside `window`
 * are skipped; lines that are not rows are yielded as broken.
 */
export async function* readRows(
  file: DataFile,
  options: ReadOptions,
  window: { from: number; to: number } | null,
): AsyncGenerator<ReadItem> {
  if (file.format.kind === 'delimited') {
    const { delimiter, header } = file.format;
    const parser = (await file.open()).pipe(
      parseDelimited({ delimiter, bom: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true }),
    );
    let names: string[] | undefined;
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!names) {
        names = header ? record.map((name, index) => name.trim() || `Column${index + 1}`) : record.map((_, index) => `Column${index + 1}`);
        if (header) continue;
      }
      const row: PayloadRow = {};
      record.forEach((value, index) => {
        row[names![index] ?? `Column${index + 1}`] = value;
      });
      // A short record has the header's other columns, empty.
      for (let index = record.length; index < names.length; index++) row[names[index]!] = null;
      yield { row, at: null, requestId: null, index: 0 };
    }
    return;
  }
  const lines = createInterface({ input: await file.open(), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      yield { broken: 1 };
      continue;
    }
    const collected = collectedLine(value);
    if (collected) {
      if (collected.at !== null && window && (collected.at < window.from || collected.at >= window.to)) continue;
      if (collected.payload === undefined) {
        yield { broken: 1 };
        continue;
      }
      const payload = rowsOfPayload(collected.payload, options);
      if (payload.broken > 0) yield { broken: payload.broken };
      let index = 0;
      for (const row of payload.rows) yield { row, at: collected.at, requestId: collected.requestId, index: index++ };
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value))
      yield { row: value as PayloadRow, at: null, requestId: null, index: 0 };
    else yield { broken: 1 };
  }
}

/** A line the data collector wrote: its time, and its JSON body (undefined when the body was not JSON). */
function collectedLine(value: unknown): { at: number | null; requestId: string; payload: unknown } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const line = value as Record<string, unknown>;
  if (typeof line.requestId !== 'string' || typeof line.time !== 'string' || !('data' in line || 'dataBase64' in line)) return undefined;
  const at = Date.parse(line.time);
  return { at: Number.isNaN(at) ? null : at, requestId: line.requestId, payload: 'data' in line ? line.data : undefined };
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}
