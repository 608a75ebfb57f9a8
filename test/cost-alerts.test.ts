import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BudgetWebhookBody } from '../src/services/cost/budget-alerts.js';
import { alertmanagerMissing, type RunningAlertmanager, startAlertmanager } from './support/alertmanager.js';
import { skipUnless } from './support/capabilities.js';
import { runJob, sleepJob, startPricedTrellis } from './support/cost.js';
import { type SmtpSink, startSmtpSink } from './support/smtp-sink.js';
import { removeHome, runCli, type TrellisProcess } from './support/trellis-process.js';
import { assertStaysTrue, waitFor } from './support/wait-for.js';
import { startWebhookRecorder, type WebhookRecorder } from './support/webhook-recorder.js';

/**
 * Budget thresholds through the real Prometheus Alertmanager (its webhook receiver records what it
 * delivers, its email receiver mails the budget's addresses to an SMTP sink) and to the budget's own
 * webhook: each threshold reached is alerted once a month, however often the watcher measures.
 */

const skip = skipUnless('alertmanager', alertmanagerMissing());

interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  updatedAt: string;
}

describe('budget alerts through a real Alertmanager and a webhook', { skip }, () => {
  let sink: SmtpSink;
  let delivered: WebhookRecorder;
  let budgetHook: WebhookRecorder;
  let alertmanager: RunningAlertmanager;
  let trellis: TrellisProcess;

  before(async () => {
    sink = await startSmtpSink();
    delivered = await startWebhookRecorder();
    budgetHook = await startWebhookRecorder();
    alertmanager = await startAlertmanager({ smtp: sink, webhookUrl: delivered.url });
    trellis = await startPricedTrellis({
      configYaml: `alerting:\n  alertmanager_url: ${alertmanager.url}\n`,
      // The watcher measures every 300 ms: a threshold sent twice would show within the test.
      env: { TRELLIS_BUDGET_TICK_MS: '300' },
    });
    await runJob(trellis, sleepJob(1));
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    await alertmanager?.stop();
    await budgetHook?.close();
    await delivered?.close();
    await sink?.close();
  });

  it('alerts each threshold reached once: to Alertmanager (webhook and email receivers) and to the budget webhook', async () => {
    const created = await runCli(
      [
        'budget',
        'create',
        '--name',
        'spend',
        '--amount',
        '0.0001',
        '--threshold',
        '50',
        '--threshold',
        '100',
        '--webhook',
        budgetHook.url,
        '--email',
        'finance@example.com',
      ],
      { url: trellis.url },
    );
    assert.equal(created.code, 0, created.stderr);

    // Alertmanager delivers both thresholds, labelled for routing.
    const labels = await waitFor(
      () =>
        delivered
          .posts()
          .flatMap((post) => post.alerts)
          .filter((alert) => alert.labels.alertname === 'TrellisBudgetThreshold')
          .map((alert) => alert.labels),
      { what: 'both thresholds delivered by Alertmanager', until: (found) => found.length >= 2, timeoutMs: 20_000 },
    );
    assert.deepEqual(labels.map((label) => [label.threshold, label.severity]).sort(), [
      ['100', 'critical'],
      ['50', 'warning'],
    ]);
    assert.deepEqual(
      { ...labels[0], threshold: undefined, severity: undefined },
      {
        alertname: 'TrellisBudgetThreshold',
        workspace: 'default',
        budget: 'spend',
        kind: 'actual',
        emails: 'finance@example.com',
        threshold: undefined,
        severity: undefined,
      },
    );
    const mail = await sink.waitForMessage((message) => message.to.includes('finance@example.com'));
    assert.match(mail.text, /budget 'spend' of workspace 'default' reached (50|100)%: \d+\.\d+ USD of 0\.00 USD spent this month/);

    // The budget's own webhook: one POST per threshold.
    const posts = await waitFor(() => budgetHook.bodies().filter(isBudgetBody), {
      what: "both thresholds posted to the budget's webhook",
      until: (found) => found.length >= 2,
    });
    assert.deepEqual(
      posts.map((post) => post.threshold).sort((a, b) => a - b),
      [50, 100],
    );
    const hundred = posts.find((post) => post.threshold === 100);
    assert.deepEqual(
      { ...hundred, value: undefined, at: undefined, message: undefined, month: undefined },
      {
        alertname: 'TrellisBudgetThreshold',
        workspace: 'default',
        budget: 'spend',
        kind: 'actual',
        threshold: 100,
        amount: 0.0001,
        currency: 'USD',
        value: undefined,
        at: undefined,
        message: undefined,
        month: undefined,
      },
    );
    assert.ok((hundred?.value ?? 0) >= 0.0001, JSON.stringify(hundred));

    // Not twice: over ten passes of the watcher, and a job that ends (which wakes it), nothing is sent again.
    const alertsInAlertmanager = async () => {
      const response = await fetch(`${alertmanager.url}/api/v2/alerts?filter=alertname%3D%22TrellisBudgetThreshold%22`);
      return ((await response.json()) as AlertmanagerAlert[]).map((alert) => `${alert.labels.threshold}@${alert.updatedAt}`).sort();
    };
    const seen = await alertsInAlertmanager();
    assert.equal(seen.length, 2, JSON.stringify(seen));
    await runJob(trellis, sleepJob(1));
    await assertStaysTrue(async () => ({ hook: budgetHook.posts().length, alertmanager: await alertsInAlertmanager() }), {
      what: 'each threshold sent once',
      forMs: 3_000,
      holds: (now) => now.hook === 2 && JSON.stringify(now.alertmanager) === JSON.stringify(seen),
    });

    const budget = await trellis.client.getBudget('default', 'spend');
    assert.deepEqual(
      budget.status.alerts.map((alert) => [alert.kind, alert.threshold, alert.sentAt !== null, alert.error]),
      [
        ['actual', 50, true, null],
        ['actual', 100, true, null],
      ],
    );
    const shown = await runCli(['budget', 'show', '--name', 'spend'], { url: trellis.url });
    assert.match(shown.stdout, /actual 100% reached .*: alerted/);
  });
});

/** A budget webhook's body (what the budget's notify.webhook receives), told from Alertmanager's by its alertname. */
function isBudgetBody(body: unknown): body is BudgetWebhookBody {
  return typeof body === 'object' && body !== null && 'alertname' in body && body.alertname === 'TrellisBudgetThreshold';
}
