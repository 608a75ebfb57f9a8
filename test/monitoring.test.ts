import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MonitorRunBody } from '../src/client/trellis-client.js';
import { alertmanagerMissing, type RunningAlertmanager, startAlertmanager } from './support/alertmanager.js';
import { skipUnless } from './support/capabilities.js';
import { seededNormal } from './support/seeded-random.js';
import { cliJson, score, waitForDeployment } from './support/endpoints.js';
import { type SmtpSink, startSmtpSink } from './support/smtp-sink.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * Model monitoring end to end: an online deployment collects what it is sent; a monitor (a
 * schedule with create_monitor) compares each window of it with the training data the model
 * learned from. Traffic drawn like the training data shows no drift; traffic with one feature
 * shifted shows drift on that feature only, which reaches a real Alertmanager and is mailed to
 * an SMTP sink; traffic back to normal resolves the alert.
 */

const skip = skipUnless('alertmanager', alertmanagerMissing());
const features = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;
const means = [5.8, 3.0, 3.8, 1.2];
const deviations = [0.8, 0.4, 1.7, 0.7];
/** How far back each run looks: traffic of a phase has left the window by the next. */
const windowSeconds = 10;

/** Rows like the training data; `shift` moves petal_length by that many standard deviations. */
function rows(count: number, seed: number, shift = 0): number[][] {
  const normal = seededNormal(seed);
  return Array.from({ length: count }, () =>
    features.map((_, index) => Number((means[index]! + deviations[index]! * (normal() + (index === 2 ? shift : 0))).toFixed(3))),
  );
}

async function collectedLines(folder: string): Promise<number> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  let count = 0;
  for (const entry of entries.filter((item) => item.isFile() && item.name.endsWith('.jsonl')))
    count += (await readFile(join(entry.parentPath, entry.name), 'utf8')).split('\n').filter(Boolean).length;
  return count;
}

describe('model monitoring of an online deployment, with alerts through Alertmanager', { skip }, () => {
  let sink: SmtpSink;
  let alertmanager: RunningAlertmanager;
  let trellis: TrellisProcess;
  let scratch: string;
  let primaryKey: string;
  let requests = 0;
  const runs: MonitorRunBody[] = [];

  before(async () => {
    sink = await startSmtpSink();
    alertmanager = await startAlertmanager({ smtp: sink });
    trellis = await startTrellis({ env: { TRELLIS_ALERTMANAGER_URL: alertmanager.url } });
    scratch = await mkdtemp(join(tmpdir(), 'trellis-monitoring-'));
    await cliJson(trellis.url, ['online-endpoint', 'create', '--file', 'endpoint.yml']);
    await cliJson(trellis.url, ['online-deployment', 'create', '--file', 'collector.yml', '--all-traffic']);
    assert.equal((await waitForDeployment(trellis.client, 'iris-endpoint', 'collector')).state, 'Succeeded');
    ({ primaryKey } = await cliJson<{ primaryKey: string }>(trellis.url, [
      'online-endpoint',
      'get-credentials',
      '--name',
      'iris-endpoint',
    ]));
    // The training data: 1,000 rows with the label, as a CSV registered as a data asset.
    const species = ['setosa', 'versicolor', 'virginica'];
    const training = rows(1000, 1).map((row, index) => [...row, species[index % 3]].join(','));
    await writeFile(join(scratch, 'iris-train.csv'), [`${features.join(',')},species`, ...training].join('\n'));
    await writeFile(join(scratch, 'data.yml'), 'name: iris-train\nversion: "1"\ntype: uri_file\npath: ./iris-train.csv\n');
    const data = await runCli(['data', 'create', '--file', join(scratch, 'data.yml')], { url: trellis.url });
    assert.equal(data.code, 0, data.stderr);
  });

  after(async () => {
    await trellis?.stop();
    await alertmanager?.stop();
    await sink?.close();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** Sends `batch` rows as requests of five rows, then waits until the collector has written them all. */
  const send = async (batch: number[][]) => {
    for (let start = 0; start < batch.length; start += 5) {
      const answer = await score(`${trellis.url}/endpoints/iris-endpoint/score`, {
        credential: primaryKey,
        body: JSON.stringify({ data: batch.slice(start, start + 5) }),
      });
      assert.equal(answer.status, 200, answer.text);
      requests += 1;
    }
    const inputs = join(
      trellis.home,
      'artifacts',
      'workspaces',
      'default',
      'objects',
      'collected',
      'iris-endpoint',
      'collector',
      'model_inputs',
    );
    await waitFor(() => collectedLines(inputs), {
      what: `${requests} collected requests`,
      until: (lines) => lines >= requests,
      timeoutMs: 15_000,
    });
  };

  /** Fires the monitor now and reads its run whole. */
  const runMonitor = async () => {
    const fired = await runCli(['schedule', 'trigger', '--name', 'iris-monitor', '-o', 'json'], { url: trellis.url });
    assert.equal(fired.code, 0, fired.stderr);
    const firing = JSON.parse(fired.stdout) as { job: string; state: string; reason: string | null };
    assert.equal(firing.state, 'submitted', firing.reason ?? '');
    const shown = await runCli(['monitor', 'run', '--name', 'iris-monitor', '--run', firing.job, '-o', 'json'], { url: trellis.url });
    assert.equal(shown.code, 0, shown.stderr);
    const run = JSON.parse(shown.stdout) as MonitorRunBody;
    runs.push(run);
    return run;
  };

  const breachedFeatures = (run: MonitorRunBody, signal: string) =>
    [
      ...new Set(
        run.signals
          .find((item) => item.name === signal)
          ?.metrics.filter((metric) => metric.breached)
          .map((metric) => metric.feature),
      ),
    ].sort();

  it('creates the monitor from its schedule file, refusing first one naming what does not exist', async () => {
    const monitor = (target: string, reference: string, feature: string) => `$schema: http://azureml/sdk-2-0/Schedule.json
name: iris-monitor
trigger:
  type: recurrence
  frequency: day
  interval: 1
create_monitor:
  compute: {instance_type: standard_e4s_v3, runtime_version: "3.4"}
  monitoring_target:
    ml_task: classification
    endpoint_deployment_id: ${target}
  monitoring_signals:
    drift:
      type: data_drift
      production_data:
        data_window: {lookback_window_size: PT${windowSeconds}S}
      reference_data:
        input_data: {path: ${reference}, type: uri_file}
        data_context: training
        data_column_names: {target_column: species}
      features: all_features
      metric_thresholds:
        numerical:
          normalized_wasserstein_distance: 0.3
          jensen_shannon_distance: 0.4
    quality:
      type: data_quality
      production_data:
        data_window: {lookback_window_size: PT${windowSeconds}S}
      reference_data:
        input_data: {path: ${reference}, type: uri_file}
        data_column_names: {target_column: species}
      features: [sepal_length, ${feature}]
      metric_thresholds:
        numerical: {null_value_rate: 0.05, out_of_bounds_rate: 0.2}
  alert_notification:
    emails: [ml-team@example.com, owner@example.com]
`;
    await writeFile(join(scratch, 'broken.yml'), monitor('azureml:iris-endpoint:nope', 'azureml:iris-test:1', 'petal_length'));
    const refused = await runCli(['schedule', 'create', '--file', join(scratch, 'broken.yml')], { url: trellis.url });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /endpoint_deployment_id.*endpoint 'iris-endpoint' has no online deployment 'nope'/);
    assert.match(refused.stderr, /reference_data.*data asset 'azureml:iris-test:1' does not exist .*iris-train:1/);
    await writeFile(join(scratch, 'wrong-feature.yml'), monitor('azureml:iris-endpoint:collector', 'azureml:iris-train:1', 'petal_lenght'));
    const misspelt = await runCli(['schedule', 'create', '--file', join(scratch, 'wrong-feature.yml')], { url: trellis.url });
    assert.notEqual(misspelt.code, 0);
    assert.match(
      misspelt.stderr,
      /quality\.features.*'petal_lenght' is not a column of azureml:iris-train:1; its columns: sepal_length, sepal_width, petal_length, petal_width, species/,
    );
    assert.equal((await trellis.client.listSchedules('default')).items.length, 0, 'nothing was created');

    await writeFile(join(scratch, 'monitor.yml'), monitor('azureml:iris-endpoint:collector', 'azureml:iris-train:1', 'petal_length'));
    const created = await runCli(['schedule', 'create', '--file', join(scratch, 'monitor.yml'), '-o', 'json'], { url: trellis.url });
    assert.equal(created.code, 0, created.stderr);
    const shown = await runCli(['monitor', 'show', '--name', 'iris-monitor'], { url: trellis.url });
    assert.match(shown.stdout, /watches: +iris-endpoint\/collector \(classification\)/);
    assert.match(shown.stdout, /alerts to: +ml-team@example.com, owner@example.com/);
  });

  it('finds no drift in traffic drawn like the training data', async () => {
    await send(rows(500, 2));
    const run = await runMonitor();
    assert.equal(run.state, 'Completed', run.reason ?? '');
    const drift = run.signals.find((signal) => signal.name === 'drift')!;
    assert.equal(drift.outcome, 'passed', JSON.stringify(drift.metrics));
    assert.equal(drift.production.rows, 500);
    assert.equal(drift.reference.rows, 1000);
    assert.deepEqual([...new Set(drift.metrics.map((metric) => metric.feature))], [...features], 'every feature but the label');
    assert.equal(run.signals.find((signal) => signal.name === 'quality')?.outcome, 'passed');
    assert.equal(run.alertError, null);
  });

  it('finds drift on the shifted feature only, and the alert reaches the SMTP sink through Alertmanager', async () => {
    // The first window's rows leave the window before the shifted ones come.
    await new Promise((resolve) => setTimeout(resolve, windowSeconds * 1000));
    await send(rows(500, 3, 3));
    const run = await runMonitor();
    assert.equal(run.state, 'Completed', run.reason ?? '');
    assert.equal(run.signals.find((signal) => signal.name === 'drift')?.production.rows, 500);
    assert.deepEqual(breachedFeatures(run, 'drift'), ['petal_length']);
    assert.deepEqual(breachedFeatures(run, 'quality'), ['petal_length'], 'shifted values beyond the training range are out of bounds');
    assert.equal(run.alertError, null);
    const mail = await sink.waitForMessage(
      (message) => message.to.includes('owner@example.com') && message.subject.includes('FIRING'),
      20_000,
    );
    assert.deepEqual([...mail.to].sort(), ['ml-team@example.com', 'owner@example.com']);
    assert.match(
      mail.text,
      /data_drift signal 'drift' of monitor 'iris-monitor': feature 'petal_length' normalized_wasserstein_distance [\d.]+ > threshold 0.3/,
    );
    assert.doesNotMatch(mail.text, /feature '(sepal_length|sepal_width|petal_width)'/);
    const metrics = await (await fetch(`${trellis.url}/metrics`)).text();
    assert.match(
      metrics,
      /trellis_monitor_metric_breached\{[^}]*monitor="iris-monitor"[^}]*feature="petal_length",metric="normalized_wasserstein_distance"\} 1/,
    );
    assert.match(metrics, /trellis_monitor_metric_breached\{[^}]*feature="sepal_length",metric="normalized_wasserstein_distance"\} 0/);
  });

  it('resolves the alert when traffic is back to normal', async () => {
    await new Promise((resolve) => setTimeout(resolve, windowSeconds * 1000));
    await send(rows(500, 4));
    const run = await runMonitor();
    assert.deepEqual(breachedFeatures(run, 'drift'), []);
    const resolved = await sink.waitForMessage(
      (message) => message.to.includes('owner@example.com') && message.subject.includes('RESOLVED'),
      20_000,
    );
    assert.match(resolved.text, /petal_length/);
    const history = await runCli(['monitor', 'show', '--name', 'iris-monitor'], { url: trellis.url });
    for (const earlier of runs) assert.ok(history.stdout.includes(earlier.name), `${earlier.name} in:\n${history.stdout}`);
    // The shifted run: petal_length past both drift thresholds and out of bounds.
    assert.match(history.stdout, /Completed +3 breaches +drift: breached, quality: breached/);
  });
});
