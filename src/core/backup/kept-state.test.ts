import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKept, isRebuiltFolder } from './kept-state.js';

describe('which files of a data directory a backup keeps', () => {
  it('keeps records, logs, keys, artifacts, notebooks and files it does not know', () => {
    for (const path of [
      'config.yaml',
      'keys/kek-1.key',
      'secrets/attempt-transfer.key',
      'artifacts/workspaces/default/blobs/sha256/ab/abcd',
      'artifacts/workspaces/default/objects/1/runs/x/artifacts/model.pkl',
      'artifacts/workspaces/@shared/objects/a.txt',
      'jobs/default/quiet_boat/attempt-1/user_logs/std_log.txt',
      'jobs/default/quiet_boat/attempt-2/user_logs/prepare_log.txt',
      'compute-instances/default/ci-1/files/notebook.ipynb',
      'something-new/state.json',
      'artifacts/workspaces/default/tmpfile',
    ])
      assert.ok(isKept(path), path);
  });

  it('leaves out what is rebuilt or taken another way', () => {
    for (const path of [
      'trellis.db',
      'trellis.db-wal',
      'trellis.db-shm',
      'owner-token',
      'environments/abc/bin/python',
      'serving/default/ep/blue/etag/model.onnx',
      'artifacts/workspaces/default/tmp/123.tmp',
      'jobs/default/quiet_boat/attempt-1/code/train.py',
      'jobs/default/quiet_boat/attempt-1/inputs/data.csv',
      'jobs/default/quiet_boat/attempt-1/user_logs_old/x',
      'compute-instances/default/ci-1/bin/trellis',
      'compute-instances/default/ci-1/trellis-home/config.yaml',
    ])
      assert.ok(!isKept(path), path);
    assert.ok(!isKept('backups/objects/x', (path) => path.startsWith('backups/')));
  });

  it('skips whole folders that hold nothing kept, and only those', () => {
    assert.ok(isRebuiltFolder('environments'));
    assert.ok(isRebuiltFolder('serving/default'));
    assert.ok(isRebuiltFolder('artifacts/workspaces/default/tmp'));
    assert.ok(!isRebuiltFolder('jobs/default/quiet_boat/attempt-1'));
    assert.ok(!isRebuiltFolder('artifacts/workspaces/default'));
    assert.ok(!isRebuiltFolder('compute-instances/default/ci-1'));
  });
});
