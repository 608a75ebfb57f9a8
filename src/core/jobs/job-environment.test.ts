import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobEnvironment, reservedOverrides } from './job-environment.js';

const base = {
  trackingUri: 'http://127.0.0.1:5050/workspaces/team-a/mlflow',
  workspace: 'team-a',
  jobName: 'brave-fox-12',
  runId: 'a'.repeat(32),
  experimentId: '3',
  experimentName: 'iris',
  checkpointDir: '/data/jobs/brave-fox-12/checkpoints',
  outputsDir: '/data/jobs/brave-fox-12/outputs',
  userVariables: {},
  processVariables: {},
};

describe('jobEnvironment', () => {
  it('ties the processes to the job run through the MLflow variables, and gives the checkpoint folder', () => {
    const env = jobEnvironment(base);
    assert.equal(env.MLFLOW_TRACKING_URI, base.trackingUri);
    assert.equal(env.MLFLOW_RUN_ID, base.runId);
    assert.equal(env.MLFLOW_EXPERIMENT_ID, '3');
    assert.equal(env.TRELLIS_CHECKPOINT_DIR, base.checkpointDir);
    assert.equal(env.AZUREML_CHECKPOINT_DIR, base.checkpointDir);
  });

  it('lets user variables set anything but the run identity; per-process variables come on top', () => {
    const env = jobEnvironment({
      ...base,
      userVariables: { EPOCHS: '3', PYTHONUNBUFFERED: '0', MLFLOW_RUN_ID: 'elsewhere' },
      processVariables: { RANK: '1' },
    });
    assert.equal(env.EPOCHS, '3');
    assert.equal(env.PYTHONUNBUFFERED, '0');
    assert.equal(env.RANK, '1');
    assert.equal(env.MLFLOW_RUN_ID, base.runId);
  });

  it('names the reserved variables a job file tries to set', () => {
    assert.deepEqual(reservedOverrides({ MLFLOW_TRACKING_URI: 'x', FOO: 'y', AZUREML_RUN_ID: 'z' }), [
      'MLFLOW_TRACKING_URI',
      'AZUREML_RUN_ID',
    ]);
  });
});
