import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rowsOfPayload } from './payload-rows.js';

describe('the rows of a collected payload', () => {
  it('reads the split orient of Azure ML MLflow deployments, with its column names', () => {
    assert.deepEqual(
      rowsOfPayload({
        input_data: {
          columns: ['a', 'b'],
          index: [0, 1],
          data: [
            [1, 'x'],
            [2, 'y'],
          ],
        },
      }),
      {
        rows: [
          { a: 1, b: 'x' },
          { a: 2, b: 'y' },
        ],
        broken: 0,
      },
    );
    assert.deepEqual(rowsOfPayload({ dataframe_split: { columns: ['a'], data: [[3]] } }).rows, [{ a: 3 }]);
  });

  it('names lists of values after the reference columns by position, else by index', () => {
    assert.deepEqual(rowsOfPayload({ data: [[5.1, 3.5]] }, { columns: ['sepal_length', 'sepal_width'] }).rows, [
      { sepal_length: 5.1, sepal_width: 3.5 },
    ]);
    assert.deepEqual(rowsOfPayload([[1, 2, 3]], { columns: ['a'] }).rows, [{ a: 1, 1: 2, 2: 3 }]);
  });

  it('reads records, dicts of lists, instances and a single object', () => {
    assert.deepEqual(rowsOfPayload({ dataframe_records: [{ a: 1 }, { a: 2 }] }).rows, [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(rowsOfPayload({ inputs: { a: [1, 2], b: ['x', 'y'] } }).rows, [
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ]);
    assert.deepEqual(rowsOfPayload({ instances: [{ a: 1 }] }).rows, [{ a: 1 }]);
    assert.deepEqual(rowsOfPayload({ a: 1, b: null }).rows, [{ a: 1, b: null }]);
  });

  it("reads a model's answers as one prediction column", () => {
    assert.deepEqual(rowsOfPayload([0, 2, 1], { isAnswer: true }).rows, [{ prediction: 0 }, { prediction: 2 }, { prediction: 1 }]);
    assert.deepEqual(rowsOfPayload({ predictions: ['yes', 'no'] }, { isAnswer: true }).rows, [{ prediction: 'yes' }, { prediction: 'no' }]);
    assert.deepEqual(rowsOfPayload(0.5, { isAnswer: true }).rows, [{ prediction: 0.5 }]);
    assert.deepEqual(
      rowsOfPayload(
        {
          label: [2, 0],
          probabilities: [
            [0, 0.1, 0.9],
            [0.8, 0.1, 0.1],
          ],
        },
        { isAnswer: true },
      ).rows,
      [
        { prediction: 2, label: 2, probabilities: [0, 0.1, 0.9] },
        { prediction: 0, label: 0, probabilities: [0.8, 0.1, 0.1] },
      ],
    );
  });

  it('counts what fits no shape as broken instead of failing', () => {
    assert.deepEqual(rowsOfPayload({ nested: { deep: { a: 1 } } }), { rows: [], broken: 1 });
    assert.deepEqual(rowsOfPayload([{ a: 1 }, [1], 'x']), { rows: [], broken: 3 });
    assert.deepEqual(rowsOfPayload(null), { rows: [], broken: 1 });
  });
});
