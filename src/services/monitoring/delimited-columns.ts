import type { Readable } from 'node:stream';
import { parse as parseDelimitedText } from 'csv-parse/sync';

/**
 * A delimited file's records, line by line, handed over as arrays of fields: the fast path of
 * summarising a table (no object per row). A line without a quote is split on the delimiter; a
 * line with quotes — a quoted field, an escaped quote, a field over several lines (its lines
 * gathered until its quotes balance) — is parsed by csv-parse, so quoted data reads as csv-parse
 * reads it. A leading byte-order mark, CRLF line ends and empty lines are skipped as csv-parse
 * skips them.
 */
export async function forEachRecord(stream: Readable, delimiter: string, visit: (fields: readonly string[]) => void): Promise<void> {
  stream.setEncoding('utf8');
  let rest = '';
  let quoted = '';
  let first = true;
  const line = (text: string) => {
    const clean = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (quoted !== '' || clean.includes('"')) {
      // Inside a quoted field a line break is kept as written (CRLF or LF).
      quoted = quoted === '' ? text : `${quoted}\n${text}`;
      if (countQuotes(quoted) % 2 !== 0) return;
      const record = quoted.endsWith('\r') ? quoted.slice(0, -1) : quoted;
      const records = parseDelimitedText(record, {
        delimiter,
        relax_quotes: true,
        relax_column_count: true,
        skip_empty_lines: true,
      }) as string[][];
      quoted = '';
      for (const record of records) visit(record);
      return;
    }
    if (clean === '') return;
    visit(clean.split(delimiter));
  };
  for await (const chunk of stream as AsyncIterable<string>) {
    let text = rest + chunk;
    if (first) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let start = 0;
    for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
      line(text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') line(rest);
  // Quotes left open at the end: csv-parse says what it makes of them (relax_quotes keeps the text).
  if (quoted !== '') {
    const records = parseDelimitedText(quoted, {
      delimiter,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
    for (const record of records) visit(record);
  }
}

function countQuotes(text: string): number {
  let count = 0;
  for (let index = text.indexOf('"'); index !== -1; index = text.indexOf('"', index + 1)) count += 1;
  return count;
}
