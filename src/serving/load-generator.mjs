#!/usr/bin/env node
// A steady scoring load, run by the endpoint tests as a process of its own (plain node, no tsx), so
// that the server under test and the client measuring it never share an event loop.
//
//   node test/support/load-generator.mjs --url URL --key KEY --body JSON --rate 600 --connections 64 --out FILE
//
// Request n is due at start + n/rate; `connections` workers over one keep-alive agent take the
// next due request each, so the load is paced at `rate` while the server keeps up and is as fast
// as it can be when it does not (the achieved rate then says so). It runs until its stdin closes
// (the test ends it, or the test died) or --max-seconds pass, lets the calls in flight finish,
// writes every response to --out as [sentAtMs, answeredAtMs, status, deploymentIndex, modelIndex]
// rows (epoch milliseconds, so the test can line them up with its own clock; the indexes point into
// the deployments and models named by azureml-model-deployment and x-trellis-model), and prints a
// one-line summary. While it runs it prints `answered N` every 50 ms, so a test can wait for a
// number of answers instead of a time.
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    key: { type: 'string' },
    body: { type: 'string', default: '{}' },
    // A request file can be larger than one command-line argument may be (128 KiB on Linux).
    'body-file': { type: 'string' },
    'content-type': { type: 'string', default: 'application/json' },
    // Sends every request to this deployment (azureml-model-deployment), whatever the traffic split.
    deployment: { type: 'string' },
    rate: { type: 'string', default: '600' },
    connections: { type: 'string', default: '64' },
    out: { type: 'string' },
    'max-seconds': { type: 'string', default: '120' },
  },
});
if (!options.url || !options.out) {
  process.stderr.write(
    'usage: load-generator.mjs --url URL [--key KEY] [--body JSON | --body-file FILE] [--content-type TYPE] [--deployment NAME] [--rate N] [--connections N] --out FILE [--max-seconds N]\n',
  );
  process.exit(2);
}

const target = new URL(options.url);
const rate = Number(options.rate);
const connections = Number(options.connections);
const body = options['body-file'] ? readFileSync(options['body-file']) : Buffer.from(options.body);
const headers = {
  'content-type': options['content-type'],
  'content-length': String(body.length),
  ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
  ...(options.deployment ? { 'azureml-model-deployment': options.deployment } : {}),
};
const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });

/** Deployment names (azureml-model-deployment) and model versions (x-trellis-model) seen, by index (rows carry the index; -1: none). */
const deployments = [];
const models = [];
const rows = [];
/** The first few answers that were not 200, with their bodies, to explain a failure. */
const failures = [];
let next = 0;
let isStopping = false;
const startedAt = Date.now();

function indexIn(seen, name) {
  if (typeof name !== 'string') return -1;
  let index = seen.indexOf(name);
  if (index < 0) index = seen.push(name) - 1;
  return index;
}

function send() {
  return new Promise((resolve) => {
    const sentAt = Date.now();
    const request = http.request(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: 'POST', agent, headers },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          rows.push([
            sentAt,
            Date.now(),
            status,
            indexIn(deployments, response.headers['azureml-model-deployment']),
            indexIn(models, response.headers['x-trellis-model']),
          ]);
          if (status !== 200 && failures.length < 20)
            failures.push({ at: sentAt, status, body: Buffer.concat(chunks).toString('utf8').slice(0, 500) });
          resolve();
        });
        response.on('error', (error) => fail(sentAt, error, resolve));
      },
    );
    request.on('error', (error) => fail(sentAt, error, resolve));
    request.end(body);
  });
}

// A connection error counts as a failed request (status 0): the test allows none.
function fail(sentAt, error, resolve) {
  rows.push([sentAt, Date.now(), 0, -1, -1]);
  if (failures.length < 20) failures.push({ at: sentAt, status: 0, body: String(error?.message ?? error) });
  resolve();
}

async function worker() {
  while (!isStopping) {
    const dueAt = startedAt + (next++ * 1000) / rate;
    const wait = dueAt - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (isStopping) return;
    await send();
  }
}

const stop = () => (isStopping = true);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
const limit = setTimeout(stop, Number(options['max-seconds']) * 1000);

process.stdout.write(`load: ${connections} connections at ${rate} requests/s to ${target.href}\n`);
let reported = -1;
const progress = setInterval(() => {
  if (rows.length === reported) return;
  reported = rows.length;
  process.stdout.write(`answered ${reported}\n`);
}, 50);
await Promise.all(Array.from({ length: connections }, worker));
clearTimeout(limit);
clearInterval(progress);
const stoppedAt = Date.now();
agent.destroy();

const durationMs = Math.max(1, Math.max(...rows.map((row) => row[1]), stoppedAt) - startedAt);
const statuses = {};
for (const row of rows) statuses[row[2]] = (statuses[row[2]] ?? 0) + 1;
const latencies = rows.map((row) => row[1] - row[0]).sort((a, b) => a - b);
const percentile = (p) => latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? 0;
const summary = {
  requests: rows.length,
  durationMs,
  ratePerSecond: Math.round((rows.length * 1000) / durationMs),
  targetRate: rate,
  connections,
  statuses,
  latencyMs: { p50: percentile(50), p99: percentile(99), max: latencies.at(-1) ?? 0 },
  deployments,
  models,
  failures,
};
writeFileSync(options.out, JSON.stringify({ ...summary, startedAt, rows }));
process.stdout.write(`${JSON.stringify({ ...summary, failures: failures.length })}\n`);
// A caller that keeps stdin open (one that stops it by --max-seconds) must not keep it running.
process.stdin.destroy();
