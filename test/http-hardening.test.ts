import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { browserUnavailable, launchBrowser } from './support/browser.js';
import { mlflowPost } from './support/mlflow-rest.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * The HTTP surface tried as an attacker's page would use it, over real HTTP against `trellis up`
 * on loopback, where a request without credentials acts as the local owner: a forged Host (DNS
 * rebinding), cross-site writes a browser sends without asking (forms, text/plain fetches, a
 * foreign Origin), and the headers that keep the studio out of frames and its pages to their own
 * scripts. Every refused write is checked to have created nothing.
 */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: { code?: string; detail?: string; error_code?: string; message?: string; name?: string };
}

/** One request exactly as given (fetch would not send a Host header of our choosing). */
function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(new URL(path, base), { method, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => {
        let json: Answer['json'] = {};
        try {
          json = JSON.parse(text) as Answer['json'];
        } catch {
          // Not JSON (a studio page): the test reads the text instead.
        }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const jobBody = JSON.stringify({
  fileName: 'job.yml',
  text: 'command: sleep 30\nenvironment:\n  image: library/python:latest\n',
  uploads: {},
  inlined: {},
});
const jobsPath = '/api/v1/workspaces/default/jobs';
const guardCodes = ['HostNotAllowed', 'CrossOriginRefused', 'SimpleContentTypeRefused'];

describe('the HTTP surface against browsers and DNS rebinding', () => {
  let trellis: TrellisProcess;
  let port: string;
  const jobCount = async () => (await trellis.client.listJobs('default', { limit: 1000 })).items.length;

  before(async () => {
    trellis = await startTrellis();
    port = new URL(trellis.url).port;
  });

  after(async () => {
    await trellis.stop();
    await removeHome(trellis.home);
  });

  it('refuses a Host it does not serve (a rebinding page) on reads and writes, and creates nothing', async () => {
    const before = await jobCount();
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.attacker.example:${port}`, `localhost.evil.example:${port}`]) {
      const read = await send(trellis.url, 'GET', jobsPath, { host });
      assert.equal(read.status, 403, `${host}: ${read.text}`);
      assert.equal(read.json.code, 'HostNotAllowed');
      assert.match(read.json.detail ?? '', /allowed_hosts.*TRELLIS_ALLOWED_HOSTS/);
      assert.doesNotMatch(read.text, /"items"/, 'no data leaks with the refusal');
      const write = await send(trellis.url, 'POST', jobsPath, { host, 'content-type': 'application/json' }, jobBody);
      assert.equal(write.status, 403, `${host}: ${write.text}`);
      assert.equal(write.json.code, 'HostNotAllowed');
    }
    // The MLflow API answers in MLflow's error shape, which its clients read.
    const mlflow = await send(
      trellis.url,
      'POST',
      '/api/2.0/mlflow/experiments/create',
      { host: 'evil.example', 'content-type': 'application/json' },
      '{"name":"rebound"}',
    );
    assert.equal(mlflow.status, 403);
    assert.equal(mlflow.json.error_code, 'PERMISSION_DENIED');
    assert.match(mlflow.json.message ?? '', /^HostNotAllowed: .*allowed_hosts/);
    assert.equal(await jobCount(), before);
    const experiments = await mlflowPost<{ experiments?: Array<{ name: string }> }>(trellis.url, 'experiments/search', {
      max_results: 100,
    });
    assert.ok(!(experiments.experiments ?? []).some((experiment) => experiment.name === 'rebound'));
  });

  it('answers the loopback names it is reached by', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `127.0.0.2:${port}`, `[::1]:${port}`]) {
      const answer = await send(trellis.url, 'GET', '/healthz', { host });
      assert.equal(answer.status, 200, `${host}: ${answer.text}`);
    }
  });

  it('refuses a text/plain or form POST of a job without Authorization (a form or no-cors fetch) with 415, and queues nothing', async () => {
    const before = await jobCount();
    for (const contentType of ['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const refused = await send(trellis.url, 'POST', jobsPath, { 'content-type': contentType }, jobBody);
      assert.equal(refused.status, 415, `${contentType}: ${refused.text}`);
      assert.equal(refused.json.code, 'SimpleContentTypeRefused');
      assert.match(refused.json.detail ?? '', /application\/json.*X-Requested-By/);
    }
    assert.equal(await jobCount(), before);
  });

  it('refuses a write from a foreign Origin or a cross-site fetch with 403, and queues nothing', async () => {
    const before = await jobCount();
    const json = { 'content-type': 'application/json' };
    for (const headers of [
      { ...json, origin: 'http://evil.example' },
      { ...json, origin: `http://127.0.0.1:${Number(port) + 1}` },
      { ...json, origin: 'null' },
      { ...json, 'sec-fetch-site': 'cross-site' },
    ]) {
      const refused = await send(trellis.url, 'POST', jobsPath, headers, jobBody);
      assert.equal(refused.status, 403, `${JSON.stringify(headers)}: ${refused.text}`);
      assert.equal(refused.json.code, 'CrossOriginRefused');
    }
    const deleted = await send(trellis.url, 'DELETE', '/api/v1/workspaces/default', { origin: 'http://evil.example' });
    assert.equal(deleted.json.code, 'CrossOriginRefused');
    assert.equal(await jobCount(), before);
  });

  it('takes the same JSON POST from loopback, from its own origin, and a bodyless POST (no content type)', async () => {
    const before = await jobCount();
    const plain = await send(trellis.url, 'POST', jobsPath, { 'content-type': 'application/json' }, jobBody);
    assert.ok(plain.status < 300, plain.text);
    const own = await send(
      trellis.url,
      'POST',
      jobsPath,
      { 'content-type': 'application/json', origin: trellis.url, 'sec-fetch-site': 'same-origin' },
      jobBody,
    );
    assert.ok(own.status < 300, own.text);
    // The CLI's client marks its requests, so a form-typed body from it passes too.
    const marked = await send(trellis.url, 'POST', jobsPath, { 'content-type': 'text/plain', 'x-requested-by': 'a-script' }, jobBody);
    assert.notEqual(marked.status, 415, marked.text);
    assert.equal(await jobCount(), before + 2);
    for (const name of [plain.json.name, own.json.name]) {
      // Bodyless, so no content type: what the guards must let through (the job may have ended already: 409 is fine).
      const cancelled = await send(trellis.url, 'POST', `${jobsPath}/${name}/cancel`);
      assert.ok((!guardCodes.includes(cancelled.json.code ?? '') && cancelled.status < 400) || cancelled.status === 409, cancelled.text);
    }
  });

  it('lets a scoring call with an Authorization header through, whatever its content type', async () => {
    for (const path of [
      '/endpoints/no-such-endpoint/score',
      '/v2/models/no-such-model/infer',
      '/workspaces/default/endpoints/no-such-endpoint/score',
    ]) {
      for (const contentType of ['text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) {
        const answer = await send(trellis.url, 'POST', path, { authorization: 'Bearer some-key', 'content-type': contentType }, 'a=1');
        assert.ok(!guardCodes.includes(answer.json.code ?? ''), `${path} ${contentType}: ${answer.text}`);
        assert.notEqual(answer.status, 415, `${path} ${contentType}: ${answer.text}`);
      }
    }
  });

  it('serves the studio with a CSP that runs only its own scripts and forbids framing, and API answers with nosniff and a data-only CSP', async () => {
    const studio = await send(trellis.url, 'GET', '/studio/');
    assert.equal(studio.status, 200);
    const policy = String(studio.headers['content-security-policy']);
    for (const directive of ["frame-ancestors 'none'", "default-src 'self'", "script-src 'self'", "object-src 'none'"])
      assert.ok(policy.includes(directive), `${directive} in ${policy}`);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|upgrade-insecure-requests/);
    assert.equal(studio.headers['x-frame-options'], 'DENY');
    assert.equal(studio.headers['x-content-type-options'], 'nosniff');
    assert.equal(studio.headers['referrer-policy'], 'no-referrer');
    assert.equal(studio.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
    const deepPage = await send(trellis.url, 'GET', '/studio/w/default/experiments');
    assert.match(String(deepPage.headers['content-security-policy']), /script-src 'self'/);

    const api = await send(trellis.url, 'GET', jobsPath);
    assert.equal(api.status, 200);
    assert.equal(api.headers['x-content-type-options'], 'nosniff');
    assert.equal(api.headers['x-frame-options'], 'DENY');
    assert.match(String(api.headers['content-security-policy']), /default-src 'none'.*frame-ancestors 'none'/);
    assert.equal(api.headers['cross-origin-embedder-policy'], undefined);
    // A refusal carries them too.
    const refused = await send(trellis.url, 'GET', jobsPath, { host: 'evil.example' });
    assert.equal(refused.headers['x-content-type-options'], 'nosniff');
  });

  describe('in chromium', { skip: browserUnavailable }, () => {
    let browser: Browser;
    after(async () => browser?.close());

    it('the studio draws an experiment and a run chart with no Content-Security-Policy violation', async () => {
      const { experiment_id: experimentId } = await mlflowPost<{ experiment_id: string }>(trellis.url, 'experiments/create', {
        name: 'csp',
      });
      const { run } = await mlflowPost<{ run: { info: { run_id: string } } }>(trellis.url, 'runs/create', { experiment_id: experimentId });
      const metrics = Array.from({ length: 50 }, (_, step) => ({
        key: 'loss',
        value: 1 / (step + 1),
        timestamp: 1_700_000_000_000 + step,
        step,
      }));
      await mlflowPost(trellis.url, 'runs/log-batch', { run_id: run.info.run_id, metrics });
      browser = await launchBrowser();
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
      });
      page.on('pageerror', (error) => violations.push(`page error: ${error.message}`));
      // The experiment page searches runs with a POST (same-origin, JSON): the write guards let the studio through.
      await page.goto(`${trellis.url}/studio/w/default/experiments/${experimentId}`);
      await page.getByRole('table', { name: 'Runs' }).locator('tbody tr').first().waitFor();
      await page.goto(`${trellis.url}/studio/w/default/runs/${run.info.run_id}`);
      await page.locator('figure.metric-panel canvas').first().waitFor();
      // The job list (with the jobs the tests above queued) and the other lists, as drawn once their data is in.
      for (const list of ['jobs', 'computes', 'models', 'endpoints']) {
        await page.goto(`${trellis.url}/studio/w/default/${list}`);
        await page.waitForLoadState('networkidle');
      }
      assert.deepEqual(violations, []);
    });
  });
});
