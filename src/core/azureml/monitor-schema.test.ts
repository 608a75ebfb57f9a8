import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repositoryRoot } from '../../../test/support/trellis-process.js';
import { monitorDefinition } from '../monitoring/monitor-definition.js';
import { parseYaml } from '../yaml/parse-yaml.js';
import { parseSignal } from './monitor-schema.js';
import { scheduleSchema } from './schedule-schema.js';
import { describeIssue, problemsFromIssues } from './zod-problems.js';

const examples = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli', 'monitoring');
const day = 24 * 3_600_000;

/** The problems a schedule file is refused for, as `path: message` lines with their line numbers. */
function problemsOf(text: string): string[] {
  const yaml = parseYaml(text, 'monitor.yml');
  const parsed = scheduleSchema.safeParse(yaml.value, { error: describeIssue });
  if (parsed.success) return [];
  return problemsFromIssues(parsed.error.issues, yaml.locate).map((problem) => `${problem.line}: ${problem.path}: ${problem.message}`);
}

function definitionOf(text: string, periodMs = day) {
  const parsed = scheduleSchema.parse(parseYaml(text, 'monitor.yml').value);
  return monitorDefinition(parsed.create_monitor!, periodMs, parseSignal);
}

const head = 'name: m\ntrigger: {type: recurrence, frequency: day, interval: 1}\n';

describe('the create_monitor of a schedule file', () => {
  for (const file of ['out-of-box-monitoring.yaml', 'advanced-model-monitoring.yaml', 'model-monitoring-with-collected-data.yaml']) {
    it(`accepts azureml-examples' ${file} unchanged`, () => {
      assert.deepEqual(problemsOf(readFileSync(join(examples, file), 'utf8')), []);
    });
  }

  it("fills in Azure's out-of-box signals, windows and thresholds when none are written", () => {
    const definition = definitionOf(readFileSync(join(examples, 'out-of-box-monitoring.yaml'), 'utf8'));
    assert.equal(definition.endpoint, 'credit-default');
    assert.equal(definition.deployment, 'main');
    assert.equal(definition.mlTask, 'classification');
    assert.deepEqual(definition.emails, ['abc@example.com', 'def@example.com']);
    assert.deepEqual(
      definition.signals.map((signal) => [signal.name, signal.type]),
      [
        ['data-drift-signal', 'data_drift'],
        ['prediction-drift-signal', 'prediction_drift'],
        ['data-quality-signal', 'data_quality'],
      ],
    );
    const [drift, prediction, quality] = definition.signals;
    assert.ok(drift?.type === 'data_drift' && prediction?.type === 'prediction_drift' && quality?.type === 'data_quality');
    assert.deepEqual(drift.production.source, {
      kind: 'collected',
      endpoint: 'credit-default',
      deployment: 'main',
      collection: 'model_inputs',
    });
    assert.deepEqual(prediction.production.source, {
      kind: 'collected',
      endpoint: 'credit-default',
      deployment: 'main',
      collection: 'model_outputs',
    });
    // The production window is the schedule's period; the reference the seven before it, of the same collection.
    assert.deepEqual(drift.production.window, { kind: 'trailing', sizeMs: day, offsetMs: 0 });
    assert.deepEqual(drift.reference.window, { kind: 'trailing', sizeMs: 7 * day, offsetMs: day });
    assert.deepEqual(drift.reference.source, drift.production.source);
    assert.deepEqual(drift.thresholds, {
      numerical: { normalized_wasserstein_distance: 0.1 },
      categorical: { jensen_shannon_distance: 0.1 },
    });
    assert.deepEqual(quality.thresholds.numerical, { null_value_rate: 0, data_type_error_rate: 0, out_of_bounds_rate: 0 });
    assert.ok(definition.signals.every((signal) => signal.alertEnabled));
  });

  it('reads the advanced example: reference assets, the target column, listed and top-N features, thresholds by feature type', () => {
    const definition = definitionOf(readFileSync(join(examples, 'advanced-model-monitoring.yaml'), 'utf8'));
    const [drift, quality, attribution] = definition.signals;
    assert.ok(drift?.type === 'data_drift' && quality?.type === 'data_quality' && attribution?.type === 'feature_attribution_drift');
    assert.deepEqual(drift.reference.source, { kind: 'asset', reference: 'azureml:credit-reference:1', type: 'mltable' });
    assert.equal(drift.reference.targetColumn, 'DEFAULT_NEXT_MONTH');
    assert.deepEqual(drift.reference.window, { kind: 'all' });
    assert.deepEqual(drift.features, { kind: 'top', count: 10 });
    assert.deepEqual(drift.thresholds, { numerical: { jensen_shannon_distance: 0.01 }, categorical: { pearsons_chi_squared_test: 0.02 } });
    assert.deepEqual(quality.features, { kind: 'listed', names: ['SEX', 'EDUCATION'] });
    assert.deepEqual(quality.thresholds, { numerical: { null_value_rate: 0.05 }, categorical: { out_of_bounds_rate: 0.03 } });
    assert.equal(attribution.threshold, 0.9);
    assert.deepEqual(attribution.production.outputs.source, {
      kind: 'collected',
      endpoint: 'credit-default',
      deployment: 'main',
      collection: 'model_outputs',
    });
  });

  it('takes windows as ISO 8601 durations and the list form of thresholds', () => {
    const definition = definitionOf(`${head}create_monitor:
  monitoring_target: {endpoint_deployment_id: azureml:e:d}
  monitoring_signals:
    drift:
      type: data_drift
      production_data: {data_window: {lookback_window_size: PT30M, lookback_window_offset: PT5M}}
      reference_data:
        input_data: {path: azureml:train:1, type: uri_file}
        data_window: {window_start: "2024-01-01", window_end: "2024-02-01"}
      metric_thresholds:
        - {applicable_feature_type: numerical, metric_name: two_sample_kolmogorov_smirnov_test, threshold: 0.05}
`);
    const [drift] = definition.signals;
    assert.ok(drift?.type === 'data_drift');
    assert.deepEqual(drift.production.window, { kind: 'trailing', sizeMs: 30 * 60_000, offsetMs: 5 * 60_000 });
    assert.deepEqual(drift.reference.window, { kind: 'fixed', start: Date.parse('2024-01-01'), end: Date.parse('2024-02-01') });
    assert.deepEqual(drift.thresholds.numerical, { two_sample_kolmogorov_smirnov_test: 0.05 });
    assert.deepEqual(drift.thresholds.categorical, { jensen_shannon_distance: 0.1 }, 'a type without thresholds keeps the default');
  });

  it('refuses every problem at once, each at its field and line, naming the fix', () => {
    const problems = problemsOf(`${head}create_monitor:
  monitoring_target:
    ml_task: clasification
    endpoint_deployment_id: credit-default/main
  monitoring_signals:
    drift:
      type: data_drift
      metric_thresholds:
        numerical:
          jensen_shannon_distance: high
          chi_square: 0.1
      features: {top_n: 3}
    custom_one:
      type: custom
    window:
      type: data_quality
      production_data: {data_window_size: 7 days}
  alert_notification:
    emails: [not-an-address]
`);
    const expect = (pattern: RegExp) =>
      assert.ok(
        problems.some((problem) => pattern.test(problem)),
        `${pattern} in:\n${problems.join('\n')}`,
      );
    expect(/^5: create_monitor\.monitoring_target\.ml_task: .*classification/);
    expect(/^6: create_monitor\.monitoring_target\.endpoint_deployment_id: write it as azureml:<endpoint>:<deployment>/);
    expect(/^12: .*jensen_shannon_distance: a threshold is a number/);
    expect(/^13: .*chi_square.*'chi_square' is not a numerical metric of this signal; use one of .*normalized_wasserstein_distance/);
    expect(
      /create_monitor\.monitoring_signals\.drift\.features: .*all_features, a list of feature names, or \{top_n_feature_importance: N\}/,
    );
    expect(
      /^16: create_monitor\.monitoring_signals\.custom_one\.type: signal type 'custom' runs a component .* Trellis computes data_drift/,
    );
    expect(/data_window_size: '7 days' is not a positive ISO 8601 duration: write P7D/);
    expect(/alert_notification\.emails\[0\]: is not an email address/);
  });

  it('needs one of create_job and create_monitor, not both', () => {
    assert.match(problemsOf(head).join('\n'), /say what each firing does: create_job .* or create_monitor/);
    assert.match(
      problemsOf(`${head}create_job: ./job.yml\ncreate_monitor: {monitoring_target: {endpoint_deployment_id: azureml:e:d}}\n`).join('\n'),
      /give create_job or create_monitor, not both/,
    );
  });
});
