import { JSON_CONTENT_TYPE, type WorkerAnswer } from './worker-answer.js';

/**
 * What a batch scoring script's run(mini_batch) returned, as output lines (output_action
 * append_row appends them to output_file_name as they are, without a header, as Azure ML does):
 * an array, one line per element — a string as it is, an array as a CSV row, anything else as
 * JSON. Mirrored in python_worker.py (mini_batch_rows), which also takes a pandas DataFrame.
 */
export function miniBatchRows(result: unknown): string[] {
  if (!Array.isArray(result)) {
    throw new TypeError(
      `run(mini_batch) returned ${result === null ? 'null' : typeof result}; return an array with one element per output row (the files it scored, or the rows it made)`,
    );
  }
  return result.map((element: unknown) => {
    if (typeof element === 'string') return element.replaceAll(/\r?\n/g, ' ');
    if (Array.isArray(element)) return element.map(csvCell).join(',');
    return JSON.stringify(element) ?? 'null';
  });
}

/** The answer of a miniBatch call: {"rows": [...]}. */
export function miniBatchAnswer(result: unknown): WorkerAnswer {
  return { status: 200, contentType: JSON_CONTENT_TYPE, body: Buffer.from(JSON.stringify({ rows: miniBatchRows(result) })) };
}

function csvCell(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
