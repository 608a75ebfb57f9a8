import { describeThreshold } from '../../core/cost/budget.js';
import type { BudgetAlertRecord, StoredBudget } from '../../store/budget-repository.js';
import type { AlertmanagerClient, PostableAlert } from '../monitoring/alertmanager-client.js';
import type { Context } from '../context.js';
import type { BudgetMonthStatus } from './budget-service.js';

/** The alertname of every budget alert: route on it in alertmanager.yml. */
export const budgetAlertName = 'TrellisBudgetThreshold';

/** Where budget alerts go: Alertmanager when one is configured, and each budget's own notify.webhook. */
export interface BudgetAlertTargets {
  alertmanager: AlertmanagerClient | undefined;
  /** Posts a budget's webhook; the global fetch by default. */
  fetch?: typeof fetch;
  /** The server's public URL: the alert's link to the budget. */
  publicUrl: () => string;
  timeoutMs?: number;
}

/** The JSON a budget's notify.webhook receives, one POST per threshold reached. */
export interface BudgetWebhookBody {
  alertname: typeof budgetAlertName;
  workspace: string;
  budget: string;
  /** actual: spent reached the threshold; forecast: the month's forecast did. */
  kind: 'actual' | 'forecast';
  threshold: number;
  /** Spent (actual) or forecast (forecast) when it was reached. */
  value: number;
  amount: number;
  currency: string;
  month: string;
  message: string;
  at: string;
}

/**
 * Alerts each threshold the budget reached this month once: the crossing is recorded in the ledger
 * first (so another pass or server does not record it again), then delivered; one whose delivery
 * failed keeps its error and is delivered on a later pass. Returns the records delivered now.
 */
export async function alertBudget(
  context: Context,
  targets: BudgetAlertTargets,
  budget: StoredBudget,
  status: BudgetMonthStatus,
  now: number,
): Promise<BudgetAlertRecord[]> {
  const ledger = context.store.repositories.budgets;
  const key = { workspace: budget.workspace, budget: budget.name, month: status.month };
  for (const { kind, threshold } of status.reached) {
    const isRecorded = status.alerts.some((alert) => alert.kind === kind && alert.threshold === threshold);
    if (!isRecorded)
      await ledger.claimAlert({
        ...key,
        kind,
        threshold,
        at: now,
        spent: kind === 'actual' ? status.spent : (status.forecast ?? status.spent),
      });
  }
  const pending = (await ledger.alerts(budget.workspace, budget.name, status.month)).filter((alert) => alert.sentAt === null);
  const delivered: BudgetAlertRecord[] = [];
  for (const alert of pending) {
    const error = await deliver(targets, budget, alert, status);
    await ledger.markAlert(alert, error === null ? { sentAt: now } : { error });
    if (error === null) delivered.push({ ...alert, sentAt: now, error: null });
    else
      context.logger.warn(
        { budget: `${budget.workspace}/${budget.name}`, threshold: alert.threshold, error },
        'budget: an alert was not delivered',
      );
  }
  return delivered;
}

/** Sends one threshold to every target; resolves to why one failed, or null when all took it. */
async function deliver(
  targets: BudgetAlertTargets,
  budget: StoredBudget,
  alert: BudgetAlertRecord,
  status: BudgetMonthStatus,
): Promise<string | null> {
  const webhook = budget.spec.notify?.webhook;
  if (!targets.alertmanager && !webhook)
    return 'no Alertmanager is configured (alerting.alertmanager_url) and the budget has no notify.webhook';
  const message = describeThreshold(budget.spec, alert.threshold, alert.spent, alert.kind);
  const problems: string[] = [];
  if (targets.alertmanager) {
    try {
      await targets.alertmanager.post([toPostableBudgetAlert(budget, alert, status, message, targets.publicUrl())]);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (webhook) {
    const body: BudgetWebhookBody = {
      alertname: budgetAlertName,
      workspace: budget.workspace,
      budget: budget.name,
      kind: alert.kind,
      threshold: alert.threshold,
      value: alert.spent,
      amount: budget.spec.amount,
      currency: budget.spec.currency,
      month: alert.month,
      message,
      at: new Date(alert.at).toISOString(),
    };
    const problem = await postWebhook(targets, webhook, body);
    if (problem) problems.push(problem);
  }
  return problems.length > 0 ? problems.join('; ') : null;
}

/** The alert Alertmanager receives: keyed by workspace, budget, kind and threshold; it ends when the month does. */
export function toPostableBudgetAlert(
  budget: StoredBudget,
  alert: BudgetAlertRecord,
  status: Pick<BudgetMonthStatus, 'monthEnd'>,
  message: string,
  publicUrl: string,
): PostableAlert {
  const labels: Record<string, string> = {
    alertname: budgetAlertName,
    workspace: budget.workspace,
    budget: budget.name,
    threshold: String(alert.threshold),
    kind: alert.kind,
    severity: alert.kind === 'actual' && alert.threshold >= 100 ? 'critical' : 'warning',
  };
  // As monitors' alerts: one label for every recipient, for an email receiver's to: '{{ .CommonLabels.emails }}'.
  const emails = [...new Set(budget.spec.notify?.emails ?? [])].sort().join(',');
  if (emails) labels.emails = emails;
  return {
    labels,
    annotations: {
      summary: message,
      description: `${message}. Month ${alert.month}; the budget: trellis budget show --name ${budget.name} -w ${budget.workspace}`,
      value: String(alert.spent),
      amount: String(budget.spec.amount),
      currency: budget.spec.currency,
    },
    startsAt: new Date(alert.at).toISOString(),
    endsAt: new Date(status.monthEnd).toISOString(),
    generatorURL: `${publicUrl}/api/v1/workspaces/${encodeURIComponent(budget.workspace)}/budgets/${encodeURIComponent(budget.name)}`,
  };
}

async function postWebhook(targets: BudgetAlertTargets, url: string, body: BudgetWebhookBody): Promise<string | null> {
  const timeoutMs = targets.timeoutMs ?? 10_000;
  // The URL may carry a token in its query: messages name its origin only.
  const where = URL.parse(url)?.origin ?? 'the webhook';
  try {
    const response = await (targets.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.text().catch(() => '');
    return response.ok ? null : `the budget's webhook at ${where} answered HTTP ${response.status}`;
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    return `the budget's webhook at ${where} could not be reached (${cause?.message ?? (error as Error).message})`;
  }
}
