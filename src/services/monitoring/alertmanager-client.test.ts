import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlertmanagerClient, type MonitorAlert, toPostableAlert } from './alertmanager-client.js';

const startsAt = Date.parse('2026-03-01T10:00:00Z');
const now = Date.parse('2026-03-01T12:00:00Z');

const breach: MonitorAlert = {
  workspace: 'dev',
  monitor: 'credit-default',
  signal: 'drift',
  signalType: 'data_drift',
  feature: 'age',
  metric: 'jensen_shannon_distance',
  value: 0.312345,
  threshold: 0.1,
  emails: ['z@example.com', 'a@example.com', 'z@example.com'],
  state: 'firing',
  startsAt,
};

interface Recorded {
  url: string;
  init: RequestInit;
}

/** A fetch that records its calls and answers with `respond`. */
function fakeFetch(respond: () => Response | Promise<Response>): { fetch: typeof fetch; calls: Recorded[] } {
  const calls: Recorded[] = [];
  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    calls.push({ url: String(input), init });
    return respond();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('toPostableAlert', () => {
  it('labels a breach so one email receiver can send to all its addresses, and sums it up in one line', () => {
    const alert = toPostableAlert(breach, now);
    assert.deepEqual(alert.labels, {
      alertname: 'TrellisMonitorBreach',
      workspace: 'dev',
      monitor: 'credit-default',
      signal: 'drift',
      signal_type: 'data_drift',
      feature: 'age',
      metric: 'jensen_shannon_distance',
      severity: 'warning',
      emails: 'a@example.com,z@example.com',
    });
    assert.equal(
      alert.annotations.summary,
      "data_drift signal 'drift' of monitor 'credit-default': feature 'age' jensen_shannon_distance 0.3123 > threshold 0.1",
    );
    assert.equal(alert.annotations.value, '0.312345');
    assert.equal(alert.annotations.threshold, '0.1');
    assert.match(alert.annotations.description ?? '', /is 0\.312345, which is above its threshold 0\.1/);
    assert.equal(alert.startsAt, '2026-03-01T10:00:00.000Z');
    // Firing without a validity: Alertmanager keeps it while it is sent again within resolve_timeout.
    assert.equal('endsAt' in alert, false);
    assert.equal('generatorURL' in alert, false);
  });

  it('passes a firing validity as endsAt, and links the run', () => {
    const alert = toPostableAlert({ ...breach, endsAt: now + 3 * 3_600_000, runUrl: 'http://trellis:5050/runs/1' }, now);
    assert.equal(alert.endsAt, '2026-03-01T15:00:00.000Z');
    assert.equal(alert.generatorURL, 'http://trellis:5050/runs/1');
    assert.match(alert.annotations.description ?? '', /Run: http:\/\/trellis:5050\/runs\/1$/);
  });

  it('ends a resolved alert now (same labels), and says it is back within the threshold', () => {
    const alert = toPostableAlert({ ...breach, state: 'resolved', value: 0.05 }, now);
    assert.deepEqual(alert.labels, toPostableAlert(breach, now).labels);
    assert.equal(alert.endsAt, '2026-03-01T12:00:00.000Z');
    assert.equal(
      alert.annotations.summary,
      "data_drift signal 'drift' of monitor 'credit-default': feature 'age' jensen_shannon_distance 0.05 <= threshold 0.1 (resolved)",
    );
  });

  it('leaves out the feature of a whole-model metric and the emails when there are none; a metric that breaches below says <', () => {
    const alert = toPostableAlert(
      { ...breach, signalType: 'model_performance', signal: 'perf', feature: null, metric: 'accuracy', value: 0.7, emails: [] },
      now,
    );
    assert.equal('feature' in alert.labels, false);
    assert.equal('emails' in alert.labels, false);
    assert.equal(alert.annotations.summary, "model_performance signal 'perf' of monitor 'credit-default': accuracy 0.7 < threshold 0.1");
  });
});

describe('AlertmanagerClient', () => {
  it('posts the alerts to /api/v2/alerts under the base path, credentials as a basic Authorization header', async () => {
    const { fetch, calls } = fakeFetch(() => new Response('', { status: 200 }));
    const client = new AlertmanagerClient({ url: 'https://ops:p%40ss@alerts.example/alertmanager/', fetch, now: () => now });
    await client.send([breach, { ...breach, feature: 'income' }]);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.url, 'https://alerts.example/alertmanager/api/v2/alerts');
    assert.equal(calls[0]?.init.method, 'POST');
    const headers = calls[0]?.init.headers as Record<string, string>;
    assert.equal(headers.authorization, `Basic ${Buffer.from('ops:p@ss').toString('base64')}`);
    const body = JSON.parse(String(calls[0]?.init.body)) as Array<{ labels: Record<string, string> }>;
    assert.deepEqual(
      body.map((alert) => alert.labels.feature),
      ['age', 'income'],
    );
    assert.equal(client.url, 'https://alerts.example/alertmanager');
  });

  it('sends nothing for no alerts', async () => {
    const { fetch, calls } = fakeFetch(() => new Response('', { status: 200 }));
    await new AlertmanagerClient({ url: 'http://127.0.0.1:9093', fetch }).send([]);
    assert.equal(calls.length, 0);
  });

  it('throws on a non-2xx answer with the URL (no credentials), the status and the message', async () => {
    const { fetch } = fakeFetch(() => new Response('"maintenance window"', { status: 503, statusText: 'Service Unavailable' }));
    const client = new AlertmanagerClient({ url: 'http://ops:hunter2@127.0.0.1:9093', fetch });
    await assert.rejects(client.send([breach]), (error: Error) => {
      assert.equal(error.message, 'Alertmanager at http://127.0.0.1:9093 answered POST /api/v2/alerts with HTTP 503: maintenance window');
      return true;
    });
  });

  it('says how long it waited when Alertmanager does not answer in time', async () => {
    // Never answers; the ref'd timer keeps the test alive, as AbortSignal.timeout's own timer does not.
    const fetch = ((_input: string | URL | Request, init: RequestInit = {}) =>
      new Promise<Response>((_resolve, reject) => {
        const alive = setTimeout(() => reject(new Error('the client did not abort')), 5_000);
        init.signal?.addEventListener('abort', () => {
          clearTimeout(alive);
          reject(init.signal?.reason);
        });
      })) as typeof globalThis.fetch;
    const client = new AlertmanagerClient({ url: 'http://ops:hunter2@127.0.0.1:9093', fetch, timeoutMs: 50 });
    await assert.rejects(client.ready(), (error: Error) => {
      assert.equal(error.message, 'Alertmanager at http://127.0.0.1:9093 did not answer GET /api/v2/status within 50 ms');
      return true;
    });
  });

  it('refuses a URL that is not http(s) without repeating it', () => {
    assert.throws(
      () => new AlertmanagerClient({ url: 'ftp://ops:hunter2@alerts.example' }),
      (error: Error) => /not an http\(s\) URL/.test(error.message) && !error.message.includes('hunter2'),
    );
  });
});
