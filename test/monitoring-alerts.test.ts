import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../src/controllers/jobs/free-port.js';
import { isTrellisError } from '../src/core/errors.js';
import { AlertmanagerClient, type MonitorAlert } from '../src/services/monitoring/alertmanager-client.js';
import { alertmanagerMissing, type RunningAlertmanager, startAlertmanager } from './support/alertmanager.js';
import { skipUnless } from './support/capabilities.js';
import { type SinkMessage, type SmtpSink, startSmtpSink } from './support/smtp-sink.js';
import { assertStaysTrue } from './support/wait-for.js';
import { startWebhookRecorder, type WebhookRecorder } from './support/webhook-recorder.js';

/**
 * Monitor alerts through the real Prometheus Alertmanager: its email receiver delivers them to an
 * SMTP sink, its webhook receiver to a recorder. Each test uses its own monitor (and so its own
 * Alertmanager group) and its own addresses, so the tests do not see each other's mail.
 */

const skip = skipUnless('alertmanager', alertmanagerMissing());

/** A firing data-drift breach of `monitor`, mailed to two addresses named after it. */
function breach(monitor: string, overrides: Partial<MonitorAlert> = {}): MonitorAlert {
  return {
    workspace: 'ws-alerts',
    monitor,
    signal: 'drift',
    signalType: 'data_drift',
    feature: 'age',
    metric: 'jensen_shannon_distance',
    value: 0.31,
    threshold: 0.1,
    // Not in order: the label sorts them.
    emails: [`${monitor}-owner@example.com`, `${monitor}-data@example.com`],
    state: 'firing',
    startsAt: Date.now(),
    ...overrides,
  };
}

const mailTo = (monitor: string) => (message: SinkMessage) => message.to.includes(`${monitor}-owner@example.com`);

describe('monitor alerts through a real Alertmanager', { skip }, () => {
  let sink: SmtpSink;
  let webhook: WebhookRecorder;
  let alertmanager: RunningAlertmanager;
  let client: AlertmanagerClient;

  before(async () => {
    sink = await startSmtpSink();
    webhook = await startWebhookRecorder();
    alertmanager = await startAlertmanager({ smtp: sink, webhookUrl: webhook.url });
    client = new AlertmanagerClient({ url: alertmanager.url });
  });
  after(async () => {
    await alertmanager?.stop();
    await webhook?.close();
    await sink?.close();
  });

  it('answers ready() once Alertmanager is up', async () => {
    await client.ready();
  });

  it('delivers a firing alert as one email to both addresses of emails, with the summary in the body', async () => {
    await client.send([breach('churn')]);
    const message = await sink.waitForMessage(mailTo('churn'));
    assert.equal(message.from, 'trellis@localhost');
    assert.deepEqual([...message.to].sort(), ['churn-data@example.com', 'churn-owner@example.com']);
    assert.match(message.subject, /^\[FIRING:1\] TrellisMonitorBreach /);
    assert.ok(
      message.text.includes("data_drift signal 'drift' of monitor 'churn': feature 'age' jensen_shannon_distance 0.31 > threshold 0.1"),
      message.text,
    );
    assert.equal(sink.messages().filter(mailTo('churn')).length, 1);
  });

  it('sends no second email when the firing alert is sent again within repeat_interval, and emails again when the group changes', async () => {
    const first = breach('fraud');
    await client.send([first]);
    await sink.waitForMessage(mailTo('fraud'));
    // The next monitor evaluation sends the same alert again (same labels, a newer value).
    await client.send([{ ...first, value: 0.33 }]);
    // Nothing later can prove a notification did not happen: watch three group_intervals (1 s each)
    // in which Alertmanager flushes the group and finds nothing new to send.
    await assertStaysTrue(() => sink.messages().filter(mailTo('fraud')).length, {
      what: 'one email for the re-sent alert',
      forMs: 3_000,
      holds: (count) => count === 1,
    });
    // The group is alive: a second breach in it is mailed, with both alerts.
    await client.send([{ ...first, value: 0.33 }, breach('fraud', { feature: 'amount', value: 0.5 })]);
    const second = await sink.waitForMessage((message) => mailTo('fraud')(message) && message.subject.startsWith('[FIRING:2]'));
    assert.ok(second.text.includes("feature 'amount' jensen_shannon_distance 0.5 > threshold 0.1"), second.text);
    assert.equal(sink.messages().filter(mailTo('fraud')).length, 2);
  });

  it('delivers a RESOLVED email when the alert is sent resolved', async () => {
    const firing = breach('credit');
    await client.send([firing]);
    await sink.waitForMessage(mailTo('credit'));
    await client.send([{ ...firing, state: 'resolved', value: 0.04 }]);
    const resolved = await sink.waitForMessage((message) => mailTo('credit')(message) && message.subject.startsWith('[RESOLVED]'));
    assert.deepEqual([...resolved.to].sort(), ['credit-data@example.com', 'credit-owner@example.com']);
    assert.ok(resolved.text.includes('jensen_shannon_distance 0.04 <= threshold 0.1 (resolved)'), resolved.text);
  });

  it('posts the alert, with its labels and annotations, to a webhook receiver', async () => {
    const runUrl = 'http://trellis.example:5050/api/workspaces/ws-alerts/monitors/loans/runs/7';
    await client.send([breach('loans', { feature: null, metric: 'accuracy', value: 0.71, threshold: 0.8, runUrl })]);
    const post = await webhook.waitForPost((candidate) => candidate.commonLabels.monitor === 'loans');
    assert.equal(post.status, 'firing');
    assert.equal(post.alerts.length, 1);
    const [alert] = post.alerts;
    assert.deepEqual(alert?.labels, {
      alertname: 'TrellisMonitorBreach',
      workspace: 'ws-alerts',
      monitor: 'loans',
      signal: 'drift',
      signal_type: 'data_drift',
      metric: 'accuracy',
      severity: 'warning',
      emails: 'loans-data@example.com,loans-owner@example.com',
    });
    assert.equal(alert?.annotations.summary, "data_drift signal 'drift' of monitor 'loans': accuracy 0.71 < threshold 0.8");
    assert.equal(alert?.annotations.value, '0.71');
    assert.equal(alert?.annotations.threshold, '0.8');
    assert.equal(alert?.generatorURL, runUrl);
  });

  it("throws with the status and Alertmanager's message when it refuses an alert, without the URL's credentials", async () => {
    // Alertmanager ignores basic auth; what matters is that the password never shows.
    const withCredentials = new AlertmanagerClient({ url: alertmanager.url.replace('http://', 'http://trellis:s3cret-pw@') });
    const now = Date.now();
    await assert.rejects(
      withCredentials.send([breach('refused', { state: 'resolved', startsAt: now, endsAt: now - 60_000 })]),
      (error: Error) => {
        assert.ok(isTrellisError(error), String(error));
        assert.equal(error.code, 'AlertmanagerRejected');
        assert.match(error.message, /HTTP 400/);
        assert.match(error.message, /start time must be before end time/);
        assert.ok(error.message.includes(`Alertmanager at ${alertmanager.url} `), error.message);
        assert.doesNotMatch(`${error.message} ${JSON.stringify(error.details)}`, /s3cret-pw|trellis:/);
        return true;
      },
    );
  });

  it("throws that Alertmanager could not be reached when nothing listens, without the URL's credentials", async () => {
    const port = await freePort();
    const unreachable = new AlertmanagerClient({ url: `http://trellis:s3cret-pw@127.0.0.1:${port}/` });
    for (const call of [() => unreachable.send([breach('nowhere')]), () => unreachable.ready()]) {
      await assert.rejects(call(), (error: Error) => {
        assert.ok(isTrellisError(error), String(error));
        assert.equal(error.code, 'AlertmanagerUnreachable');
        assert.ok(error.message.includes(`Alertmanager at http://127.0.0.1:${port} could not be reached`), error.message);
        assert.match(error.message, /ECONNREFUSED/);
        assert.doesNotMatch(error.message, /s3cret-pw|trellis:/);
        return true;
      });
    }
  });
});
