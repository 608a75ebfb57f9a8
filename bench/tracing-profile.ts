/**
 * Trellis alone, in-process (no HTTP sockets, no bench client): the tracing bench's OTLP requests
 * through app.inject, with the server's CPU time per request (process.cpuUsage), which the load
 * other work puts on a shared machine changes far less than wall time. For before/after
 * comparisons of one change; bench/tracing.ts is the side-by-side measurement.
 *
 *   node --import tsx bench/tracing-profile.ts [traces=1000] [home]   (a home kept from an earlier run skips ingest)
 */
import { mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LocalArtifactStore } from '../src/artifacts/local/local-artifact-store.js';
import { buildServer } from '../src/api/server.js';
import { loadConfig } from '../src/config/config.js';
import { Store } from '../src/store/store.js';
import { ensureOwner } from '../src/services/identity/owner-bootstrap.js';
import { ensureDefaultWorkspace } from '../src/services/workspace-service.js';
import { buildCorpus } from './tracing.js';

const traces = Number(process.argv[2] ?? 1000);
const givenHome = process.argv[3];
const home = givenHome ?? (await mkdtemp(join(tmpdir(), 'trellis-tracing-profile-')));
const isFresh = !existsSync(join(home, 'trellis.db')) && !existsSync(join(home, 'db'));
const store = Store.open({ home });
const context = {
  store,
  artifactsFor: () => new LocalArtifactStore(join(home, 'artifacts')),
  clock: () => new Date(),
  logger: pino({ level: 'silent' }),
};
await store.migrate();
await ensureOwner(context, 'bench');
await ensureDefaultWorkspace(context, { actor: 'user:bench', requestId: null });
const app = await buildServer(context, loadConfig({ TRELLIS_HOME: home }), {});
await app.ready();
const corpus = buildCorpus({
  traces,
  spansPerTrace: 50,
  clients: 8,
  queries: 0,
  queryBudgetSeconds: 0,
  queryTimeoutSeconds: 0,
  profileFolder: undefined,
  roundTraces: 500,
  servers: ['trellis'],
  log: console.log,
});
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

let experimentId = '1';
const byName = await app.inject({ method: 'GET', url: '/api/2.0/mlflow/experiments/get-by-name?experiment_name=bench-tracing' });
if (byName.statusCode === 200) experimentId = JSON.parse(byName.body).experiment.experiment_id;
else {
  const answer = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/create', payload: { name: 'bench-tracing' } });
  experimentId = JSON.parse(answer.body).experiment_id;
  if (!experimentId) throw new Error(`experiments/create ${answer.statusCode}: ${answer.body}`);
}
console.log(`home ${home}, experiment ${experimentId}, fresh ${isFresh}`);

if (byName.statusCode !== 200) {
  const cpu0 = cpuMs();
  const wall0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let index = next++; index < corpus.payloads.length; index = next++) {
        const answer = await app.inject({
          method: 'POST',
          url: '/v1/traces',
          headers: { 'content-type': 'application/x-protobuf', 'x-mlflow-experiment-id': experimentId },
          payload: corpus.payloads[index]!,
        });
        if (answer.statusCode !== 200) throw new Error(`ingest ${answer.statusCode}: ${answer.body.slice(0, 300)}`);
      }
    }),
  );
  const cpu = cpuMs() - cpu0;
  console.log(
    `ingest ${traces} traces: ${(cpu / traces).toFixed(2)} ms CPU a trace, wall ${((performance.now() - wall0) / 1000).toFixed(1)} s`,
  );
}

const search = (body: Record<string, unknown>) => ({
  method: 'POST' as const,
  url: '/api/3.0/mlflow/traces/search',
  payload: { locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }], ...body },
});
const queries: [string, () => ReturnType<typeof search> | { method: 'GET'; url: string }][] = [
  ['newest 100', () => search({ order_by: ['timestamp_ms DESC'], max_results: 100 })],
  ['errors', () => search({ filter: "trace.status = 'ERROR'", order_by: ['timestamp_ms DESC'], max_results: 100 })],
  ['tag', () => search({ filter: "tags.customer = 'acme-3'", order_by: ['timestamp_ms DESC'], max_results: 100 })],
  ['span type', () => search({ filter: "span.type = 'RETRIEVER'", order_by: ['timestamp_ms DESC'], max_results: 100 })],
  [
    'recent, slowest',
    () => search({ filter: `timestamp_ms > ${corpus.middleTimeMs}`, order_by: ['execution_time_ms DESC'], max_results: 100 }),
  ],
  ['rare span name', () => search({ filter: "span.name = 'tool_escalate_to_human'", order_by: ['timestamp_ms DESC'], max_results: 100 })],
  ['GetTrace', () => ({ method: 'GET', url: `/api/3.0/mlflow/traces/get?trace_id=${corpus.sampleTraceId}` })],
];
const runs = Number(process.env.RUNS ?? 20);
// CPU per request: the least over 5 batches, since other work on a shared machine only adds to it.
for (const [name, request] of queries) {
  let bytes = 0;
  for (let i = 0; i < 2; i++) await app.inject(request());
  const timings: number[] = [];
  let leastCpu = Number.POSITIVE_INFINITY;
  for (let batch = 0; batch < 5; batch++) {
    const cpu0 = cpuMs();
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const answer = await app.inject(request());
      if (answer.statusCode !== 200) throw new Error(`${name} ${answer.statusCode}: ${answer.body.slice(0, 300)}`);
      bytes = answer.body.length;
      timings.push(performance.now() - started);
    }
    leastCpu = Math.min(leastCpu, (cpuMs() - cpu0) / runs);
  }
  timings.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(16)} CPU ${leastCpu.toFixed(2)} ms/request, wall p50 ${timings[Math.floor(timings.length / 2)]!.toFixed(2)} ms, ${(bytes / 1024).toFixed(0)} KiB`,
  );
}
// The walk: every page of 100 by token.
{
  const cpu0 = cpuMs();
  const started = performance.now();
  let token: string | undefined;
  let pages = 0;
  do {
    const answer = await app.inject(search({ order_by: ['timestamp_ms DESC'], max_results: 100, ...(token ? { page_token: token } : {}) }));
    token = JSON.parse(answer.body).next_page_token;
    pages++;
  } while (token);
  console.log(`walk ${pages} pages: CPU ${(cpuMs() - cpu0).toFixed(0)} ms, wall ${(performance.now() - started).toFixed(0)} ms`);
}
await app.close();
await store.close();
