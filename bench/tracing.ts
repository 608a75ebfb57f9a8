/**
 * MLflow 3 tracing, Trellis against `mlflow server` (issue 19), both started side by side in one
 * run by bench/mlflow-tracking.ts's targets (SQLite, each with its defaults), and driven in turn —
 * one at a time, the other idle, the first changing round by round — so that the load other work puts
 * on the machine, which changes by the minute, falls on both alike:
 *   (1) ingest: the same pre-built OTLP/HTTP protobuf requests, one trace of N spans each, shaped
 *       like an MLflow agent trace, POSTed to /v1/traces from C concurrent clients, in rounds of R
 *       traces that each server takes in turn — traces/s, spans/s; then each server must hold every
 *       trace (a search count) and a trace's every span (GetTrace);
 *   (2) search: a fixed set of SearchTracesV3 queries, each K times (p50, p99) on each server, the
 *       servers alternating run by run, with the number of matches each server finds (every page
 *       walked once), a walk through every page, and GetTrace.
 */
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import protobuf from 'protobufjs';
import { call, startMlflowTarget, startTrellisTarget, type Target } from './mlflow-tracking.js';
// @ts-expect-error: plain JavaScript helper shared with the test runner
import { ensurePythonEnv } from '../scripts/python-env.mjs';

export interface TracingBenchOptions {
  traces: number;
  spansPerTrace: number;
  clients: number;
  /** Timed repetitions of each search query. */
  queries: number;
  /** Seconds of timed runs after which a query stops repeating (after at least one run). */
  queryBudgetSeconds: number;
  /** Seconds a search request may take before the client gives up on that query (reported as such). */
  queryTimeoutSeconds: number;
  /** A folder for Trellis's CPU profile (written when the server stops), or undefined. */
  profileFolder: string | undefined;
  /** Traces each server takes in turn during ingest (see ingestInTurn). */
  roundTraces: number;
  /** Which servers to measure: 'trellis', 'mlflow' or both. */
  servers: readonly ('trellis' | 'mlflow')[];
  log: (line: string) => void;
}

export interface QueryFigures {
  name: string;
  description: string;
  /** Traces matching, counted by walking every page of 500; undefined where a request timed out. */
  matched: number | undefined;
  /** Set where a request of this query got no answer within the timeout: the timings are then empty. */
  timedOut?: boolean;
  /** Timed runs (fewer than asked where the budget ran out). */
  runs: number;
  p50: number;
  p99: number;
}

export interface TracingFigures {
  server: string;
  ingest: {
    traces: number;
    spans: number;
    bytes: number;
    seconds: number;
    tracesPerSecond: number;
    spansPerSecond: number;
    /** Requests sent again after a retryable answer (503 and the like), as an OTLP exporter does. */
    retries: number;
  };
  /** What the server held after ingest: traces found by search, spans of one trace by GetTrace. */
  stored: { traces: number; spansOfOne: number };
  queries: QueryFigures[];
}

/** The pre-built requests and what the queries need to know about them. */
interface Corpus {
  payloads: Buffer[];
  spans: number;
  bytes: number;
  /** A span name present in about 1% of the traces. */
  rareSpanName: string;
  /** The request time (ms) of the middle trace: timestamp_ms > it matches about half. */
  middleTimeMs: number;
  /** The MLflow trace id of trace 0 (a full trace, for GetTrace). */
  sampleTraceId: string;
}

const requestTypeName = 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest';
const protoFolder = fileURLToPath(new URL('../proto/opentelemetry/', import.meta.url));
const tools = ['web_search', 'calculator', 'sql_query', 'send_email', 'calendar_lookup', 'weather'];
const words =
  'the agent reads the question plans a few steps calls a tool checks the answer against the retrieved documents and writes a short reply with sources'.split(
    ' ',
  );

/** The OTLP request type, from the same vendored .proto files the server decodes with. */
function requestType(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('/') ? target : `${protoFolder}${target}`);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
  root.resolveAll();
  return root.lookupType(requestTypeName);
}

/** Deterministic text of about `length` characters. */
function textOf(seed: number, length: number): string {
  let text = '';
  for (let i = 0; text.length < length; i++) text += `${words[(seed * 7 + i * 13) % words.length]} `;
  return text.slice(0, length);
}

const hex = (value: number, bytes: number) =>
  value
    .toString(16)
    .padStart(bytes * 2, '0')
    .slice(-bytes * 2);
const stringAttribute = (key: string, value: string) => ({ key, value: { stringValue: value } });
/** MLflow's client JSON-encodes every mlflow.* attribute value. */
const jsonAttribute = (key: string, value: unknown) => stringAttribute(key, JSON.stringify(value));

/**
 * Trace `index`: a root CHAIN span, then steps of four under it (a CHAIN step with an LLM call, a
 * TOOL call and a second LLM call, or a RETRIEVER in one trace in ten); one trace in twenty fails at
 * the root, one in a hundred calls a rare tool; the root carries two trace tags.
 */
function traceRequest(index: number, spanCount: number, startNs: bigint): { message: Record<string, unknown>; otelTraceId: string } {
  const otelTraceId = hex(index + 1, 8) + hex(index * 2654435761, 8);
  const requestId = JSON.stringify(`tr-${otelTraceId}`);
  const isError = index % 20 === 0;
  const spans: Record<string, unknown>[] = [];
  const stepNs = 2_000_000n; // 2 ms a span
  const endOfTrace = startNs + BigInt(spanCount + 1) * stepNs + BigInt(index % 97) * 1_000_000n;
  let stepSpanId = '';
  for (let j = 0; j < spanCount; j++) {
    const spanId = hex(index * 64 + j + 1, 4) + hex(j + 1, 4);
    const role = j === 0 ? 'root' : j % 4 === 1 ? 'step' : j % 4 === 2 ? 'llm' : j % 4 === 3 ? 'tool' : 'llm2';
    const parentSpanId = j === 0 ? '' : role === 'step' ? spans[0]!.spanId : stepSpanId;
    if (role === 'step') stepSpanId = spanId;
    let name: string;
    let spanType: string;
    if (role === 'root') [name, spanType] = ['agent_run', 'CHAIN'];
    else if (role === 'step') [name, spanType] = [`step_${Math.ceil(j / 4)}`, 'CHAIN'];
    else if (role === 'tool') {
      const rare = index % 100 === 7 && j === 3;
      [name, spanType] = [rare ? 'tool_escalate_to_human' : `tool_${tools[(index + j) % tools.length]}`, 'TOOL'];
    } else if (role === 'llm2' && index % 10 === 3 && j === 4) [name, spanType] = ['vector_search', 'RETRIEVER'];
    else [name, spanType] = ['ChatOpenAI', 'LLM'];
    const question = textOf(index + j, 700);
    const inputs =
      spanType === 'LLM' || j === 0
        ? { messages: [{ role: 'user', content: question }], model: 'gpt-4o-mini', temperature: 0.2 }
        : { query: question, top_k: 5 };
    const outputs =
      spanType === 'LLM' || j === 0
        ? { choices: [{ index: 0, message: { role: 'assistant', content: textOf(index * 3 + j, 700) } }] }
        : { result: textOf(index * 5 + j, 700), documents: spanType === 'RETRIEVER' ? [{ id: `doc-${index}`, score: 0.9 }] : [] };
    const attributes: { key: string; value: Record<string, unknown> }[] = [
      jsonAttribute('mlflow.traceRequestId', JSON.parse(requestId)),
      // Plain on the wire: MLflow's server fills its spans.type column from the value json.dumps'd and
      // decoded once, so a JSON-encoded '"TOOL"' would be stored (and matched by span.type) with its quotes.
      stringAttribute('mlflow.spanType', spanType),
      jsonAttribute('mlflow.spanFunctionName', name),
      jsonAttribute('mlflow.spanInputs', inputs),
      jsonAttribute('mlflow.spanOutputs', outputs),
    ];
    if (spanType === 'LLM') {
      attributes.push(jsonAttribute('mlflow.chat.tokenUsage', { input_tokens: 180 + j, output_tokens: 90, total_tokens: 270 + j }));
      attributes.push({ key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } });
      attributes.push({ key: 'gen_ai.request.temperature', value: { doubleValue: 0.2 } });
    }
    if (j === 0) {
      attributes.push(stringAttribute('mlflow.traceTag.customer', `acme-${index % 10}`));
      attributes.push(stringAttribute('mlflow.traceTag.release', index % 2 ? 'blue' : 'green'));
    }
    const failed = isError && (j === 0 || j === 3);
    const events: Record<string, unknown>[] = [];
    if (spanType === 'TOOL')
      events.push({
        timeUnixNano: String(startNs + BigInt(j) * stepNs + 500_000n),
        name: 'tool_call',
        attributes: [stringAttribute('tool', name)],
      });
    if (failed)
      events.push({
        timeUnixNano: String(startNs + BigInt(j) * stepNs + 900_000n),
        name: 'exception',
        attributes: [
          stringAttribute('exception.type', 'TimeoutError'),
          stringAttribute('exception.message', `${name} timed out after 30 s`),
          stringAttribute('exception.stacktrace', `Traceback (most recent call last):\n  File "agent.py", line ${40 + j}\nTimeoutError`),
        ],
      });
    spans.push({
      traceId: otelTraceId,
      spanId,
      parentSpanId,
      name,
      kind: 1,
      startTimeUnixNano: String(startNs + BigInt(j) * stepNs),
      endTimeUnixNano: String(j === 0 ? endOfTrace : startNs + BigInt(j + 1) * stepNs),
      attributes,
      events,
      status: failed ? { code: 2, message: `${name} timed out` } : { code: 1 },
    });
  }
  const bytesOf = (text: string) => Buffer.from(text, 'hex');
  return {
    otelTraceId,
    message: {
      resourceSpans: [
        {
          resource: { attributes: [stringAttribute('service.name', 'support-agent')] },
          scopeSpans: [
            {
              scope: { name: 'mlflow.tracing', version: '3.17.2' },
              spans: spans.map((span) => ({
                ...span,
                traceId: bytesOf(String(span.traceId)),
                spanId: bytesOf(String(span.spanId)),
                parentSpanId: bytesOf(String(span.parentSpanId)),
              })),
            },
          ],
        },
      ],
    },
  };
}

/** Every request, encoded once, sent byte for byte alike to both servers. Traces start 10 ms apart. */
export function buildCorpus(options: TracingBenchOptions): Corpus {
  const type = requestType();
  const firstNs = BigInt(Date.now() - options.traces * 10 - 60_000) * 1_000_000n;
  const payloads: Buffer[] = [];
  let bytes = 0;
  let sampleTraceId = '';
  for (let i = 0; i < options.traces; i++) {
    const { message, otelTraceId } = traceRequest(i, options.spansPerTrace, firstNs + BigInt(i) * 10_000_000n);
    if (i === 0) sampleTraceId = `tr-${otelTraceId}`;
    const payload = Buffer.from(type.encode(type.fromObject(message)).finish());
    bytes += payload.length;
    payloads.push(payload);
  }
  return {
    payloads,
    spans: options.traces * options.spansPerTrace,
    bytes,
    rareSpanName: 'tool_escalate_to_human',
    middleTimeMs: Number(firstNs / 1_000_000n) + Math.floor(options.traces / 2) * 10,
    sampleTraceId,
  };
}

/** Sends of one request before the bench gives up on a server that keeps answering 503. */
const maxAttempts = 8;

/** Sends payloads [first, end) from `clients` concurrent clients; the seconds it took and the resends. */
async function sendRange(
  target: Target,
  experimentId: string,
  corpus: Corpus,
  range: { first: number; end: number },
  options: TracingBenchOptions,
): Promise<{ seconds: number; retries: number }> {
  let next = range.first;
  let retries = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      for (let index = next++; index < range.end; index = next++) {
        // As an OTLP exporter does (the OTLP/HTTP spec): 429, 502, 503 and 504 are sent again after a growing wait.
        for (let attempt = 1; ; attempt++) {
          const response = await fetch(`${target.url}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf', 'x-mlflow-experiment-id': experimentId },
            body: corpus.payloads[index]!,
          });
          const text = await response.text();
          if (response.ok) break;
          if (![429, 502, 503, 504].includes(response.status) || attempt === maxAttempts)
            throw new Error(`${target.name} /v1/traces answered ${response.status} (attempt ${attempt}): ${text.slice(0, 300)}`);
          retries++;
          await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** (attempt - 1))));
        }
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, retries };
}

/** A server under test and the experiment its traces go to. */
interface Subject {
  target: Target;
  experimentId: string;
}

/** The servers in turn, the first one changing every round, so neither is always measured first. */
const inTurn = <T>(items: readonly T[], round: number): T[] => (round % 2 === 0 ? [...items] : [...items].reverse());

/**
 * Every trace sent to every server, in rounds of `roundTraces`: each server takes the round's traces in
 * turn, so the machine's load, which other work on it changes by the minute, falls on all alike. A
 * server's time is the sum of its rounds.
 */
export async function ingestInTurn(
  subjects: readonly Subject[],
  corpus: Corpus,
  options: TracingBenchOptions,
): Promise<Map<Subject, TracingFigures['ingest']>> {
  const totals = new Map(subjects.map((subject) => [subject, { seconds: 0, retries: 0 }]));
  for (let first = 0, round = 0; first < corpus.payloads.length; first += options.roundTraces, round++) {
    const range = { first, end: Math.min(corpus.payloads.length, first + options.roundTraces) };
    for (const subject of inTurn(subjects, round)) {
      const sent = await sendRange(subject.target, subject.experimentId, corpus, range, options);
      const total = totals.get(subject)!;
      total.seconds += sent.seconds;
      total.retries += sent.retries;
    }
    if (Math.floor(range.end / 1000) > Math.floor(first / 1000))
      options.log(
        `  ${range.end.toLocaleString('en')} traces sent to each: ${subjects.map((subject) => `${subject.target.name} ${totals.get(subject)!.seconds.toFixed(1)} s`).join(', ')}`,
      );
  }
  return new Map(
    subjects.map((subject) => {
      const { seconds, retries } = totals.get(subject)!;
      if (retries > 0) options.log(`  ${subject.target.name}: ${retries} requests sent again after a retryable answer`);
      return [
        subject,
        {
          traces: corpus.payloads.length,
          spans: corpus.spans,
          bytes: corpus.bytes,
          seconds,
          tracesPerSecond: corpus.payloads.length / seconds,
          spansPerSecond: corpus.spans / seconds,
          retries,
        },
      ];
    }),
  );
}

interface SearchBody {
  filter?: string;
  order_by?: string[];
  max_results: number;
  page_token?: string;
}
interface SearchAnswer {
  traces?: Array<{ trace_id: string }>;
  next_page_token?: string;
}

async function searchPage(target: Target, experimentId: string, body: SearchBody, timeoutMs: number): Promise<SearchAnswer> {
  const response = await fetch(`${target.url}/api/3.0/mlflow/traces/search`, {
    signal: AbortSignal.timeout(timeoutMs),
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ locations: [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } }], ...body }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${target.name} traces/search answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as SearchAnswer;
}

/** Walks every page; the number of traces and of pages. */
async function walk(target: Target, experimentId: string, body: SearchBody, timeoutMs: number): Promise<{ traces: number; pages: number }> {
  let traces = 0;
  let pages = 0;
  let token: string | undefined;
  const seen = new Set<string>();
  do {
    const answer = await searchPage(target, experimentId, { ...body, ...(token ? { page_token: token } : {}) }, timeoutMs);
    for (const trace of answer.traces ?? []) seen.add(trace.trace_id);
    traces += answer.traces?.length ?? 0;
    pages++;
    token = answer.next_page_token;
  } while (token);
  if (seen.size !== traces) throw new Error(`${target.name} returned ${traces - seen.size} traces twice across pages`);
  return { traces, pages };
}

interface GetTraceAnswer {
  trace: { spans?: unknown[] };
}

async function getTrace(target: Target, traceId: string): Promise<GetTraceAnswer> {
  const response = await fetch(`${target.url}/api/3.0/mlflow/traces/get?trace_id=${traceId}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`${target.name} traces/get answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as GetTraceAnswer;
}

interface Query {
  name: string;
  description: string;
  /** One timed run: what it costs a client, one request or a walk. */
  run(target: Target, experimentId: string): Promise<unknown>;
  /** The number of matching traces (or spans, for GetTrace), checked alike on both servers. */
  count(target: Target, experimentId: string): Promise<number>;
}

function queriesOf(corpus: Corpus, timeoutMs: number): Query[] {
  const page = (name: string, description: string, filter: string | undefined, orderBy: string[]): Query => {
    const body = { ...(filter ? { filter } : {}), order_by: orderBy };
    return {
      name,
      description,
      run: (target, experimentId) => searchPage(target, experimentId, { ...body, max_results: 100 }, timeoutMs),
      count: async (target, experimentId) => (await walk(target, experimentId, { ...body, max_results: 500 }, timeoutMs)).traces,
    };
  };
  return [
    page('newest 100', 'no filter, `timestamp_ms DESC`, first page of 100', undefined, ['timestamp_ms DESC']),
    page('errors', "`trace.status = 'ERROR'`, first page of 100", "trace.status = 'ERROR'", ['timestamp_ms DESC']),
    page('tag', "`tags.customer = 'acme-3'`, first page of 100", "tags.customer = 'acme-3'", ['timestamp_ms DESC']),
    page('span type', "`span.type = 'RETRIEVER'` (10% of traces), first page of 100", "span.type = 'RETRIEVER'", ['timestamp_ms DESC']),
    page(
      'recent, slowest first',
      `\`timestamp_ms > ${corpus.middleTimeMs}\`, order \`execution_time_ms DESC\`, first page of 100`,
      `timestamp_ms > ${corpus.middleTimeMs}`,
      ['execution_time_ms DESC'],
    ),
    {
      name: 'page through all',
      description: 'no filter, every page of 100 by page token (one timing = the whole walk)',
      run: (target, experimentId) => walk(target, experimentId, { order_by: ['timestamp_ms DESC'], max_results: 100 }, timeoutMs),
      count: async (target, experimentId) =>
        (await walk(target, experimentId, { order_by: ['timestamp_ms DESC'], max_results: 100 }, timeoutMs)).traces,
    },
    {
      name: 'GetTrace',
      description: `traces/get of one ${corpus.spans / corpus.payloads.length}-span trace (matched = its spans)`,
      run: (target) => getTrace(target, corpus.sampleTraceId),
      count: async (target) => (await getTrace(target, corpus.sampleTraceId)).trace.spans?.length ?? 0,
    },
    // Last: MLflow's server takes minutes over it, and a request the client gives up on keeps one of
    // its workers busy, which would slow every query measured after it.
    page(
      'rare span name',
      `\`span.name = '${corpus.rareSpanName}'\` (1% of traces), first page of 100`,
      `span.name = '${corpus.rareSpanName}'`,
      ['timestamp_ms DESC'],
    ),
  ];
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

const isTimeout = (error: unknown) => error instanceof DOMException && error.name === 'TimeoutError';

/**
 * One query on every server, in turn: two warm-ups each, then up to `queries` timed runs each, the
 * servers alternating run by run (so the machine's load falls on all alike), a server stopping once
 * its timed runs pass the budget; then the matches each finds. A request unanswered within the timeout
 * marks that server timed out for the query, and the others go on.
 */
async function measureQuery(query: Query, subjects: readonly Subject[], options: TracingBenchOptions): Promise<Map<Subject, QueryFigures>> {
  const states = new Map(subjects.map((subject) => [subject, { timings: [] as number[], spent: 0, warmUps: 0, timedOut: false }]));
  const giveUp = (subject: Subject) => {
    states.get(subject)!.timedOut = true;
    options.log(`  ${subject.target.name}: ${query.name}: no answer in ${options.queryTimeoutSeconds} s, given up`);
  };
  for (let round = 0; round < options.queries + 2; round++) {
    for (const subject of inTurn(subjects, round)) {
      const state = states.get(subject)!;
      if (state.timedOut || state.timings.length >= options.queries || state.spent > options.queryBudgetSeconds * 1000) continue;
      const started = performance.now();
      try {
        await query.run(subject.target, subject.experimentId);
      } catch (error) {
        if (!isTimeout(error)) throw error;
        giveUp(subject);
        continue;
      }
      const elapsed = performance.now() - started;
      if (state.warmUps < 2) {
        // Two warm-ups (caches); one is enough for a query that takes seconds.
        state.warmUps = elapsed > 10_000 ? 2 : state.warmUps + 1;
        continue;
      }
      state.timings.push(elapsed);
      state.spent += elapsed;
    }
  }
  const figures = new Map<Subject, QueryFigures>();
  for (const subject of subjects) {
    const state = states.get(subject)!;
    let matched: number | undefined;
    if (!state.timedOut) {
      try {
        matched = await query.count(subject.target, subject.experimentId);
      } catch (error) {
        if (!isTimeout(error)) throw error;
        giveUp(subject);
      }
    }
    const timings = [...state.timings].sort((a, b) => a - b);
    const row: QueryFigures = state.timedOut
      ? { name: query.name, description: query.description, matched, timedOut: true, runs: 0, p50: Number.NaN, p99: Number.NaN }
      : {
          name: query.name,
          description: query.description,
          matched,
          runs: timings.length,
          p50: percentile(timings, 0.5),
          p99: percentile(timings, 0.99),
        };
    figures.set(subject, row);
    if (!row.timedOut)
      options.log(`  ${subject.target.name}: ${query.name}: ${matched} matched, p50 ${row.p50.toFixed(1)} ms over ${row.runs} runs`);
  }
  return figures;
}

/** Ingest on every server in turn, the check that each holds every trace, then each query on every server in turn. */
async function measure(subjects: readonly Subject[], corpus: Corpus, options: TracingBenchOptions): Promise<TracingFigures[]> {
  options.log(
    `  (1) ${corpus.payloads.length.toLocaleString('en')} traces to each server from ${options.clients} clients, in rounds of ${options.roundTraces} ...`,
  );
  const ingested = await ingestInTurn(subjects, corpus, options);
  const queries = queriesOf(corpus, options.queryTimeoutSeconds * 1000);
  const stored = new Map<Subject, TracingFigures['stored']>();
  for (const subject of subjects) {
    const { target, experimentId } = subject;
    const held = {
      traces: await queries[0]!.count(target, experimentId),
      spansOfOne: await queries.find((query) => query.name === 'GetTrace')!.count(target, experimentId),
    };
    if (held.traces !== corpus.payloads.length || held.spansOfOne !== options.spansPerTrace)
      throw new Error(
        `${target.name} holds ${held.traces} traces of ${corpus.payloads.length}, and ${held.spansOfOne} spans of trace 0 of ${options.spansPerTrace}`,
      );
    stored.set(subject, held);
  }
  options.log(`  (2) ${queries.length} queries, ${options.queries} times each on each server ...`);
  const rows = new Map(subjects.map((subject) => [subject, [] as QueryFigures[]]));
  for (const query of queries) {
    for (const [subject, row] of await measureQuery(query, subjects, options)) rows.get(subject)!.push(row);
  }
  return subjects.map((subject) => ({
    server: subject.target.name,
    ingest: ingested.get(subject)!,
    stored: stored.get(subject)!,
    queries: rows.get(subject)!,
  }));
}

/**
 * Builds the requests once, starts every server, then measures them in turn (one driven at a time,
 * the others idle, alternating round by round: see ingestInTurn and measureQuery).
 */
export async function runTracingBench(options: TracingBenchOptions): Promise<TracingFigures[]> {
  // Only where MLflow is measured: ensurePythonEnv rebuilds a venv it finds incomplete.
  const python = options.servers.includes('mlflow') ? (ensurePythonEnv({ log: options.log }) as string) : '';
  const built = performance.now();
  const corpus = buildCorpus(options);
  options.log(
    `built ${corpus.payloads.length.toLocaleString('en')} OTLP requests (${(corpus.bytes / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - built) / 1000).toFixed(1)} s`,
  );
  const profile = options.profileFolder;
  const starts = {
    trellis: () =>
      startTrellisTarget(
        profile
          ? {
              NODE_OPTIONS: `--require ${fileURLToPath(new URL('./sweeps/cpu-profile.cjs', import.meta.url))}`,
              TRELLIS_BENCH_PROFILE_DIR: profile,
            }
          : {},
      ),
    mlflow: () => startMlflowTarget(python),
  };
  const subjects: Subject[] = [];
  try {
    for (const server of options.servers) {
      const target = await starts[server]();
      options.log(`${target.name} at ${target.url}`);
      const { experiment_id: experimentId } = await call<{ experiment_id: string }>(target.url, 'experiments/create', {
        name: 'bench-tracing',
      });
      subjects.push({ target, experimentId });
    }
    return await measure(subjects, corpus, options);
  } finally {
    for (const subject of subjects) await subject.target.stop();
  }
}
