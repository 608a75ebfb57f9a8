import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError, type Problem } from '../errors.js';
import { parseBatchDeployment, parseBatchEndpoint, parseOnlineDeployment, parseOnlineEndpoint } from './parse-endpoint-file.js';

const latest = (name: string) => `$schema: https://azuremlschemas.azureedge.net/latest/${name}.schema.json`;

function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

function problemsOf(run: () => unknown): Problem[] {
  try {
    run();
  } catch (error) {
    assert.ok(isTrellisError(error) && error.code === 'InvalidInput', String(error));
    return error.problems;
  }
  return assert.fail('expected the file to be refused');
}

describe('parse endpoint files', () => {
  it('refuses a file whose $schema names another kind, saying how to create it', () => {
    const endpoint = lines(latest('managedOnlineEndpoint'), 'name: my-endpoint');
    const problems = problemsOf(() => parseOnlineDeployment(endpoint, 'endpoint.yml'));
    assert.deepEqual(problems, [
      {
        path: '$schema',
        line: 1,
        column: 1,
        message:
          'this file describes an online endpoint (told by $schema), but an online deployment was expected; create it with trellis online-endpoint create --file endpoint.yml',
      },
    ]);
    assert.match(
      problemsOf(() => parseBatchEndpoint(lines(latest('model'), 'name: m', 'path: x'), 'm.yml'))[0]?.message ?? '',
      /describes a model \(told by \$schema\).*trellis model create --file m\.yml/,
    );
    assert.match(
      problemsOf(() => parseOnlineEndpoint(lines(latest('commandJob'), 'command: echo'), 'job.yml'))[0]?.message ?? '',
      /this file is a command job/,
    );
  });

  it('tells deployments from endpoints by their fields when there is no $schema', () => {
    const problems = problemsOf(() =>
      parseOnlineEndpoint(lines('name: blue', 'endpoint_name: my-endpoint', 'instance_count: 1'), 'blue.yml'),
    );
    assert.match(problems[0]?.message ?? '', /describes an online deployment \(told by its fields\), but an online endpoint was expected/);
    assert.match(
      problemsOf(() => parseOnlineDeployment(lines('name: dpl', 'endpoint_name: ep1', 'compute: cpu', 'model: azureml:m:1'), 'd.yml'))[0]
        ?.message ?? '',
      /describes a batch deployment/,
    );
    // auth_mode only hints at online or batch, so the schema speaks for itself.
    assert.match(
      problemsOf(() => parseOnlineEndpoint(lines('name: ep1', 'auth_mode: aad_token'), 'e.yml'))[0]?.message ?? '',
      /^aad_token \(Microsoft Entra ID tokens\) is not available/,
    );
    // A Kubernetes deployment's type: kubernetes is not taken for a compute.
    assert.equal(
      parseOnlineDeployment(lines('name: blue', 'type: kubernetes', 'model: azureml:m:1', 'endpoint_name: ep1'), 'd.yml').spec.type,
      'kubernetes',
    );
  });

  it('returns local paths to upload or inline, and remote ones to record, with their lines', () => {
    const text = lines(
      latest('managedOnlineDeployment'),
      'name: blue',
      'endpoint_name: my-endpoint',
      'model:',
      '  path: ../../model-1/model/',
      'code_configuration:',
      '  code: azureml:score-code:3',
      '  scoring_script: score.py',
      'environment:',
      '  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest',
      '  conda_file: ../../model-1/environment/conda.yaml',
      'instance_type: Standard_DS3_v2',
      'instance_count: 1',
    );
    const parsed = parseOnlineDeployment(text, 'blue.yml');
    assert.deepEqual(parsed.localPaths, [
      { pointer: ['model', 'path'], value: '../../model-1/model/', line: 5, use: 'upload' },
      { pointer: ['environment', 'conda_file'], value: '../../model-1/environment/conda.yaml', line: 11, use: 'inline-yaml' },
    ]);
    assert.deepEqual(parsed.remoteReferences, [
      { pointer: ['code_configuration', 'code'], value: 'azureml:score-code:3', scheme: 'azureml', line: 7 },
    ]);
    assert.equal(parseOnlineEndpoint(lines('name: ep1'), 'e.yml').localPaths.length, 0);
  });

  it('keeps versions and tags as written', () => {
    const text = lines(
      'name: dpl',
      'endpoint_name: ep1',
      'type: model',
      'tags:',
      '  batching: 16',
      'model:',
      '  name: heart',
      '  version: 1.10',
      '  path: model',
      '  type: mlflow_model',
    );
    const { spec } = parseBatchDeployment(text, 'd.yml');
    assert.deepEqual(spec.model, { name: 'heart', version: '1.10', path: 'model', type: 'mlflow_model' });
    assert.deepEqual(spec.tags, { batching: '16' });
  });

  it('lists every problem of a file, in line order', () => {
    const text = lines(
      latest('managedOnlineDeployment'),
      'name: b',
      'endpoint_name: my-endpoint',
      'colour: blue',
      'instance_type: Standard_DS3_v2',
      'instance_count: 0',
    );
    assert.deepEqual(
      problemsOf(() => parseOnlineDeployment(text, 'd.yml')).map((problem) => `${problem.line}:${problem.path}`),
      ['2:name', '4:colour', '6:instance_count'],
    );
  });

  it('refuses YAML that is not a mapping, as every Azure ML file parser does', () => {
    assert.match(problemsOf(() => parseOnlineEndpoint('- a\n- b\n', 'e.yml'))[0]?.message ?? '', /the top level must be a mapping/);
  });
});
