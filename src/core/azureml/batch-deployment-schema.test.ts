import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError, type Problem } from '../errors.js';
import { batchDeploymentDefaults } from './batch-deployment-schema.js';
import { parseBatchDeployment } from './parse-endpoint-file.js';

const modelBatch = '$schema: https://azuremlschemas.azureedge.net/latest/modelBatchDeployment.schema.json';
const legacyBatch = '$schema: https://azuremlschemas.azureedge.net/latest/batchDeployment.schema.json';

function lines(...rows: string[]): string {
  return `${rows.join('\n')}\n`;
}

function problemsOf(text: string): Problem[] {
  try {
    parseBatchDeployment(text, 'deployment.yml');
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

const defaultSettings = {
  max_concurrency_per_instance: 1,
  mini_batch_size: 10,
  output_action: 'append_row',
  output_file_name: 'predictions.csv',
  retry_settings: { max_retries: 3, timeout: 30 },
  error_threshold: -1,
  logging_level: 'info',
};

describe('batch deployment schema', () => {
  it("fills in Azure's defaults for an MLflow model deployment", () => {
    const parsed = parseBatchDeployment(
      lines(
        modelBatch,
        'name: mlflow-dpl',
        'endpoint_name: heart-batch',
        'type: model',
        'model: azureml:heart@latest',
        'compute: azureml:batch-cluster',
      ),
      'd.yml',
    );
    assert.deepEqual(parsed.spec, {
      name: 'mlflow-dpl',
      endpoint_name: 'heart-batch',
      type: 'model',
      model: 'azureml:heart@latest',
      compute: 'azureml:batch-cluster',
      resources: { instance_count: 1 },
      settings: defaultSettings,
    });
    assert.equal(batchDeploymentDefaults.output_file_name, 'predictions.csv');
  });

  it('reads settings placed at the top level (the layout before CLI 1.7) into settings, with a note each', () => {
    const text = lines(
      legacyBatch,
      'name: legacy-dpl',
      'endpoint_name: heart-batch',
      'model: azureml:heart:1',
      'compute: cpu-cluster',
      'mini_batch_size: 2',
      'error_threshold: 0',
      'retry_settings:',
      '  timeout: 300',
      'environment_variables:',
      '  LOG_EVERYTHING: true',
    );
    const parsed = parseBatchDeployment(text, 'd.yml');
    assert.deepEqual(parsed.spec.settings, {
      ...defaultSettings,
      mini_batch_size: 2,
      error_threshold: 0,
      retry_settings: { max_retries: 3, timeout: 300 },
      environment_variables: { LOG_EVERYTHING: 'true' },
    });
    assert.deepEqual(Object.keys(parsed.spec).sort(), ['compute', 'endpoint_name', 'model', 'name', 'resources', 'settings', 'type']);
    assert.deepEqual(
      parsed.notes.map((note) => `${note.line}:${note.path}`),
      ['6:mini_batch_size', '7:error_threshold', '8:retry_settings', '10:environment_variables'],
    );
    assert.match(parsed.notes[0]?.message ?? '', /^read as settings\.mini_batch_size/);
  });

  it('refuses a setting given both at the top level and in settings', () => {
    const text = lines(
      modelBatch,
      'name: dpl',
      'endpoint_name: ep1',
      'model: azureml:m:1',
      'mini_batch_size: 2',
      'settings:',
      '  mini_batch_size: 4',
    );
    assert.deepEqual(summary(problemsOf(text)), [
      '5:mini_batch_size mini_batch_size is given twice, here and in settings; keep the one in settings (the top level is the layout from before Azure ML CLI 1.7)',
    ]);
  });

  it('refuses values out of range, naming the field', () => {
    const text = lines(
      modelBatch,
      'name: dpl',
      'endpoint_name: ep1',
      'model: azureml:m:1',
      'settings:',
      '  mini_batch_size: 0',
      '  error_threshold: -2',
      '  output_action: append_rows',
      '  retry_settings:',
      '    timeout: 0',
    );
    assert.deepEqual(summary(problemsOf(text)), [
      '6:settings.mini_batch_size must be 1 or more',
      '7:settings.error_threshold must be -1 (no limit) or more',
      "8:settings.output_action must be one of append_row, summary_only; got 'append_rows'",
      '10:settings.retry_settings.timeout must be 1 or more',
    ]);
  });

  it('leaves output_file_name out with summary_only, unless the file names one', () => {
    const text = lines(modelBatch, 'name: dpl', 'endpoint_name: ep1', 'model: azureml:m:1', 'settings:', '  output_action: summary_only');
    assert.equal(parseBatchDeployment(text, 'd.yml').spec.settings.output_file_name, undefined);
  });

  it('takes instance_count from resources or settings, and refuses two different ones', () => {
    const base = [modelBatch, 'name: dpl', 'endpoint_name: ep1', 'model: azureml:m:1'];
    assert.deepEqual(parseBatchDeployment(lines(...base, 'settings:', '  instance_count: 3'), 'd.yml').spec.resources, {
      instance_count: 3,
    });
    assert.match(
      summary(problemsOf(lines(...base, 'resources:', '  instance_count: 2', 'settings:', '  instance_count: 3')))[0] ?? '',
      /^8:settings\.instance_count settings\.instance_count \(3\) contradicts resources\.instance_count \(2\)/,
    );
  });

  it('refuses pipeline component deployments with the reason, once', () => {
    const text = lines(
      '$schema: https://azuremlschemas.azureedge.net/latest/pipelineComponentBatchDeployment.schema.json',
      'name: hello-dpl',
      'endpoint_name: ep1',
      'type: pipeline',
      'component: azureml:hello@latest',
      'settings:',
      '  default_compute: batch-cluster',
    );
    assert.deepEqual(summary(problemsOf(text)), [
      '4:type pipeline component batch deployments (type: pipeline) are not supported by Trellis; deploy a model (type: model) instead',
    ]);
    assert.deepEqual(
      summary(problemsOf(text.replace('type: pipeline\n', ''))).map((row) => row.split(' ')[0]),
      ['1:$schema'],
    );
  });

  it('asks for endpoint_name and model, and for an environment with a Python scoring script', () => {
    assert.deepEqual(summary(problemsOf(lines(legacyBatch, 'name: dpl', 'compute: cpu-cluster'))), [
      '1:endpoint_name is required: the name of the endpoint this deployment belongs to',
      '1:model is required: the model to score with (azureml:<name>:<version>, azureml:<name>@latest, or inline {path, type})',
    ]);
    const noEnvironment = lines(
      modelBatch,
      'name: dpl',
      'endpoint_name: ep1',
      'model: azureml:m:1',
      'code_configuration:',
      '  code: code',
      '  scoring_script: batch_driver.py',
    );
    assert.match(summary(problemsOf(noEnvironment))[0] ?? '', /^5:code_configuration a scoring script runs in an environment/);
  });

  it('refuses an unknown field, suggesting the closest one', () => {
    const text = lines(modelBatch, 'name: dpl', 'endpoint_name: ep1', 'model: azureml:m:1', 'settings:', '  mini_batch: 4');
    assert.deepEqual(summary(problemsOf(text)), ["6:settings.mini_batch unknown field 'mini_batch'; did you mean 'mini_batch_size'?"]);
  });
});
