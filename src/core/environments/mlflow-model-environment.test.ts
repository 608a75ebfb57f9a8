import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { condaFileOfMlmodel, mlflowModelEnvironment } from './mlflow-model-environment.js';

describe("a no-code MLflow model's own environment", () => {
  it('reads the conda file the MLmodel names, in both of its forms, conda.yaml by default', () => {
    assert.equal(
      condaFileOfMlmodel({ flavors: { python_function: { env: 'conda.yaml', loader_module: 'mlflow.sklearn' } } }),
      'conda.yaml',
    );
    assert.equal(
      condaFileOfMlmodel({ flavors: { python_function: { env: { conda: 'env/conda.yml', virtualenv: 'python_env.yaml' } } } }),
      'env/conda.yml',
    );
    assert.equal(condaFileOfMlmodel({ flavors: { sklearn: {} } }), 'conda.yaml');
    assert.equal(condaFileOfMlmodel('not a document'), 'conda.yaml');
  });

  it("keeps the model's pins and adds mlflow only where the file lacks it", () => {
    const lightgbm = {
      name: 'mlflow-env',
      channels: ['conda-forge'],
      dependencies: ['python=3.12', 'pip', { pip: ['mlflow', 'lightgbm==4.6.0'] }],
    };
    assert.deepEqual(mlflowModelEnvironment(lightgbm), {
      image: 'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest',
      conda_file: lightgbm,
    });
    const bare = { dependencies: ['python=3.10', { pip: ['scikit-learn==1.2.2'] }] };
    assert.deepEqual(mlflowModelEnvironment(bare).conda_file, {
      dependencies: ['python=3.10', { pip: ['scikit-learn==1.2.2', 'mlflow'] }],
    });
    assert.deepEqual(mlflowModelEnvironment({ dependencies: ['python=3.10'] }).conda_file, {
      dependencies: ['python=3.10', { pip: ['mlflow'] }],
    });
    // mlflow from conda counts too (conda-forge::mlflow=2.9).
    assert.deepEqual(mlflowModelEnvironment({ dependencies: ['conda-forge::mlflow=2.9'] }).conda_file, {
      dependencies: ['conda-forge::mlflow=2.9'],
    });
  });
});
