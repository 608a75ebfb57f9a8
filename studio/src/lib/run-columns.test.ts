import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Run } from '../api/mlflow.js';
import { availableColumns, cellValue, columnId, parseColumnId, searchName } from './run-columns.js';

const run = (metrics: Record<string, number>, params: Record<string, string>, tags: Record<string, string>): Run => ({
  info: {
    run_id: 'r',
    run_uuid: 'r',
    run_name: 'r',
    experiment_id: '0',
    user_id: '',
    status: 'FINISHED',
    start_time: 0,
    artifact_uri: '',
    lifecycle_stage: 'active',
  },
  data: {
    metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: 0, step: 0 })),
    params: Object.entries(params).map(([key, value]) => ({ key, value })),
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  },
  inputs: { dataset_inputs: [], model_inputs: [] },
  outputs: { model_outputs: [] },
});

describe('run columns', () => {
  it('offers every key of the runs on screen, metrics then params then tags, MLflow tags last', () => {
    const runs = [run({ loss: 1 }, { lr: '0.1' }, { 'mlflow.runName': 'a', team: 'x' }), run({ acc: 0.9, loss: 2 }, {}, {})];
    assert.deepEqual(availableColumns(runs).map(columnId), [
      'metrics.acc',
      'metrics.loss',
      'params.lr',
      'tags.team',
      'tags.mlflow.runName',
    ]);
  });

  it('offers the keys the server knows for the experiment too, not only those of the runs on screen', () => {
    const ids = availableColumns([run({ loss: 1 }, {}, {})], { metrics: ['acc'], params: ['lr'], tags: [] }).map(columnId);
    assert.deepEqual(ids, ['metrics.acc', 'metrics.loss', 'params.lr']);
  });

  it('reads a cell, and names the column as MLflow search does (backquotes where needed)', () => {
    const one = run({ 'val loss': 0.5 }, { lr: '0.1' }, {});
    assert.equal(cellValue(one, { kind: 'metrics', key: 'val loss' }), 0.5);
    assert.equal(cellValue(one, { kind: 'params', key: 'lr' }), '0.1');
    assert.equal(cellValue(one, { kind: 'tags', key: 'absent' }), undefined);
    assert.equal(searchName({ kind: 'metrics', key: 'val loss' }), 'metrics.`val loss`');
    assert.equal(searchName({ kind: 'params', key: 'optimizer.lr' }), 'params.optimizer.lr');
  });

  it('parses a column id from the URL, and refuses one of no known kind', () => {
    assert.deepEqual(parseColumnId('metrics.a.b'), { kind: 'metrics', key: 'a.b' });
    assert.equal(parseColumnId('attributes.x'), undefined);
    assert.equal(parseColumnId('nodot'), undefined);
  });
});
