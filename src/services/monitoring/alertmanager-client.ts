import { breachesWhenBelow } from '../../core/monitoring/monitoring-types.js';
import { TrellisError } from '../../core/errors.js';

/**
 * A small client for Prometheus Alertmanager's v2 API: monitors send their breaches here, and
 * Alertmanager groups, routes and delivers them (email to the monitor's `alert_notification.emails`,
 * a webhook, ...). Alertmanager keys an alert by its labels: re-sending the same labels updates the
 * one alert, and an alert sent with `endsAt` in the past is resolved.
 */

/** One signal's breach (or its end) as a monitor run reports it. */
export interface MonitorAlert {
  workspace: string;
  monitor: string;
  /** The signal's name in the monitor, e.g. 'drift'. */
  signal: string;
  /** data_drift, prediction_drift, data_quality, feature_attribution_drift, model_performance, custom. */
  signalType: string;
  /** The feature the metric was computed on; null for whole-model metrics (model_performance). */
  feature: string | null;
  metric: string;
  value: number;
  threshold: number;
  /** Who is told: Alertmanager's email receiver sends to the `emails` label. */
  emails: string[];
  state: 'firing' | 'resolved';
  /** When the breach began (epoch ms): the first run that saw it. */
  startsAt: number;
  /**
   * Firing: when Alertmanager should consider the alert over if it is not sent again (epoch ms).
   * Pass now + a validity (e.g. 3 × the monitor's period) so an alert whose monitor stops running
   * expires by itself; omitted, Alertmanager uses its resolve_timeout. Each evaluation that still
   * breaches sends the alert again and so extends it.
   * Resolved: when the breach ended; default now, which resolves the alert at once.
   */
  endsAt?: number;
  /** The monitor run that measured it: the alert's generatorURL and a link in the description. */
  runUrl?: string;
}

/** The body of POST /api/v2/alerts is an array of these (Alertmanager's postableAlert). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface AlertmanagerClientOptions {
  /** Alertmanager's base URL (with its --web.route-prefix, if any); may carry basic-auth credentials. */
  url: string;
  /** How long one request may take; default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** The clock (epoch ms) that resolved alerts end at; default Date.now. */
  now?: () => number;
}

/** The alertname of every Trellis monitor alert: route on it in alertmanager.yml. */
export const monitorAlertName = 'TrellisMonitorBreach';

export class AlertmanagerClient {
  /** The URL without credentials: the only form that appears in messages. */
  readonly url: string;
  private readonly base: URL;
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;

  constructor(options: AlertmanagerClientOptions) {
    const parsed = URL.parse(options.url);
    if (!parsed || !/^https?:$/.test(parsed.protocol))
      throw new TrellisError('InvalidConfiguration', 400, `the Alertmanager URL is not an http(s) URL; set alerting.alertmanager_url`);
    // fetch refuses URLs with credentials: they travel as a basic Authorization header instead.
    this.authorization =
      parsed.username || parsed.password
        ? `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`
        : undefined;
    parsed.username = '';
    parsed.password = '';
    if (!parsed.pathname.endsWith('/')) parsed.pathname = `${parsed.pathname}/`;
    this.base = parsed;
    this.url = parsed.href.replace(/\/$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
  }

  /** Posts the alerts (firing or resolved) in one request; resolves when Alertmanager accepted them all. */
  async send(alerts: MonitorAlert[]): Promise<void> {
    if (alerts.length === 0) return;
    const now = this.now();
    await this.post(alerts.map((alert) => toPostableAlert(alert, now)));
  }

  /** Posts alerts already in Alertmanager's shape (other alert kinds than monitors': budgets); resolves when all were accepted. */
  async post(alerts: PostableAlert[]): Promise<void> {
    if (alerts.length === 0) return;
    await this.call('POST', 'api/v2/alerts', alerts);
  }

  /** Resolves when Alertmanager answers its status endpoint (GET /api/v2/status); throws like `send` otherwise. */
  async ready(): Promise<void> {
    await this.call('GET', 'api/v2/status');
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<void> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.authorization) headers.authorization = this.authorization;
    let response: Response;
    try {
      response = await this.fetch(new URL(path, this.base), {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new TrellisError(
        'AlertmanagerUnreachable',
        502,
        isTimeout(error)
          ? `Alertmanager at ${this.url} did not answer ${method} /${path} within ${this.timeoutMs} ms`
          : `Alertmanager at ${this.url} could not be reached (${reasonOf(error)}); check alerting.alertmanager_url and that Alertmanager is running`,
        { cause: error },
      );
    }
    const text = await response.text().catch(() => '');
    if (!response.ok)
      throw new TrellisError(
        'AlertmanagerRejected',
        502,
        `Alertmanager at ${this.url} answered ${method} /${path} with HTTP ${response.status}: ${messageOf(text) || response.statusText || 'no message'}`,
        { details: { status: response.status } },
      );
  }
}

/** The postable alert Alertmanager receives for `alert`; `now` (epoch ms) ends a resolved alert without its own endsAt. */
export function toPostableAlert(alert: MonitorAlert, now: number): PostableAlert {
  const labels: Record<string, string> = {
    alertname: monitorAlertName,
    workspace: alert.workspace,
    monitor: alert.monitor,
    signal: alert.signal,
    signal_type: alert.signalType,
    ...(alert.feature === null ? {} : { feature: alert.feature }),
    metric: alert.metric,
    severity: 'warning',
  };
  // One label for all recipients, so one email receiver can send to them: to: '{{ .CommonLabels.emails }}'.
  // None: no label (an empty value is no label to Alertmanager), and routes match on its absence.
  const emails = [...new Set(alert.emails)].sort().join(',');
  if (emails) labels.emails = emails;
  const summary = summarize(alert);
  const endsAt = alert.state === 'resolved' ? (alert.endsAt ?? now) : alert.endsAt;
  return {
    labels,
    annotations: {
      summary,
      value: String(alert.value),
      threshold: String(alert.threshold),
      description: describe(alert),
    },
    startsAt: new Date(alert.startsAt).toISOString(),
    ...(endsAt === undefined ? {} : { endsAt: new Date(endsAt).toISOString() }),
    ...(alert.runUrl ? { generatorURL: alert.runUrl } : {}),
  };
}

/** One line: "data_drift signal 'drift' of monitor 'm': feature 'x' jensen_shannon_distance 0.31 > threshold 0.1". */
export function summarize(alert: MonitorAlert): string {
  const below = breachesWhenBelow(alert.metric);
  const comparison = alert.state === 'firing' ? (below ? '<' : '>') : below ? '>=' : '<=';
  const feature = alert.feature === null ? '' : `feature '${alert.feature}' `;
  return `${alert.signalType} signal '${alert.signal}' of monitor '${alert.monitor}': ${feature}${alert.metric} ${formatNumber(alert.value)} ${comparison} threshold ${formatNumber(alert.threshold)}${alert.state === 'resolved' ? ' (resolved)' : ''}`;
}

function describe(alert: MonitorAlert): string {
  const on = alert.feature === null ? '' : ` on feature '${alert.feature}'`;
  const side = breachesWhenBelow(alert.metric) ? 'below' : 'above';
  const state =
    alert.state === 'firing'
      ? `is ${side} its threshold ${alert.threshold}`
      : `is no longer ${side} its threshold ${alert.threshold}; the alert is resolved`;
  const run = alert.runUrl ? ` Run: ${alert.runUrl}` : '';
  return `Monitor '${alert.monitor}' in workspace '${alert.workspace}': the ${alert.metric} of its ${alert.signalType} signal '${alert.signal}'${on} is ${alert.value}, which ${state}.${run}`;
}

/** Four significant digits for a line a person reads; the exact value is in the `value` annotation. */
function formatNumber(value: number): string {
  return Math.abs(value) >= 1000 ? String(Math.round(value)) : String(Number(value.toPrecision(4)));
}

/** Alertmanager's error bodies are a JSON string (or a swagger error object); shown as one short line. */
function messageOf(text: string): string {
  let message = text.trim();
  try {
    const parsed: unknown = JSON.parse(message);
    if (typeof parsed === 'string') message = parsed;
    else if (typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string')
      message = parsed.message;
  } catch {
    // Not JSON (a proxy's HTML page, plain text): shown as it is.
  }
  message = message.replace(/\s+/g, ' ').trim();
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** fetch's own message is 'fetch failed'; the reason (connect ECONNREFUSED <address>, ENOTFOUND, a TLS error) is its cause. */
function reasonOf(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error && cause.message) return cause.message;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
