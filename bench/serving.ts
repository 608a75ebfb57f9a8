/**
 * Online serving, Trellis against its peers on this machine in one run:
 *   (1) router overhead: the iris ONNX model called sequentially — onnxruntime-node session.run in
 *       this process, a bare Node HTTP echo server on loopback, and Trellis (Open Inference Protocol
 *       /v2/models/iris/infer and /endpoints/iris/score) over the same keep-alive agent; and, to
 *       place the cost, the two hops between processes alone: a bare echo over a socket pair
 *       between two Node processes, and a Trellis ONNX worker called directly (no HTTP, no router);
 *   (2) maximum requests/s for the same small model: Trellis (ONNX runtime, 1 and 2 instances;
 *       the same MLflow model on the mlflow runtime) against `mlflow models serve -w 2`, each driven
 *       closed-loop by src/serving/load-generator.mjs (a process of its own) for a fixed time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { startInstance } from '../src/serving/worker-instance.js';
import { OnnxModel } from '../src/serving/workers/onnx-model.js';
import { slowestSecond, startLoad, waitForDeployment } from '../test/support/endpoints.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from '../test/support/trellis-process.js';
// @ts-expect-error: plain JavaScript helper shared with the test runner
import { freePort } from '../scripts/test-postgres.mjs';
// @ts-expect-error: plain JavaScript helper shared with the test runner
import { ensurePythonEnv } from '../scripts/python-env.mjs';

export interface ServingBenchOptions {
  /** Sequential calls per latency row (after a warm-up of a tenth of them). */
  calls: number;
  /** Seconds of load per throughput trial. */
  loadSeconds: number;
  /** Connection counts tried for each throughput target; the best error-free trial is its figure. */
  connections: number[];
  log: (line: string) => void;
}

export interface LatencyRow {
  label: string;
  p50: number;
  p99: number;
}

export interface ThroughputTrial {
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface ThroughputRow {
  label: string;
  trials: ThroughputTrial[];
  /** The trial with the most requests/s and no errors (undefined: every trial had errors). */
  best: ThroughputTrial | undefined;
}

export interface ServingFigures {
  latency: {
    inProcess: LatencyRow;
    inProcessJson: LatencyRow;
    echo: LatencyRow;
    socketPair: LatencyRow;
    worker: LatencyRow;
    v2: LatencyRow;
    score: LatencyRow;
  };
  throughput: ThroughputRow[];
  trafficShift: TrafficShiftFigures;
}

/** Moved here from test/endpoints.test.ts (which asserts only that no request fails): blue to green in four steps under a paced load. */
export interface TrafficShiftFigures {
  targetRate: number;
  requestsPerSecond: number;
  requests: number;
  /** The fewest requests answered in any whole second: a swap that blocked the server would show here. */
  slowestSecond: number;
  errors: number;
  p99: number;
}

const onnxModelPath = join(repositoryRoot, 'test', 'fixtures', 'serving', 'iris-logreg.onnx');
const row = [5.1, 3.5, 1.4, 0.2];
const columns = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const v2Body = JSON.stringify({ inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP32', data: row }] });
const scoreBody = JSON.stringify({ data: [row] });
const azureMlflowBody = JSON.stringify({ input_data: { columns, index: [0], data: [row] } });
const mlflowServeBody = JSON.stringify({ dataframe_split: { columns, data: [row] } });
// The endpoint tests' cache of built virtualenvs, so the mlflow runtime's environment is built once.
const environmentCache = join(repositoryRoot, '.cache', 'environments');

/** p50 and p99 of `calls` sequential awaits of `once`, after a warm-up. */
async function measureSequential(label: string, calls: number, once: () => Promise<unknown>): Promise<LatencyRow> {
  for (let index = 0; index < Math.max(100, Math.floor(calls / 10)); index++) await once();
  const times = new Float64Array(calls);
  for (let index = 0; index < calls; index++) {
    const start = process.hrtime.bigint();
    await once();
    times[index] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  times.sort();
  const at = (quantile: number) => times[Math.min(calls - 1, Math.floor(quantile * calls))]!;
  return { label, p50: at(0.5), p99: at(0.99) };
}

/** One POST over `agent`; rejects unless the answer is 200. */
function post(agent: http.Agent, url: URL, body: string, key?: string): Promise<void> {
  const payload = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          response.statusCode === 200
            ? resolve()
            : reject(new Error(`${url.pathname} answered ${response.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`)),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** A child process that waits for `ready` to match its output; stopped with its whole process group. */
async function startServer(command: string, args: string[], ready: RegExp, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const child: ChildProcess = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    cwd: options.cwd,
    env: { ...process.env, PYTHONUNBUFFERED: '1', ...options.env },
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start in 120 s:\n${output}`)), 120_000);
    const check = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${command} exited before it was ready:\n${output}`));
    });
  });
  return {
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, 'SIGTERM');
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A minimal Node HTTP server answering every request with a fixed body: loopback HTTP alone. */
const echoServerSource = `
const http = require('node:http');
const body = Buffer.from(process.env.ECHO_BODY);
const server = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body));
});
server.keepAliveTimeout = 60000;
server.listen(Number(process.env.ECHO_PORT), '127.0.0.1', () => console.log('echo listening'));
`;

async function cliJson<T>(url: string, cwd: string, args: string[]): Promise<T> {
  const result = await runCli([...args, '-o', 'json'], { url, cwd });
  if (result.code !== 0) throw new Error(`trellis ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

/** Creates endpoint `name` with one deployment of `modelYaml` and all traffic; returns its key. */
async function deploy(
  trellis: TrellisProcess,
  dir: string,
  name: string,
  modelYaml: string,
  instances: number,
  maxConcurrent: number,
): Promise<string> {
  await writeFile(join(dir, `${name}-endpoint.yml`), `name: ${name}\nauth_mode: key\n`);
  await writeFile(
    join(dir, `${name}-deployment.yml`),
    `name: main\nendpoint_name: ${name}\nmodel:\n${modelYaml}\ninstance_type: Standard_DS2_v2\ninstance_count: ${instances}\nrequest_settings:\n  max_concurrent_requests_per_instance: ${maxConcurrent}\n  max_queue_wait_ms: 10000\n  request_timeout_ms: 10000\n`,
  );
  await cliJson(trellis.url, dir, ['online-endpoint', 'create', '--file', `${name}-endpoint.yml`]);
  await cliJson(trellis.url, dir, ['online-deployment', 'create', '--file', `${name}-deployment.yml`, '--all-traffic']);
  const ready = await waitForDeployment(trellis.client, name, 'main', undefined, 600_000);
  if (ready.state !== 'Succeeded') throw new Error(`deployment ${name}/main is ${ready.state}: ${ready.reason ?? ''}`);
  return (await cliJson<{ primaryKey: string }>(trellis.url, dir, ['online-endpoint', 'get-credentials', '--name', name])).primaryKey;
}

/** Closed-loop load (a pacing rate no server here reaches) at each connection count; keeps the best error-free trial. */
async function maxRate(
  label: string,
  url: string,
  key: string,
  body: string,
  dir: string,
  options: ServingBenchOptions,
): Promise<ThroughputRow> {
  // Warm-up: every worker has loaded and answered before the clock starts.
  const warm = startLoad({ url, key, body, rate: 100_000, connections: 8, out: join(dir, 'warm.json') });
  await warm.started;
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  await warm.stop();
  const trials: ThroughputTrial[] = [];
  for (const connections of options.connections) {
    const load = startLoad({ url, key, body, rate: 100_000, connections, out: join(dir, 'load.json') });
    await load.started;
    await new Promise((resolve) => setTimeout(resolve, options.loadSeconds * 1000));
    const result = await load.stop();
    const errors = result.requests - (result.statuses['200'] ?? 0);
    const trial = { connections, requestsPerSecond: result.ratePerSecond, p50: result.latencyMs.p50, p99: result.latencyMs.p99, errors };
    options.log(
      `  ${label}, ${connections} connections: ${trial.requestsPerSecond} requests/s, p50 ${trial.p50} ms, p99 ${trial.p99} ms, ${errors} errors${result.failures[0] ? ` (first: ${result.failures[0].status} ${result.failures[0].body.slice(0, 120)})` : ''}`,
    );
    trials.push(trial);
  }
  const best = trials.filter((trial) => trial.errors === 0).sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0];
  return { label, trials, best };
}

/** Blue (all traffic) to a second deployment in four steps of 25 points, a second apart, under 800 requests/s on 64 connections. */
async function trafficShift(
  trellis: TrellisProcess,
  dir: string,
  name: string,
  key: string,
  modelYaml: string,
): Promise<TrafficShiftFigures> {
  await writeFile(
    join(dir, `${name}-green.yml`),
    `name: green\nendpoint_name: ${name}\nmodel:\n${modelYaml}\ninstance_type: Standard_DS2_v2\ninstance_count: 1\n`,
  );
  await cliJson(trellis.url, dir, ['online-deployment', 'create', '--file', `${name}-green.yml`]);
  const ready = await waitForDeployment(trellis.client, name, 'green', undefined, 600_000);
  if (ready.state !== 'Succeeded') throw new Error(`deployment ${name}/green is ${ready.state}: ${ready.reason ?? ''}`);
  const load = startLoad({
    url: `${trellis.url}/endpoints/${name}/score`,
    key,
    body: scoreBody,
    rate: 800,
    connections: 64,
    out: join(dir, 'shift.json'),
  });
  await load.started;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  for (const green of [25, 50, 75, 100]) {
    await cliJson(trellis.url, dir, ['online-endpoint', 'update', '--name', name, '--traffic', `main=${100 - green} green=${green}`]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const result = await load.stop();
  return {
    targetRate: 800,
    requestsPerSecond: result.ratePerSecond,
    requests: result.requests,
    slowestSecond: slowestSecond(result),
    errors: result.requests - (result.statuses['200'] ?? 0),
    p99: result.latencyMs.p99,
  };
}

async function latencyInProcess(calls: number): Promise<{ inProcess: LatencyRow; inProcessJson: LatencyRow }> {
  const session = await ort.InferenceSession.create(onnxModelPath);
  const tensor = new ort.Tensor('float32', Float32Array.from(row), [1, 4]);
  const inProcess = await measureSequential('in process: onnxruntime-node session.run (tensor ready)', calls, () =>
    session.run({ X: tensor }),
  );
  const model = await OnnxModel.load(onnxModelPath, { name: 'iris', version: '1' });
  const body = Buffer.from(v2Body);
  const inProcessJson = await measureSequential('in process: v2 JSON parsed, session.run, answer serialized', calls, () =>
    model.inferV2(body),
  );
  return { inProcess, inProcessJson };
}

/** A child Node process that echoes what it reads on fd 3, a socket pair: the floor of any hop to a worker process. */
async function latencySocketPair(calls: number): Promise<LatencyRow> {
  const child = spawn(
    process.execPath,
    ['-e', "const s = new (require('node:net').Socket)({ fd: 3, readable: true, writable: true }); s.on('data', (d) => s.write(d));"],
    { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] },
  );
  const socket = child.stdio[3] as import('node:net').Socket;
  const message = Buffer.from(v2Body);
  try {
    // Echoes of this size arrive whole on a local socket pair.
    return await measureSequential(
      'two Node processes: echo over a socket pair (a hop to a worker, no work in it)',
      calls,
      () =>
        new Promise((resolve) => {
          socket.once('data', resolve);
          socket.write(message);
        }),
    );
  } finally {
    child.kill('SIGKILL');
  }
}

/** One Trellis ONNX worker process, called as the router calls it, without HTTP or the router. */
async function latencyWorker(calls: number, dir: string): Promise<LatencyRow> {
  await mkdir(join(dir, 'worker-model'), { recursive: true });
  await copyFile(onnxModelPath, join(dir, 'worker-model', 'model.onnx'));
  const instance = startInstance({
    id: 'bench/0',
    runtime: 'onnx',
    modelDir: join(dir, 'worker-model'),
    env: {},
    logFile: join(dir, 'worker.log'),
    logger: { warn: (_details, message) => void process.stderr.write(`${message}\n`) },
  });
  try {
    await instance.ready(60_000);
    const body = Buffer.from(v2Body);
    return await measureSequential(
      'Trellis ONNX worker process called directly over its socket pair (v2 JSON; no HTTP, no router)',
      calls,
      async () => {
        const answer = await instance.call({ protocol: 'v2-infer', body, contentType: 'application/json' }, 10_000);
        if (answer.status !== 200) throw new Error(`the worker answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`);
      },
    );
  } finally {
    await instance.stop(2_000);
  }
}

async function latencyEcho(calls: number): Promise<LatencyRow> {
  const port = (await freePort()) as number;
  const echo = await startServer(process.execPath, ['-e', echoServerSource], /echo listening/, {
    env: {
      ECHO_PORT: String(port),
      ECHO_BODY: '{"model_name":"iris","outputs":[{"name":"label","shape":[1],"datatype":"INT64","data":[0]}]}',
    },
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    return await measureSequential('bare Node HTTP echo server, loopback, keep-alive', calls, () =>
      post(agent, new URL(`http://127.0.0.1:${port}/v2/models/iris/infer`), v2Body),
    );
  } finally {
    agent.destroy();
    await echo.stop();
  }
}

async function runMlflowServe(python: string, modelDir: string, dir: string, options: ServingBenchOptions): Promise<ThroughputRow> {
  const port = (await freePort()) as number;
  const mlflow = join(python, '..', 'mlflow');
  // `mlflow models serve` execs uvicorn by name: the virtualenv's bin goes first on PATH, as if it were activated.
  const path = `${dirname(python)}:${process.env.PATH ?? ''}`;
  const server = await startServer(
    mlflow,
    ['models', 'serve', '-m', modelDir, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port), '-w', '2'],
    /Uvicorn running|Listening at|Application startup complete/,
    { env: { PATH: path } },
  );
  try {
    // Both workers up: wait until two answers have come back before the warm-up load.
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await post(new http.Agent(), new URL(`http://127.0.0.1:${port}/invocations`), mlflowServeBody);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`mlflow models serve did not answer: ${String(error)}\n${server.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    return await maxRate('mlflow models serve -w 2', `http://127.0.0.1:${port}/invocations`, '', mlflowServeBody, dir, options);
  } finally {
    await server.stop();
  }
}

/** Runs (1) then (2); every server it starts is stopped before it returns. */
export async function runServingBench(options: ServingBenchOptions): Promise<ServingFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'trellis-serving-bench-'));
  const python = ensurePythonEnv({ log: options.log }) as string;
  // The MLflow model: the same LogisticRegression(max_iter=500) on iris as the ONNX fixture, saved with mlflow.sklearn.save_model.
  const made = spawn(python, [join(repositoryRoot, 'test', 'fixtures', 'serving', 'make-mlflow-model.py'), join(dir, 'mlflow')], {
    stdio: 'inherit',
  });
  if ((await new Promise<number | null>((resolve) => made.once('exit', resolve))) !== 0) throw new Error('make-mlflow-model.py failed');
  const mlflowModel = join(dir, 'mlflow', 'model');

  options.log(`(1) latency, ${options.calls} sequential calls a row ...`);
  const { inProcess, inProcessJson } = await latencyInProcess(options.calls);
  const echo = await latencyEcho(options.calls);
  const socketPair = await latencySocketPair(options.calls);
  const worker = await latencyWorker(options.calls, dir);

  const trellis = await startTrellis({ env: { TRELLIS_ENV_CACHE: environmentCache } });
  const throughput: ThroughputRow[] = [];
  let shift: TrafficShiftFigures;
  let v2: LatencyRow;
  let score: LatencyRow;
  try {
    options.log(`Trellis at ${trellis.url}`);
    // A model folder holding the one .onnx file, as the README deploys it.
    await mkdir(join(dir, 'onnx'));
    await copyFile(onnxModelPath, join(dir, 'onnx', 'iris-logreg.onnx'));
    const onnxModelYaml = `  path: ${join(dir, 'onnx')}`;
    const key = await deploy(trellis, dir, 'iris', onnxModelYaml, 1, 16);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    v2 = await measureSequential('Trellis: POST /v2/models/iris/infer', options.calls, () =>
      post(agent, new URL(`${trellis.url}/v2/models/iris/infer`), v2Body, key),
    );
    score = await measureSequential('Trellis: POST /endpoints/iris/score', options.calls, () =>
      post(agent, new URL(`${trellis.url}/endpoints/iris/score`), scoreBody, key),
    );
    agent.destroy();

    options.log('(2) maximum requests/s ...');
    throughput.push(
      await maxRate('Trellis, ONNX runtime, 1 instance (/score)', `${trellis.url}/endpoints/iris/score`, key, scoreBody, dir, options),
    );
    const key2 = await deploy(trellis, dir, 'iris-two', onnxModelYaml, 2, 16);
    throughput.push(
      await maxRate(
        'Trellis, ONNX runtime, 2 instances (/score)',
        `${trellis.url}/endpoints/iris-two/score`,
        key2,
        scoreBody,
        dir,
        options,
      ),
    );
    options.log('(3) traffic moved between deployments under load ...');
    shift = await trafficShift(trellis, dir, 'iris', key, onnxModelYaml);
    const mlflowModelYaml = `  path: ${mlflowModel}\n  type: mlflow_model`;
    // Up to 32 calls in flight per instance: the worker predicts the ones that wait together in one predict() call.
    const keyMlflow = await deploy(trellis, dir, 'iris-mlflow', mlflowModelYaml, 2, 32);
    throughput.push(
      await maxRate(
        'Trellis, mlflow runtime (same MLflow model), 2 instances (/score)',
        `${trellis.url}/endpoints/iris-mlflow/score`,
        keyMlflow,
        azureMlflowBody,
        dir,
        options,
      ),
    );
  } catch (error) {
    options.log(`Trellis printed:\n${trellis.output().slice(-4000)}`);
    throw error;
  } finally {
    await trellis.stop();
    await removeHome(trellis.home);
  }
  throughput.push(await runMlflowServe(python, mlflowModel, dir, options));
  await rm(dir, { recursive: true, force: true });
  return { latency: { inProcess, inProcessJson, echo, socketPair, worker, v2, score }, throughput, trafficShift: shift };
}

/** Reads a throughput row's best figure, for the ratio lines. */
export const bestRate = (row: ThroughputRow | undefined) => row?.best?.requestsPerSecond ?? NaN;
