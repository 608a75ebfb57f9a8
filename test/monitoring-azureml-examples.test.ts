import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MonitorRunBody } from '../src/client/trellis-client.js';
import { cliJson, endpointFixtures, score, waitForDeployment } from './support/endpoints.js';
import { draw, seededCategories, seededNormal } from './support/seeded-random.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * The monitoring examples of Azure/azureml-examples (cli/monitoring/, byte for byte in the
 * fixtures), created unchanged with `trellis schedule create --file` against deployments and data
 * assets of the names they use, and run. The deployments serve the iris model with a data
 * collector; the data assets are small synthetic tables with the columns the files name
 * (DEFAULT_NEXT_MONTH, SEX, EDUCATION; is_fraud), and collected payloads in the collector's own
 * layout for the example that brings its own production data.
 */

const examples = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli', 'monitoring');
const creditColumns = ['LIMIT_BAL', 'SEX', 'EDUCATION', 'MARRIAGE', 'AGE', 'PAY_0', 'BILL_AMT1', 'PAY_AMT1'];
const fraudColumns = ['amount', 'hour', 'merchant', 'distance', 'age'];

/** A credit table whose default depends on PAY_0 (and a little on LIMIT_BAL). */
function creditTable(rows: number, seed: number): string {
  const normal = seededNormal(seed);
  const lines = [[...creditColumns, 'DEFAULT_NEXT_MONTH'].join(',')];
  for (let index = 0; index < rows; index++) {
    const pay = Math.round(normal() * 1.5);
    const limit = Math.round(150_000 + 80_000 * normal());
    const label = pay + 0.3 * normal() - limit / 500_000 > 0.5 ? 1 : 0;
    lines.push(
      [
        limit,
        1 + (index % 2),
        1 + (index % 4),
        1 + (index % 3),
        25 + (index % 40),
        pay,
        Math.round(40_000 + 20_000 * normal()),
        Math.round(5_000 + 2_000 * normal()),
        label,
      ].join(','),
    );
  }
  return lines.join('\n');
}

/** Fraud transactions: is_fraud depends on amount and distance; `prediction` what a model answered. */
function fraudRows(rows: number, seed: number): Array<{ features: Array<number | string>; label: number }> {
  const normal = seededNormal(seed);
  const merchants = draw(
    seededCategories(seed + 1, [
      ['grocery', 5],
      ['travel', 2],
      ['online', 3],
    ] as const),
    rows,
  );
  return Array.from({ length: rows }, (_, index) => {
    const amount = Math.round(Math.exp(4 + normal()));
    const distance = Math.abs(Math.round(30 * normal()));
    return { features: [amount, index % 24, merchants[index]!, distance, 20 + (index % 50)], label: amount > 150 && distance > 20 ? 1 : 0 };
  });
}

const mltable = (file: string) =>
  `paths:\n  - file: ./${file}\ntransformations:\n  - read_delimited:\n      delimiter: ','\n      header: all_files_same_headers\n`;

describe('the monitoring examples of Azure/azureml-examples, created unchanged and run', () => {
  let trellis: TrellisProcess;
  let scratch: string;
  /** The collection id and predicted labels of each request credit-default/main answered. */
  const answered: Array<{ id: string; labels: string[] }> = [];

  const data = async (name: string, type: 'mltable' | 'uri_folder', files: Record<string, string>) => {
    const folder = join(scratch, name);
    await mkdir(folder, { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(join(folder, file), text);
    await writeFile(join(scratch, `${name}.yml`), `name: ${name}\nversion: "1"\ntype: ${type}\npath: ./${name}\n`);
    const created = await runCli(['data', 'create', '--file', join(scratch, `${name}.yml`)], { url: trellis.url });
    assert.equal(created.code, 0, created.stderr);
  };

  const deploy = async (endpoint: string, deployment: string) => {
    await writeFile(join(scratch, `${endpoint}.yml`), `name: ${endpoint}\nauth_mode: key\n`);
    const collector = [
      `name: ${deployment}`,
      `endpoint_name: ${endpoint}`,
      `model: {path: ${join(endpointFixtures, 'models', 'iris-onnx-v1')}}`,
      'instance_type: Standard_DS3_v2',
      'instance_count: 1',
      'data_collector: {sampling_rate: 1.0, collections: {model_inputs: {enabled: "True"}, model_outputs: {enabled: "True"}}}',
    ].join('\n');
    await writeFile(join(scratch, `${endpoint}-${deployment}.yml`), collector);
    await cliJson(trellis.url, ['online-endpoint', 'create', '--file', join(scratch, `${endpoint}.yml`)]);
    await cliJson(trellis.url, ['online-deployment', 'create', '--file', join(scratch, `${endpoint}-${deployment}.yml`), '--all-traffic']);
    assert.equal((await waitForDeployment(trellis.client, endpoint, deployment)).state, 'Succeeded');
  };

  /** Creates the example's schedule unchanged, fires it now, and returns its run. */
  const createAndRun = async (file: string, name: string): Promise<MonitorRunBody> => {
    const created = await runCli(['schedule', 'create', '--file', join(examples, file), '-o', 'json'], { url: trellis.url });
    assert.equal(created.code, 0, created.stderr);
    const fired = await runCli(['schedule', 'trigger', '--name', name, '-o', 'json'], { url: trellis.url });
    assert.equal(fired.code, 0, fired.stderr);
    const firing = JSON.parse(fired.stdout) as { job: string };
    const run = await trellis.client.getMonitorRun('default', name, firing.job);
    assert.equal(run.state, 'Completed', run.reason ?? '');
    // Their schedules' names collide (two examples are fraud_detection_model_monitoring): each is deleted once run.
    const deleted = await runCli(['schedule', 'delete', '--name', name], { url: trellis.url });
    assert.equal(deleted.code, 0, deleted.stderr);
    return run;
  };

  const signal = (run: MonitorRunBody, name: string) => {
    const found = run.signals.find((item) => item.name === name);
    assert.ok(found, `${name} in ${run.signals.map((item) => item.name).join(', ')}`);
    return found;
  };

  before(async () => {
    trellis = await startTrellis();
    scratch = await mkdtemp(join(tmpdir(), 'trellis-monitoring-examples-'));
    await deploy('credit-default', 'main');
    await deploy('fraud-detection-endpoint', 'fraud-detection-deployment');
    await data('credit-reference', 'mltable', { MLTable: mltable('credit.csv'), 'credit.csv': creditTable(600, 1) });
    const training = fraudRows(800, 2);
    await data('my_model_training_data', 'mltable', {
      MLTable: mltable('train.csv'),
      'train.csv': [[...fraudColumns, 'is_fraud'].join(','), ...training.map((row) => [...row.features, row.label].join(','))].join('\n'),
    });
    const validation = fraudRows(300, 3);
    await data('my_model_validation_data', 'mltable', {
      MLTable: mltable('validation.csv'),
      'validation.csv': [
        [...fraudColumns, 'prediction'].join(','),
        ...validation.map((row) => [...row.features, row.label].join(',')),
      ].join('\n'),
    });
    // Production payloads as the data collector writes them, an hour ago: inputs and the answers to them.
    const production = fraudRows(200, 4);
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const inputs: string[] = [];
    const outputs: string[] = [];
    for (let request = 0; request < 40; request++) {
      const batch = production.slice(request * 5, request * 5 + 5);
      const common = {
        time: at,
        requestId: `request-${request}`,
        deployment: 'fraud-detection-deployment',
        status: 200,
        contentType: 'application/json',
      };
      inputs.push(JSON.stringify({ ...common, data: { input_data: { columns: fraudColumns, data: batch.map((row) => row.features) } } }));
      // A model that flags large amounts far from home, a little more eagerly than the truth.
      outputs.push(
        JSON.stringify({ ...common, data: batch.map((row) => (Number(row.features[0]) > 120 && Number(row.features[3]) > 15 ? 1 : 0)) }),
      );
    }
    const hour = at.slice(0, 13).replace(/[-T]/g, '/');
    await data('my_production_inference_data_model_inputs', 'uri_folder', {
      [`${hour.replaceAll('/', '-')}.jsonl`]: `${inputs.join('\n')}\n`,
    });
    await data('my_production_inference_data_model_outputs', 'uri_folder', {
      [`${hour.replaceAll('/', '-')}.jsonl`]: `${outputs.join('\n')}\n`,
    });
    // Traffic the credit-default deployment collects, for the examples that read its collection.
    const { primaryKey } = await cliJson<{ primaryKey: string }>(trellis.url, [
      'online-endpoint',
      'get-credentials',
      '--name',
      'credit-default',
    ]);
    const normal = seededNormal(5);
    for (let request = 0; request < 30; request++) {
      const rows = Array.from({ length: 5 }, () => [5.8 + 0.8 * normal(), 3 + 0.4 * normal(), 3.8 + 1.7 * normal(), 1.2 + 0.7 * normal()]);
      const answer = await score(`${trellis.url}/endpoints/credit-default/score`, {
        credential: primaryKey,
        body: JSON.stringify({ data: rows }),
      });
      assert.equal(answer.status, 200, answer.text);
      const body = answer.json() as { label?: unknown[] } | unknown[];
      const labels = Array.isArray(body) ? body : (body.label ?? []);
      answered.push({ id: answer.headers.get('x-trellis-collection-id') ?? '', labels: labels.map(String) });
    }
    const collected = join(
      trellis.home,
      'artifacts',
      'workspaces',
      'default',
      'objects',
      'collected',
      'credit-default',
      'main',
      'model_outputs',
    );
    await waitFor(async () => (await import('node:fs/promises')).readdir(collected, { recursive: true }).catch(() => []), {
      what: 'the collected answers of credit-default/main',
      until: (entries) => entries.some((entry) => String(entry).endsWith('.jsonl')),
      timeoutMs: 15_000,
    });
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("out-of-box-monitoring.yaml: Azure's default signals over the deployment's collection, with no earlier week to compare with yet", async () => {
    const run = await createAndRun('out-of-box-monitoring.yaml', 'credit_default_model_monitoring');
    assert.deepEqual(
      run.signals.map((item) => [item.name, item.outcome]),
      [
        ['data-drift-signal', 'no_data'],
        ['prediction-drift-signal', 'no_data'],
        ['data-quality-signal', 'no_data'],
      ],
    );
    const drift = signal(run, 'data-drift-signal');
    assert.equal(drift.production.rows, 150, 'the 30 requests of 5 rows collected today');
    assert.equal(drift.reference.rows, 0);
    assert.equal(drift.reason, 'no reference rows to compare with');
  });

  it('advanced-model-monitoring.yaml: top-10 drift, quality of SEX and EDUCATION, and feature attribution drift against the training table', async () => {
    const run = await createAndRun('advanced-model-monitoring.yaml', 'fraud_detection_model_monitoring');
    const drift = signal(run, 'advanced_data_drift');
    assert.ok(['passed', 'breached'].includes(drift.outcome), `${drift.outcome}: ${drift.reason}`);
    assert.equal(drift.reference.rows, 600);
    // Payload lists are named by the reference's columns in order; the label is never a feature.
    const judged = [...new Set(drift.metrics.map((metric) => metric.feature))];
    assert.ok(judged.length > 0 && judged.length <= 8 && !judged.includes('DEFAULT_NEXT_MONTH'), judged.join(', '));
    assert.ok(drift.metrics.every((metric) => metric.value !== null || metric.reason));
    const quality = signal(run, 'advanced_data_quality');
    assert.deepEqual([...new Set(quality.metrics.map((metric) => metric.feature))], ['SEX', 'EDUCATION']);
    const attribution = signal(run, 'feature_attribution_drift_signal');
    assert.ok(['passed', 'breached'].includes(attribution.outcome), `${attribution.outcome}: ${attribution.reason}`);
    assert.equal(attribution.metrics[0]?.metric, 'normalized_discounted_cumulative_gain');
    assert.ok(attribution.metrics[0]?.value !== null && attribution.metrics[0]!.value! <= 1);
    assert.equal(attribution.production.rows, 150, 'each collected input joined to its answer');
    assert.deepEqual(attribution.distributions[0]?.bins, creditColumns, 'the importances of every feature, reference against production');
  });

  it('model-monitoring-with-collected-data.yaml: drift of the top 20 features and prediction drift of production data brought as data assets', async () => {
    const run = await createAndRun('model-monitoring-with-collected-data.yaml', 'fraud_detection_model_monitoring');
    const drift = signal(run, 'advanced_data_drift');
    assert.equal(drift.production.rows, 200);
    assert.equal(drift.reference.rows, 800);
    assert.deepEqual([...new Set(drift.metrics.map((metric) => metric.feature))].sort(), [...fraudColumns].sort());
    // merchant is categorical: its threshold is the chi-squared test's; the others' the Jensen-Shannon distance's.
    assert.ok(drift.metrics.some((metric) => metric.feature === 'merchant' && metric.metric === 'pearsons_chi_squared_test'));
    assert.ok(drift.metrics.some((metric) => metric.feature === 'amount' && metric.metric === 'jensen_shannon_distance'));
    const prediction = signal(run, 'advanced_prediction_drift');
    assert.equal(prediction.production.rows, 200);
    assert.equal(prediction.reference.rows, 300);
    assert.ok(['passed', 'breached'].includes(prediction.outcome), `${prediction.outcome}: ${prediction.reason}`);
  });

  it('model_performance: the collected answers joined to ground truth by collection id, scored and held to thresholds', async () => {
    // The truth agrees with the model on 4 rows in 5: accuracy 0.8, under the 0.9 asked for.
    assert.equal(answered.flatMap((request) => request.labels).length, 150);
    const truth = answered.flatMap(({ id, labels }) =>
      labels.map((label, index) => `${id},${index === 4 ? (label === '0' ? '1' : '0') : label}`),
    );
    await writeFile(join(scratch, 'truth.csv'), ['correlation_id,label', ...truth].join('\n'));
    await writeFile(join(scratch, 'truth.yml'), 'name: credit-ground-truth\nversion: "1"\ntype: uri_file\npath: ./truth.csv\n');
    assert.equal((await runCli(['data', 'create', '--file', join(scratch, 'truth.yml')], { url: trellis.url })).code, 0);
    await writeFile(
      join(scratch, 'performance.yml'),
      `name: credit_performance
trigger: {type: cron, expression: "0 3 * * *"}
create_monitor:
  monitoring_target: {ml_task: classification, endpoint_deployment_id: azureml:credit-default:main}
  monitoring_signals:
    performance:
      type: model_performance
      production_data: {data_context: model_outputs}
      reference_data:
        input_data: {path: azureml:credit-ground-truth:1, type: uri_file}
        data_context: ground_truth
        data_column_names: {actual: label, correlation_id: correlation_id}
      metric_thresholds:
        classification: {accuracy: 0.9, f1_score: 0.1}
`,
    );
    const created = await runCli(['schedule', 'create', '--file', join(scratch, 'performance.yml')], { url: trellis.url });
    assert.equal(created.code, 0, created.stderr);
    const fired = await runCli(['schedule', 'trigger', '--name', 'credit_performance', '-o', 'json'], { url: trellis.url });
    assert.equal(fired.code, 0, fired.stderr);
    const run = await trellis.client.getMonitorRun('default', 'credit_performance', (JSON.parse(fired.stdout) as { job: string }).job);
    const performance = signal(run, 'performance');
    assert.equal(performance.outcome, 'breached', performance.reason ?? '');
    assert.equal(performance.reason, '150 of 150 answers joined to their ground truth');
    const accuracy = performance.metrics.find((metric) => metric.metric === 'accuracy')!;
    assert.equal(accuracy.value, 0.8);
    assert.equal(accuracy.breached, true);
    assert.equal(performance.metrics.find((metric) => metric.metric === 'f1_score')?.breached, false);
  });

  it('refuses a monitor whose signal has no data: a deployment that collects nothing, and nothing given instead', async () => {
    await writeFile(
      join(scratch, 'plain.yml'),
      `name: plain\nendpoint_name: credit-default\nmodel: {path: ${join(endpointFixtures, 'models', 'iris-onnx-v1')}}\ninstance_type: Standard_DS3_v2\ninstance_count: 1\n`,
    );
    await cliJson(trellis.url, ['online-deployment', 'create', '--file', join(scratch, 'plain.yml')]);
    await writeFile(
      join(scratch, 'blind.yml'),
      'name: blind\ntrigger: {type: cron, expression: "0 3 * * *"}\ncreate_monitor:\n  monitoring_target: {endpoint_deployment_id: azureml:credit-default:plain}\n',
    );
    const refused = await runCli(['schedule', 'create', '--file', join(scratch, 'blind.yml')], { url: trellis.url });
    assert.notEqual(refused.code, 0);
    // Azure's three out-of-box signals, each named: two need the inputs, prediction drift the answers.
    assert.match(
      refused.stderr,
      /data-drift-signal\.production_data: data_drift needs model_inputs and deployment credit-default\/plain does not collect them: enable data_collector\.collections\.model_inputs/,
    );
    assert.match(refused.stderr, /prediction-drift-signal\.production_data: prediction_drift needs model_outputs/);
    assert.match(refused.stderr, /data-quality-signal\.production_data: data_quality needs model_inputs/);
    assert.equal((await trellis.client.listSchedules('default')).items.filter((item) => item.name === 'blind').length, 0);
  });
});
