import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planTabularMiniBatches, readDelimitedTable } from './tabular-plan.js';

describe('tabular mini-batches', () => {
  it('reads an MLTable with read_delimited, and refuses what it cannot read', () => {
    const table = readDelimitedTable({
      paths: [{ file: './iris.csv' }],
      transformations: [{ read_delimited: { delimiter: ';', encoding: 'utf8', header: 'all_files_same_headers' } }],
    });
    assert.deepEqual(table, { paths: [{ file: './iris.csv' }], delimiter: ';', header: 'all_files_same_headers' });
    assert.match(String((readDelimitedTable({ paths: [{ pattern: './*.csv' }] }) as { error: string }).error), /patterns are not expanded/);
    assert.match(
      String((readDelimitedTable({ paths: [{ file: 'a.parquet' }], transformations: [{ read_parquet: {} }] }) as { error: string }).error),
      /read_delimited/,
    );
  });

  it('cuts each file into runs of whole lines of about the size, the header first in each', () => {
    const text = `a,b\n${Array.from({ length: 10 }, (_, index) => `${index},${index * 2}`).join('\n')}\n`;
    const plan = planTabularMiniBatches({ header: 'all_files_same_headers', delimiter: ',' }, [{ name: 'x.csv', text }], 12);
    // Rows are 4 bytes with their newline (0,0 .. 4,8), then 5 (5,10 ..): 12 bytes hold 3 of the first, 2 after.
    assert.deepEqual(
      plan.map((batch) => [batch.files[0], batch.items]),
      [
        ['x.csv#2-4', 3],
        ['x.csv#5-6', 2],
        ['x.csv#7-8', 2],
        ['x.csv#9-10', 2],
        ['x.csv#11-11', 1],
      ],
    );
    assert.equal(plan[0]!.text, 'a,b\n0,0\n1,2\n2,4\n');
    assert.deepEqual(
      plan.map((batch) => batch.index),
      [0, 1, 2, 3, 4],
    );
    // The same input plans the same ids (a restarted driver finds its ledger's mini-batches).
    assert.deepEqual(
      planTabularMiniBatches({ header: 'all_files_same_headers', delimiter: ',' }, [{ name: 'x.csv', text }], 12).map((batch) => batch.id),
      plan.map((batch) => batch.id),
    );
  });

  it('names the columns Column1.. when the files have no header', () => {
    const plan = planTabularMiniBatches({ header: 'no_header', delimiter: ',' }, [{ name: 'x.csv', text: '1,2,3\n4,5,6\n' }], 1024);
    assert.equal(plan.length, 1);
    assert.deepEqual(plan[0]!.columns, ['Column1', 'Column2', 'Column3']);
    assert.equal(plan[0]!.text, '1,2,3\n4,5,6\n');
  });
});
