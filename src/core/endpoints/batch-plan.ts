/**
 * How a batch scoring job divides its work and remembers what it finished. The input files,
 * sorted, are cut into mini-batches of `mini_batch_size` files; a mini-batch's id is its position
 * and a digest of its file names, so a restarted driver that lists the same input finds the same
 * mini-batches. The ledger is an append-only file of one JSON line per finished mini-batch
 * (scored, or failed after its retries); a mini-batch with a line is never scored again. A torn
 * last line (the process died mid-write) is ignored: that mini-batch is simply scored again, and
 * since its rows reach the output only through its own part file, nothing is counted twice.
 * Pure: the driver does the files and processes.
 */
import { createHash } from 'node:crypto';

export interface MiniBatch {
  /** `<index>-<digest of its file names>`, stable for the same sorted input. */
  id: string;
  index: number;
  /** Paths relative to the input folder, `/` separators. */
  files: string[];
  /** What a failure of it counts towards error_threshold: its files (the default), or a table's rows. */
  items?: number;
}

export type LedgerEntry =
  /** failedItems: files a scoring script's run(mini_batch) returned no row for (Azure counts them as failed). */
  | { id: string; status: 'done'; rows: number; attempts: number; failedItems?: number }
  | { id: string; status: 'failed'; files: number; attempts: number; error: string };

/** Cuts the files (sorted here, so the plan does not depend on listing order) into mini-batches. */
export function planMiniBatches(files: readonly string[], miniBatchSize: number): MiniBatch[] {
  if (!Number.isInteger(miniBatchSize) || miniBatchSize < 1)
    throw new RangeError(`mini_batch_size must be a whole number of at least 1, got ${miniBatchSize}`);
  const sorted = [...files].sort();
  const batches: MiniBatch[] = [];
  for (let start = 0; start < sorted.length; start += miniBatchSize) {
    const slice = sorted.slice(start, start + miniBatchSize);
    const digest = createHash('sha256').update(slice.join('\n')).digest('hex').slice(0, 12);
    const index = batches.length;
    batches.push({ id: `${index}-${digest}`, index, files: slice });
  }
  return batches;
}

/** One ledger line, newline included. */
export function formatLedgerEntry(entry: LedgerEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

/** The ledger's entries by mini-batch id; lines that do not parse (a torn last write) are skipped. */
export function parseLedger(text: string): Map<string, LedgerEntry> {
  const entries = new Map<string, LedgerEntry>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A line cut short by a crash mid-write: its mini-batch counts as not finished and is scored again.
      continue;
    }
    if (!isEntry(value)) continue;
    // The first line for an id wins: a mini-batch is finished once.
    if (!entries.has(value.id)) entries.set(value.id, value);
  }
  return entries;
}

/** The mini-batches the ledger has no line for, in plan order. */
export function pendingMiniBatches(plan: readonly MiniBatch[], ledger: ReadonlyMap<string, LedgerEntry>): MiniBatch[] {
  return plan.filter((batch) => !ledger.has(batch.id));
}

/** Whether a failed mini-batch is tried again: `attempts` made so far, `maxRetries` after the first. */
export function shouldRetry(attempts: number, maxRetries: number): boolean {
  return attempts < maxRetries + 1;
}

/**
 * Whether the job stops: failed files past error_threshold (-1: never). Azure counts files of
 * file inputs; a failed mini-batch counts all of its files.
 */
export function isOverErrorThreshold(failedFiles: number, errorThreshold: number): boolean {
  return errorThreshold >= 0 && failedFiles > errorThreshold;
}

export interface BatchSummary {
  miniBatches: number;
  succeeded: number;
  failed: number;
  pending: number;
  rows: number;
  failedFiles: number;
  /** The failed mini-batches' errors, first few. */
  errors: Array<{ id: string; error: string }>;
}

/** Where the job stands, from the plan and the ledger. */
export function summarize(plan: readonly MiniBatch[], ledger: ReadonlyMap<string, LedgerEntry>): BatchSummary {
  let succeeded = 0;
  let failed = 0;
  let rows = 0;
  let failedFiles = 0;
  const errors: BatchSummary['errors'] = [];
  for (const batch of plan) {
    const entry = ledger.get(batch.id);
    if (!entry) continue;
    if (entry.status === 'done') {
      succeeded++;
      rows += entry.rows;
      failedFiles += entry.failedItems ?? 0;
    } else {
      failed++;
      failedFiles += entry.files;
      if (errors.length < 10) errors.push({ id: entry.id, error: entry.error });
    }
  }
  return { miniBatches: plan.length, succeeded, failed, pending: plan.length - succeeded - failed, rows, failedFiles, errors };
}

function isEntry(value: unknown): value is LedgerEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  if (typeof entry.id !== 'string' || typeof entry.attempts !== 'number') return false;
  if (entry.status === 'done') return typeof entry.rows === 'number';
  if (entry.status === 'failed') return typeof entry.files === 'number' && typeof entry.error === 'string';
  return false;
}
