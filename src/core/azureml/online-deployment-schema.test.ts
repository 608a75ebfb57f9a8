import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError, type Problem } from '../errors.js';
import { onlineDeploymentDefaults } from './online-deployment-schema.js';
import { parseOnlineDeployment } from './parse-endpoint-file.js';

const managed = '$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json';
const kubernetes = '$schema: https://azuremlschemas.azureedge.net/latest/kubernetesOnlineDeployment.schema.json';

function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

/** A managed deployment of a registered model with its scoring code, plus `rows`. */
function deployment(...rows: string[]): string {
  return lines(
    managed,
    'name: blue',
    'endpoint_name: my-endpoint',
    'model: azureml:my-model:1',
    'code_configuration:',
    '  code: ./src',
    '  scoring_script: score.py',
    'environment: azureml:my-env:1',
    'instance_type: Standard_DS3_v2',
    ...rows,
  );
}

function problemsOf(text: string): Problem[] {
  try {
    parseOnlineDeployment(text, 'deployment.yml');
  } catch (error) {
    assert.ok(isTrellisError(error) && error.code === 'InvalidInput', String(error));
    return error.problems;
  }
  return assert.fail('expected the file to be refused');
}

/** `line:path message` of each problem. */
function summary(problems: Problem[]): string[] {
  return problems.map((problem) => `${problem.line}:${problem.path} ${problem.message}`);
}

describe('online deployment schema', () => {
  it("fills in Azure's defaults for requests, probes and scaling", () => {
    const { spec } = parseOnlineDeployment(deployment('instance_count: 2'), 'd.yml');
    assert.deepEqual(spec, {
      name: 'blue',
      endpoint_name: 'my-endpoint',
      type: 'managed',
      model: 'azureml:my-model:1',
      code_configuration: { code: './src', scoring_script: 'score.py' },
      environment: 'azureml:my-env:1',
      instance_type: 'Standard_DS3_v2',
      instance_count: 2,
      request_settings: { request_timeout_ms: 5000, max_concurrent_requests_per_instance: 1, max_queue_wait_ms: 500 },
      liveness_probe: { initial_delay: 10, period: 10, timeout: 2, success_threshold: 1, failure_threshold: 30 },
      readiness_probe: { initial_delay: 10, period: 10, timeout: 2, success_threshold: 1, failure_threshold: 30 },
      scale_settings: { type: 'default' },
    });
  });

  it('keeps the settings a file gives and defaults the rest', () => {
    const { spec } = parseOnlineDeployment(
      deployment(
        'instance_count: 1',
        'request_settings:',
        '  request_timeout_ms: 90000',
        'readiness_probe:',
        '  failure_threshold: 3',
        '  period: "5"',
      ),
      'd.yml',
    );
    assert.deepEqual(spec.request_settings, { ...onlineDeploymentDefaults.request_settings, request_timeout_ms: 90000 });
    assert.deepEqual(spec.readiness_probe, { ...onlineDeploymentDefaults.probe, failure_threshold: 3, period: 5 });
  });

  it('refuses a negative request_timeout_ms', () => {
    assert.deepEqual(summary(problemsOf(deployment('instance_count: 1', 'request_settings:', '  request_timeout_ms: -5'))), [
      '12:request_settings.request_timeout_ms must be 1 or more',
    ]);
  });

  it('refuses min_instances above max_instances, and an instance_count outside them', () => {
    const scale = ['scale_settings:', '  type: target_utilization', '  min_instances: 4', '  max_instances: 2'];
    assert.deepEqual(summary(problemsOf(deployment(...scale))), [
      '12:scale_settings.min_instances min_instances (4) is larger than max_instances (2)',
    ]);
    const outside = problemsOf(deployment('instance_count: 5', 'scale_settings:', '  type: target_utilization', '  max_instances: 3'));
    assert.deepEqual(summary(outside), [
      '10:instance_count instance_count (5) is outside scale_settings min_instances..max_instances (1..3)',
    ]);
  });

  it('reads target_utilization with its defaults, spelled as Azure prints it', () => {
    const { spec } = parseOnlineDeployment(deployment('scale_settings:', '  type: TargetUtilization', '  max_instances: 3'), 'd.yml');
    assert.deepEqual(spec.scale_settings, {
      type: 'target_utilization',
      min_instances: 1,
      max_instances: 3,
      target_utilization_percentage: 70,
      polling_interval: 1,
    });
    assert.equal(spec.instance_count, undefined);
    assert.match(
      summary(problemsOf(deployment('instance_count: 1', 'scale_settings:', '  type: manual')))[0] ?? '',
      /^12:scale_settings\.type type must be one of default, target_utilization/,
    );
    assert.match(
      summary(problemsOf(deployment('instance_count: 1', 'scale_settings:', '  type: default', '  max_instances: 3')))[0] ?? '',
      /unknown field 'max_instances'/,
    );
  });

  it('refuses an unknown field, suggesting the closest one', () => {
    assert.deepEqual(summary(problemsOf(deployment('instance_count: 1', 'request_setings:', '  request_timeout_ms: 100'))), [
      "11:request_setings unknown field 'request_setings'; did you mean 'request_settings'?",
    ]);
    assert.match(
      summary(problemsOf(deployment('instance_count: 1', 'liveness_probe:', '  intial_delay: 3')))[0] ?? '',
      /^12:liveness_probe\.intial_delay unknown field 'intial_delay'; did you mean 'initial_delay'\?/,
    );
  });

  it('asks a managed deployment for endpoint_name, instance_type and instance_count', () => {
    const problems = problemsOf(lines(managed, 'name: blue', 'model: azureml:my-model:1'));
    assert.deepEqual(
      problems.map((problem) => problem.path),
      ['endpoint_name', 'instance_type', 'instance_count'],
    );
    assert.match(problems[2]?.message ?? '', /is required: the number of instances/);
  });

  it('takes a liveness probe success_threshold of 1 only', () => {
    assert.match(
      summary(problemsOf(deployment('instance_count: 1', 'liveness_probe:', '  success_threshold: 2')))[0] ?? '',
      /^12:liveness_probe\.success_threshold must be 1 for a liveness probe/,
    );
  });

  it('refuses a Python scoring script without an environment', () => {
    const text = lines(
      managed,
      'name: blue',
      'endpoint_name: my-endpoint',
      'model: azureml:my-model:1',
      'code_configuration:',
      '  code: ./src',
      '  scoring_script: score.py',
      'instance_type: Standard_DS3_v2',
      'instance_count: 1',
    );
    assert.match(summary(problemsOf(text))[0] ?? '', /^5:code_configuration a scoring script runs in an environment: add environment/);
    // A JavaScript scoring script runs in the Node.js that runs Trellis.
    assert.doesNotThrow(() => parseOnlineDeployment(text.replace('score.py', 'score.mjs'), 'd.yml'));
  });

  it('serves MLflow and ONNX models without code, and refuses a single custom model file without it', () => {
    const noCode = (model: string[]) =>
      lines(managed, 'name: blue', 'endpoint_name: my-endpoint', ...model, 'instance_type: Standard_DS3_v2', 'instance_count: 1');
    assert.equal(
      parseOnlineDeployment(noCode(['model:', '  path: ./model', '  type: mlflow_model']), 'd.yml').spec.code_configuration,
      undefined,
    );
    assert.doesNotThrow(() => parseOnlineDeployment(noCode(['model:', '  path: ./model.onnx']), 'd.yml'));
    // A folder may hold an .onnx file: the service looks inside.
    assert.doesNotThrow(() => parseOnlineDeployment(noCode(['model:', '  path: ./model/']), 'd.yml'));
    assert.doesNotThrow(() => parseOnlineDeployment(noCode(['model: azureml:my-model@latest']), 'd.yml'));
    assert.match(
      summary(problemsOf(noCode(['model:', '  path: model/sklearn_regression_model.pkl'])))[0] ?? '',
      /^5:model\.path a custom_model is served by a scoring script/,
    );
  });

  it('refuses a model that is neither a reference nor an inline model', () => {
    const withModel = (model: string) => deployment('instance_count: 1').replace('model: azureml:my-model:1', model);
    assert.match(
      summary(problemsOf(withModel('model: ./model')))[0] ?? '',
      /^4:model '\.\/model' is not a model reference; .* or give its files inline: model: \{path: \.\/model\}/,
    );
    assert.match(summary(problemsOf(withModel('model: azureml:my-model@stable')))[0] ?? '', /the only label is '@latest'/);
    assert.match(
      summary(problemsOf(withModel('model: [a, b]')))[0] ?? '',
      /^4:model must be a model reference .* or an inline model mapping/,
    );
    assert.match(
      summary(problemsOf(withModel('model:\n  type: custom_model')))[0] ?? '',
      /^4:model\.path is required: the local file or folder of the model/,
    );
    assert.match(
      summary(problemsOf(withModel('model:\n  path: ./m\n  type: onnx_model')))[0] ?? '',
      /^6:model\.type must be one of custom_model, mlflow_model, triton_model/,
    );
    for (const reference of [
      'azureml:my-model:1',
      'azureml:my-model@latest',
      'my-model:2',
      'azureml://registries/azureml/models/bert/versions/3',
    ]) {
      assert.equal(parseOnlineDeployment(withModel(`model: ${reference}`), 'd.yml').spec.model, reference);
    }
  });

  it('checks an inline environment as an environment file, name optional', () => {
    const withEnvironment = (rows: string[]) =>
      deployment('instance_count: 1').replace('environment: azureml:my-env:1\n', `${rows.join('\n')}\n`);
    const { spec } = parseOnlineDeployment(withEnvironment(['environment:', '  image: python:3.11', '  conda_file: env.yml']), 'd.yml');
    assert.deepEqual(spec.environment, { image: 'python:3.11', conda_file: 'env.yml' });
    assert.match(
      summary(problemsOf(withEnvironment(['environment:', '  conda_file: env.yml'])))[0] ?? '',
      /^8:environment an environment needs image \(a Docker image\) or build/,
    );
  });

  it('makes a kubernetesOnlineDeployment file type kubernetes, scaled by target_utilization unless it says otherwise', () => {
    const text = lines(
      kubernetes,
      'name: blue',
      'endpoint_name: my-endpoint',
      'model:',
      '  path: ./model.onnx',
      'resources:',
      '  requests:',
      '    cpu: 0.5',
      '    nvidia.com/gpu: 1',
    );
    const { spec } = parseOnlineDeployment(text, 'd.yml');
    assert.equal(spec.type, 'kubernetes');
    assert.deepEqual(spec.scale_settings, { type: 'target_utilization', ...onlineDeploymentDefaults.target_utilization });
    assert.deepEqual(spec.resources, { requests: { cpu: '0.5', 'nvidia.com/gpu': '1' } });
    assert.match(
      summary(problemsOf(deployment('instance_count: 1', 'resources:', '  requests: {cpu: "1"}')))[0] ?? '',
      /^11:resources resources \(container requests and limits\) apply to Kubernetes deployments/,
    );
  });

  it('reads the data collector, with its defaults', () => {
    const { spec } = parseOnlineDeployment(
      deployment(
        'instance_count: 1',
        'data_collector:',
        '  collections:',
        '    model_inputs:',
        "      enabled: 'True'",
        '    model_outputs:',
        '      enabled: false',
        '  sampling_rate: 0.5',
      ),
      'd.yml',
    );
    assert.deepEqual(spec.data_collector, {
      collections: { model_inputs: { enabled: true }, model_outputs: { enabled: false } },
      sampling_rate: 0.5,
      rolling_rate: 'hour',
    });
    assert.match(
      summary(problemsOf(deployment('instance_count: 1', 'data_collector:', '  sampling_rate: 2')))[0] ?? '',
      /^12:data_collector\.sampling_rate must be between 0\.0 and 1\.0/,
    );
  });
});
