import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServingLogger } from './serving-logger.js';
import { hasCode } from '../core/error-codes.js';
import { isTrellisError } from '../core/errors.js';
import { answerHeadersForClient } from './forwarded-headers.js';
import { inheritedEnvironment } from './inherited-environment.js';
import { startFailure } from './inference-server-failure.js';
import { InstanceLog } from './instance-log.js';
import { InstanceWaiters } from './instance-waiters.js';
import { signalGroup, within } from './process-group.js';
import type { InstanceSpec, InstanceState, ScoringAnswer, ScoringCall, ScoringInstance } from './scoring-instance.js';
import { InstanceUnavailableError, ModelLoadError, TimeoutError } from './serving-errors.js';

/**
 * A scoring instance that is Azure ML's own inference server (azmlinfsrv, from the environment's
 * azureml-inference-server-http) running the scoring script: gunicorn and its worker in their own
 * process group, on a free loopback port, output appended to the instance log. Ready when its
 * health route (GET /) answers 200; failed, with the script's exception, when it exits first.
 * Calls are forwarded over HTTP as they came (method, query, headers), and its answers come back
 * as it gave them (AMLResponse statuses and headers).
 */

const here = dirname(fileURLToPath(import.meta.url));

/** The launcher: beside this module, or in src/ when running the build from dist/ (tsc copies no .py files). */
export function inferenceServerLauncherPath(): string {
  const beside = join(here, 'workers', 'azmlinfsrv_launcher.py');
  if (existsSync(beside)) return beside;
  return join(here, '..', '..', 'src', 'serving', 'workers', 'azmlinfsrv_launcher.py');
}

/**
 * What azmlinfsrv puts in its swagger.json (SERVICE_NAME, SERVICE_PATH_PREFIX): the endpoint's
 * name, and its paths as Trellis serves them (`/endpoints/<name>/score`, under /workspaces/<ws> outside the default workspace).
 */
export function inferenceServerVariables(workspace: string, endpoint: string): Record<string, string> {
  const prefix = workspace === 'default' ? `endpoints/${endpoint}` : `workspaces/${workspace}/endpoints/${endpoint}`;
  return { SERVICE_NAME: endpoint, SERVICE_PATH_PREFIX: prefix };
}

/** How long one readiness probe may wait: a connection waits in gunicorn's backlog until init() is done. */
const probeTimeoutMs = 2_000;
const probeIntervalMs = 100;
/** Lines of output kept to say why the server did not start (azmlinfsrv lists up to 200 model files after the traceback). */
const tailLength = 400;

interface Exchange {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

class InferenceServerInstance implements ScoringInstance {
  readonly id: string;
  readonly exited: Promise<void>;
  private currentState: InstanceState = 'loading';
  private failureReason: string | undefined;
  private child: ChildProcess | undefined;
  private port = 0;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly requests = new Set<ReturnType<typeof request>>();
  private calls = 0;
  private isStopping = false;
  private readonly log: InstanceLog;
  private readonly logger: ServingLogger;
  private readonly tail: string[] = [];
  private readonly startedAt = Date.now();
  private readonly modelName: string;
  private readonly modelVersion: string;
  private readonly waiters = new InstanceWaiters();
  private markExited!: () => void;
  private exitTimer: NodeJS.Timeout | undefined;
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(given: InstanceSpec) {
    const spec: InstanceSpec = {
      ...given,
      modelDir: resolve(given.modelDir),
      codeDir: given.codeDir === undefined ? undefined : resolve(given.codeDir),
    };
    this.id = spec.id;
    this.modelName = spec.modelName ?? basename(spec.modelDir);
    this.modelVersion = spec.modelVersion ?? '1';
    this.exited = new Promise((resolve) => (this.markExited = resolve));
    this.logger = spec.logger;
    this.log = new InstanceLog(spec.logFile, spec.logger);
    if (!spec.codeDir || !spec.scoringScript) {
      this.finish('failed', 'runtime azureml-inference-server needs code_configuration.code and code_configuration.scoring_script');
      return;
    }
    if (!existsSync(join(spec.codeDir, spec.scoringScript))) {
      this.finish('failed', `scoring script ${spec.scoringScript} is not in the code folder ${spec.codeDir}`);
      return;
    }
    void this.launch(spec, spec.codeDir, spec.scoringScript);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get state(): InstanceState {
    return this.currentState;
  }

  get failure(): string | undefined {
    return this.failureReason;
  }

  get inFlight(): number {
    return this.calls;
  }

  ready(timeoutMs: number): Promise<void> {
    if (this.currentState === 'ready') return Promise.resolve();
    if (this.currentState !== 'loading')
      return Promise.reject(new ModelLoadError(this.id, this.failureReason ?? 'the instance is stopped'));
    return this.waiters.untilReady(timeoutMs, () => {
      const said = this.lastWords();
      return new TimeoutError(
        `instance '${this.id}' (azmlinfsrv) running init()${said ? ` (its last output: ${said})` : ''}`,
        timeoutMs,
        'the readiness timeout',
      );
    });
  }

  call(call: ScoringCall, timeoutMs: number): Promise<ScoringAnswer> {
    if (this.currentState !== 'ready' || this.isStopping) return Promise.reject(this.unavailable());
    switch (call.protocol) {
      case 'score': {
        const method = call.method ?? 'POST';
        const headers = { ...call.headers, ...(method === 'POST' ? { 'content-type': call.contentType } : {}) };
        return this.counted(
          this.exchange(
            { method, path: withQuery('/score', call.query), headers, body: method === 'POST' ? call.body : undefined },
            timeoutMs,
          ),
        );
      }
      case 'swagger':
        return this.counted(
          this.exchange({ method: 'GET', path: withQuery('/swagger.json', call.query), headers: {}, body: undefined }, timeoutMs),
        );
      case 'v2-metadata':
        return Promise.resolve(
          json(200, { name: this.modelName, versions: [this.modelVersion], platform: 'azureml-inference-server', inputs: [], outputs: [] }),
        );
      case 'v2-infer':
        return Promise.resolve(
          json(400, {
            error:
              'this deployment runs a scoring script with azmlinfsrv, which speaks /score only; the v2 protocol needs an onnx or mlflow model',
          }),
        );
      case 'mini-batch':
        return Promise.resolve(
          json(400, {
            error:
              "runtime azureml-inference-server serves online /score calls; batch deployments run the script with Trellis's own worker",
          }),
        );
    }
  }

  ping(timeoutMs: number): Promise<boolean> {
    if (this.currentState !== 'ready' || this.isStopping) return Promise.resolve(false);
    return this.isHealthy(timeoutMs);
  }

  async stop(graceMs: number): Promise<void> {
    if (this.currentState === 'failed' || this.currentState === 'stopped') return this.exited;
    const deadline = Date.now() + graceMs;
    if (!this.isStopping) {
      this.isStopping = true;
      this.log.note(`stopping (grace ${graceMs} ms, ${this.calls} call(s) in flight)`);
    }
    // Not started yet (the port is being found): launch() sees isStopping and stops there.
    if (!this.child) return this.exited;
    if (this.calls > 0) await within(this.waiters.untilIdle(), deadline - Date.now());
    // gunicorn stops its workers on SIGTERM; the group signal reaches them too should the master hang.
    this.killGroup('SIGTERM');
    const isGone = await within(
      this.exited.then(() => true),
      Math.max(deadline - Date.now(), 200),
    );
    if (!isGone) {
      this.log.note('still running after SIGTERM: SIGKILL');
      this.killGroup('SIGKILL');
    }
    return this.exited;
  }

  private async launch(spec: InstanceSpec, codeDir: string, scoringScript: string): Promise<void> {
    try {
      this.port = await freeLoopbackPort();
    } catch (error) {
      return this.finish('failed', `no free port on 127.0.0.1 for azmlinfsrv: ${(error as Error).message}`);
    }
    if (this.isStopping) return this.finish('stopped', undefined);
    const python = spec.python ?? 'python3';
    this.log.note(
      `starting instance ${spec.id}: runtime azureml-inference-server (azmlinfsrv on 127.0.0.1:${this.port}), script ${scoringScript}, model ${spec.modelDir}`,
    );
    const child = spawn(
      python,
      ['-u', inferenceServerLauncherPath(), '--entry_script', scoringScript, '--model_dir', spec.modelDir, '--port', String(this.port)],
      {
        cwd: codeDir,
        env: { ...inheritedEnvironment(), PYTHONUNBUFFERED: '1', ...spec.env, AZUREML_MODEL_DIR: spec.modelDir, AML_APP_ROOT: codeDir },
        detached: true,
        // stdin stays open and silent: the launcher stops the server when it closes (this process died).
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    child.stdin!.on('error', (error) => {
      // EPIPE: the server exited (nothing is ever written to its stdin); its exit is noted with the reason.
      if (!hasCode(error, 'EPIPE', 'ECONNRESET'))
        this.logger.warn(
          { err: error, instance: this.id },
          `serving: the stdin pipe of instance ${this.id} failed; it stops when its launcher sees it close`,
        );
    });
    this.child = child;
    this.log.follow(child.stdout!, false);
    this.log.follow(child.stderr!, true);
    this.keepTail(child.stdout!);
    this.keepTail(child.stderr!);
    child.once('error', (error) => this.finish('failed', `could not start azmlinfsrv (${python}): ${error.message}`));
    child.once('exit', (code, signal) => {
      this.exitStatus = { code, signal };
      // The output may still hold the last words; 'close' comes when it is read, this timer if a grandchild keeps it open.
      this.exitTimer = setTimeout(() => this.onExit(), 500);
    });
    child.once('close', () => this.onExit());
    await this.waitUntilHealthy();
  }

  /** Polls the health route until it answers 200, or the process is gone (onExit says why). */
  private async waitUntilHealthy(): Promise<void> {
    while (this.currentState === 'loading' && !this.isStopping && !this.exitStatus) {
      if (await this.isHealthy(probeTimeoutMs)) {
        if (this.currentState !== 'loading' || this.isStopping) return;
        this.currentState = 'ready';
        this.log.note(`azmlinfsrv answers on 127.0.0.1:${this.port}: ready in ${Date.now() - this.startedAt} ms (pid ${this.pid})`);
        this.waiters.markReady();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, probeIntervalMs));
    }
  }

  private isHealthy(timeoutMs: number): Promise<boolean> {
    return this.exchange({ method: 'GET', path: '/', headers: {}, body: undefined }, timeoutMs).then(
      (answer) => answer.status === 200,
      () => false,
    );
  }

  /** One HTTP exchange with azmlinfsrv; rejects with TimeoutError, or InstanceUnavailableError when it cannot answer. */
  private exchange(exchange: Exchange, timeoutMs: number): Promise<ScoringAnswer> {
    return new Promise<ScoringAnswer>((resolvePromise, reject) => {
      const headers = exchange.body ? { ...exchange.headers, 'content-length': String(exchange.body.length) } : exchange.headers;
      const outgoing = request(
        { host: '127.0.0.1', port: this.port, method: exchange.method, path: exchange.path, headers, agent: this.agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            settle();
            resolvePromise(answerOf(response.statusCode ?? 502, response.headers, Buffer.concat(chunks)));
          });
          response.on('error', (error) => fail(error));
        },
      );
      this.requests.add(outgoing);
      const timer = setTimeout(() => {
        settle();
        outgoing.destroy();
        reject(new TimeoutError(`instance '${this.id}'`, timeoutMs));
      }, timeoutMs);
      const settle = () => {
        clearTimeout(timer);
        this.requests.delete(outgoing);
      };
      const fail = (error: Error) => {
        settle();
        reject(isTrellisError(error) ? error : new InstanceUnavailableError(this.id, `azmlinfsrv did not answer: ${error.message}`));
      };
      outgoing.on('error', fail);
      outgoing.end(exchange.body);
    });
  }

  /** Counts a call in flight until it settles (pings are not counted). */
  private counted(answer: Promise<ScoringAnswer>): Promise<ScoringAnswer> {
    this.calls++;
    return answer.finally(() => {
      this.calls--;
      if (this.calls === 0) this.waiters.markIdle();
    });
  }

  private keepTail(source: NodeJS.ReadableStream): void {
    let partial = '';
    source.on('data', (chunk: string | Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      this.tail.push(...lines);
      if (this.tail.length > tailLength) this.tail.splice(0, this.tail.length - tailLength);
    });
    source.on('end', () => {
      if (partial) this.tail.push(partial);
      partial = '';
    });
  }

  /** What the output says last, for a readiness timeout. */
  private lastWords(): string | undefined {
    return startFailure(this.tail.slice(-20));
  }

  private onExit(): void {
    if (this.currentState === 'failed' || this.currentState === 'stopped') return;
    clearTimeout(this.exitTimer);
    const status = this.exitStatus ?? { code: null, signal: null };
    const how = status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
    // Whatever the master left behind in its group (a gunicorn worker) goes with it.
    this.killGroup('SIGKILL');
    if (this.isStopping) {
      this.finish('stopped', undefined);
      return;
    }
    const why = startFailure(this.tail);
    if (this.currentState === 'loading') {
      this.finish('failed', `azmlinfsrv ${how} before it was ready${why ? `: ${why}` : ''}`);
      return;
    }
    this.finish('failed', `azmlinfsrv ${how}${why && !status.signal ? `: ${why}` : ''}`);
  }

  private finish(state: 'failed' | 'stopped', reason: string | undefined): void {
    if (this.currentState === 'failed' || this.currentState === 'stopped') return;
    this.currentState = state;
    this.failureReason = reason;
    this.log.note(state === 'stopped' ? 'stopped' : `failed: ${reason}`);
    const error = this.unavailable();
    for (const outgoing of [...this.requests]) outgoing.destroy(error);
    const loadError = new ModelLoadError(this.id, reason ?? 'the instance stopped before the model loaded');
    this.waiters.fail(loadError);
    this.agent.destroy();
    this.child?.stdin?.destroy();
    // Exited once the log holds the server's last words too.
    void this.log.close().then(this.markExited, this.markExited);
  }

  private unavailable(): InstanceUnavailableError {
    if (this.currentState === 'failed') return new InstanceUnavailableError(this.id, this.failureReason ?? 'azmlinfsrv failed');
    if (this.currentState === 'stopped' || this.isStopping) return new InstanceUnavailableError(this.id, 'the instance is stopping');
    return new InstanceUnavailableError(this.id, 'the scoring script is still running init()');
  }

  private killGroup(signal: NodeJS.Signals): void {
    signalGroup(this.child?.pid, signal, this.logger);
  }
}

function withQuery(path: string, query: string | undefined): string {
  return query ? `${path}?${query}` : path;
}

function answerOf(status: number, headers: IncomingHttpHeaders, body: Buffer): ScoringAnswer {
  const contentType = headers['content-type'] ?? 'application/octet-stream';
  return { status, body, contentType, headers: answerHeadersForClient(headers) };
}

function json(status: number, value: unknown): ScoringAnswer {
  return { status, body: Buffer.from(JSON.stringify(value)), contentType: 'application/json' };
}

/** A port on 127.0.0.1 that nothing listens on now (the server binds it a moment later). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error('the system gave no port'))));
    });
  });
}

/** Starts azmlinfsrv for one instance of a deployment (state loading until its health route answers). */
export function startInferenceServerInstance(spec: InstanceSpec): ScoringInstance {
  return new InferenceServerInstance(spec);
}
