import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Run } from '../api/mlflow.js';
import { compareRows, dimensionOf } from './compare.js';

const run = (id: string, params: Record<string, string>, metrics: Record<string, number>): Run => ({
  info: {
    run_id: id,
    run_uuid: id,
    run_name: id,
    experiment_id: '0',
    user_id: '',
    status: 'FINISHED',
    start_time: 0,
    artifact_uri: '',
    lifecycle_stage: 'active',
  },
  data: {
    params: Object.entries(params).map(([key, value]) => ({ key, value })),
    metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: 0, step: 0 })),
    tags: [],
  },
  inputs: { dataset_inputs: [], model_inputs: [] },
  outputs: { model_outputs: [] },
});

describe('compareRows', () => {
  it('lines up params and metrics of the runs and marks the ones that differ', () => {
    const rows = compareRows([
      run('a', { lr: '0.1', model: 'lr' }, { acc: 0.9 }),
      run('b', { lr: '0.2', model: 'lr' }, { acc: 0.9, loss: 1 }),
    ]);
    assert.deepEqual(
      rows.map((row) => [row.kind, row.key, row.values, row.differs]),
      [
        ['params', 'lr', ['0.1', '0.2'], true],
        ['params', 'model', ['lr', 'lr'], false],
        ['metrics', 'acc', [0.9, 0.9], false],
        ['metrics', 'loss', [undefined, 1], true],
      ],
    );
  });
});

describe('dimensionOf', () => {
  it('places numbers (params are strings) on a linear scale from 0 to 1', () => {
    const dimension = dimensionOf({ kind: 'params', key: 'lr', values: ['0.1', '0.3', undefined, '0.2'], differs: true });
    assert.deepEqual(
      dimension.positions.map((position) => (position === undefined ? undefined : Number(position.toFixed(6)))),
      [0, 1, undefined, 0.5],
    );
    assert.deepEqual(dimension.ticks, [
      { at: 0, label: '0.1' },
      { at: 1, label: '0.3' },
    ]);
  });

  it('places other values by their sorted categories, and one value in the middle', () => {
    assert.deepEqual(dimensionOf({ kind: 'params', key: 'model', values: ['tree', 'lr', 'svm'], differs: true }).positions, [1, 0, 0.5]);
    assert.deepEqual(dimensionOf({ kind: 'metrics', key: 'acc', values: [0.5, 0.5], differs: false }).positions, [0.5, 0.5]);
  });
});
