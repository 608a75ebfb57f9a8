import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { SummaryBuilder } from '../../core/monitoring/summary-builder.js';
import type { DataFile } from './monitor-data.js';
import { readRows, summarizeFile } from './summarize-data.js';

const delimited = (text: string, header = true, delimiter = ','): DataFile => ({
  key: 'test',
  name: 'test.csv',
  format: { kind: 'delimited', delimiter, header },
  hourAt: null,
  // Small chunks, so records and quoted fields straddle them.
  open: () => Promise.resolve(Readable.from(text.match(/[\s\S]{1,7}/g) ?? [])),
});

/** The summary read row by row through csv-parse (readRows): what the column-wise fast path must equal. */
async function rowByRow(file: DataFile) {
  const builders = new Map<string, SummaryBuilder>();
  const columns: string[] = [];
  let rows = 0;
  for await (const item of readRows(file, { isAnswer: false }, null)) {
    if (!('row' in item)) continue;
    for (const [name, value] of Object.entries(item.row)) {
      if (!builders.has(name)) {
        const builder = new SummaryBuilder();
        for (let missing = 0; missing < rows; missing++) builder.add(null);
        builders.set(name, builder);
        columns.push(name);
      }
      builders.get(name)!.add(value);
    }
    for (const [name, builder] of builders) if (!Object.hasOwn(item.row, name)) builder.add(null);
    rows += 1;
  }
  return { rows, columns, features: Object.fromEntries([...builders].map(([name, builder]) => [name, builder.summary()])) };
}

describe('summarising a delimited file column by column', () => {
  const tricky = [
    '\uFEFFage,city,note,score',
    '31,Paris,"plain, with a comma",1.5',
    '',
    '42,"New ""York""","two',
    'lines",2',
    '29,Lyon,,  ',
    '50,Nice',
    '61,Rome,extra,3,surplus',
    '"7",Oslo,"",4',
  ].join('\n');

  for (const [what, file] of [
    ['quoted fields, escaped quotes, a field over two lines, a BOM, empty lines and ragged rows', delimited(tricky)],
    ['the same with CRLF line ends', delimited(tricky.replaceAll('\n', '\r\n'))],
    ['a file without a header, tab-delimited', delimited('1\tx\n2\ty\n\n3\t"z\tw"\n', false, '\t')],
    ['a last line without its newline', delimited('a,b\n1,2\n3,4')],
  ] as const) {
    it(`equals reading it row by row through csv-parse: ${what}`, async () => {
      const fast = await summarizeFile(file, { isAnswer: false }, null);
      const expected = await rowByRow(file);
      assert.equal(fast.rows, expected.rows);
      assert.deepEqual(fast.columns, expected.columns);
      assert.deepEqual(fast.features, expected.features);
    });
  }

  it('reads the tricky file as csv-parse does: 6 rows, the quoted comma, quote and line break kept', async () => {
    const summary = await summarizeFile(delimited(tricky), { isAnswer: false }, null);
    assert.equal(summary.rows, 6);
    assert.deepEqual(summary.columns, ['age', 'city', 'note', 'score', 'Column5']);
    assert.deepEqual(Object.keys(summary.features.city!.categories).sort(), ['Lyon', 'New "York"', 'Nice', 'Oslo', 'Paris', 'Rome']);
    assert.ok('two\nlines' in summary.features.note!.categories);
    assert.equal(summary.features.note!.nulls, 3, 'an empty field, a quoted empty one, and a row without it');
    assert.equal(summary.features.Column5!.nulls, 5);
  });
});
