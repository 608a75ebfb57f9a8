import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ApiError } from '../client/api-error.js';
import { environmentYamlFromFlags, modelYamlFromFlags } from './asset-flags.js';

const refusal = (pattern: RegExp) => (error: unknown) =>
  error instanceof ApiError && error.status === 400 && error.code === 'InvalidFlags' && pattern.test(error.message);

describe('modelYamlFromFlags', () => {
  it('makes the model file az ml model create --name --version --path --type describes, the path made absolute', () => {
    const document = parse(modelYamlFromFlags({ name: 'iris', version: '3', path: 'model', type: 'mlflow_model' }, '/work/run')) as Record<
      string,
      unknown
    >;
    assert.deepEqual(document, {
      $schema: 'https://azuremlschemas.azureedge.net/latest/model.schema.json',
      name: 'iris',
      version: '3',
      type: 'mlflow_model',
      path: '/work/run/model',
    });
  });

  it('leaves out the version (the next one is given) and keeps a URI as written', () => {
    const document = parse(modelYamlFromFlags({ name: 'iris', path: 'azureml://jobs/train-1/outputs/model' }, '/work/run')) as Record<
      string,
      unknown
    >;
    assert.equal(document.version, undefined);
    assert.equal(document.path, 'azureml://jobs/train-1/outputs/model');
  });

  it('names the flag to fix, not a field of a file', () => {
    assert.throws(
      () => modelYamlFromFlags({ name: 'iris', path: 'model', type: 'pickle' }, '/'),
      refusal(/--type: must be one of custom_model, mlflow_model, triton_model; got 'pickle'/),
    );
    assert.throws(
      () => modelYamlFromFlags({ name: 'iris', version: 'one two', path: 'model' }, '/'),
      refusal(/--version: 'one two' is not a valid version/),
    );
  });
});

describe('environmentYamlFromFlags', () => {
  it('makes the environment file az ml environment create --name --version --conda-file --image describes', () => {
    const document = parse(
      environmentYamlFromFlags({ name: 'sklearn-env', version: '1', image: 'python:3.11-slim', condaFile: 'conda.yml' }, '/work/run'),
    ) as Record<string, unknown>;
    assert.deepEqual(document, {
      $schema: 'https://azuremlschemas.azureedge.net/latest/environment.schema.json',
      name: 'sklearn-env',
      version: '1',
      image: 'python:3.11-slim',
      conda_file: '/work/run/conda.yml',
    });
  });

  it('builds from a context folder with --build-context and --dockerfile-path', () => {
    const document = parse(
      environmentYamlFromFlags({ name: 'built', buildContext: 'docker', dockerfilePath: 'gpu.Dockerfile' }, '/work/run'),
    ) as Record<string, unknown>;
    assert.deepEqual(document.build, { path: '/work/run/docker', dockerfile_path: 'gpu.Dockerfile' });
  });

  it('names the flags when neither --image nor --build-context is given, or both', () => {
    assert.throws(
      () => environmentYamlFromFlags({ name: 'env', condaFile: 'conda.yml' }, '/'),
      refusal(/--image or --build-context: an environment needs image/),
    );
    assert.throws(
      () => environmentYamlFromFlags({ name: 'env', image: 'python:3.11', buildContext: 'docker' }, '/'),
      refusal(/--build-context: image and build are mutually exclusive/),
    );
  });
});
