import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServingLogger } from './serving-logger.js';
import { hasCode } from '../core/error-codes.js';
import { FrameWriter } from './frame-writer.js';
import { inheritedVariables } from './inherited-environment.js';
import { InstanceLog } from './instance-log.js';
import { InstanceWaiters } from './instance-waiters.js';
import { signalGroup, within } from './process-group.js';
import { scoreGetRefused, swaggerRefused } from './own-worker-refusals.js';
import type { InstanceSpec, InstanceState, RuntimeKind, ScoringAnswer, ScoringCall, ScoringInstance } from './scoring-instance.js';
import { InstanceUnavailableError, ModelLoadError, TimeoutError } from './serving-errors.js';
import {
  AnswerDecoder,
  CallKind,
  CONTROL_ID,
  ControlStatus,
  encodeRequestHeader,
  nextCallId,
  WORKER_CONFIG_ENV,
  type AnswerFrame,
  type WorkerConfig,
} from './worker-protocol.js';

/**
 * A scoring instance that is one worker process: spawned in its own process group with the
 * protocol on fd 3 (a socket pair: the lowest-latency channel measured, no socket file to manage,
 * and the worker sees the server go away as end-of-file), stdout and stderr appended to the
 * instance log. Ready when the worker says the model loaded; failed, with the reason, when it
 * cannot load or dies; a dead worker's calls in flight are rejected at once.
 */

const here = dirname(fileURLToPath(import.meta.url));
// Run from src/ (tests, tsx) the Node workers are TypeScript too, started through the tsx loader.
const isSource = import.meta.url.endsWith('.ts');

/** The tsx loader's URL, when tsx is installed (it is a dev dependency). */
function tsxLoader(): string | undefined {
  try {
    return import.meta.resolve('tsx');
  } catch (error) {
    // Not installed (a production install): the built JavaScript workers need no loader.
    if (hasCode(error, 'ERR_MODULE_NOT_FOUND')) return undefined;
    throw error;
  }
}

function nodeWorker(name: string, withTsx: boolean): string[] {
  const loader = isSource || withTsx ? tsxLoader() : undefined;
  if (isSource && !loader) throw new Error('running Trellis from its TypeScript sources needs the tsx loader (npm install)');
  return [...(loader ? ['--import', loader] : []), join(here, 'workers', `${name}.${isSource ? 'ts' : 'js'}`)];
}

/** The Python worker: beside this module, or in src/ when running the build from dist/ (tsc copies no .py files). */
export function pythonWorkerPath(): string {
  const beside = join(here, 'workers', 'python_worker.py');
  if (existsSync(beside)) return beside;
  return join(here, '..', '..', 'src', 'serving', 'workers', 'python_worker.py');
}

/** The command line that serves `spec`'s runtime. */
export function workerCommand(spec: InstanceSpec): { command: string; args: string[] } {
  switch (spec.runtime) {
    case 'onnx':
      return { command: process.execPath, args: nodeWorker('onnx-worker', false) };
    case 'node-script': {
      const isTypeScript = /\.[cm]?ts$/.test(spec.scoringScript ?? '');
      if (isTypeScript && !tsxLoader())
        throw new Error(
          `scoring script ${spec.scoringScript} is TypeScript, and the tsx loader is not installed here; ship it as .js or .mjs`,
        );
      return { command: process.execPath, args: nodeWorker('node-script-worker', isTypeScript) };
    }
    case 'mlflow':
    case 'python-script':
    // Served by inference-server-instance.ts; should one be started as a worker, Trellis's own runs the script.
    case 'azureml-inference-server':
      return { command: spec.python ?? 'python3', args: ['-u', pythonWorkerPath()] };
  }
}

function workerEnvironment(spec: InstanceSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of inheritedVariables) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const modelPath = spec.modelPath ?? spec.modelDir;
  const modelName = spec.modelName ?? basename(modelPath).replace(/\.onnx$/, '');
  const config: WorkerConfig = {
    // Started here only through workerCommand's fallback: the script's contract is the same.
    runtime: spec.runtime === 'azureml-inference-server' ? 'python-script' : spec.runtime,
    modelDir: modelPath,
    codeDir: spec.codeDir,
    scoringScript: spec.scoringScript,
    ...(spec.scriptArguments ? { scriptArguments: spec.scriptArguments } : {}),
    modelName,
    modelVersion: spec.modelVersion ?? '1',
  };
  return { ...env, PYTHONUNBUFFERED: '1', ...spec.env, AZUREML_MODEL_DIR: spec.modelDir, [WORKER_CONFIG_ENV]: JSON.stringify(config) };
}

interface PendingCall {
  resolve(answer: ScoringAnswer): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
  timeoutMs: number;
  isPing: boolean;
}

class WorkerInstance implements ScoringInstance {
  readonly id: string;
  readonly exited: Promise<void>;
  private readonly runtime: RuntimeKind;
  private currentState: InstanceState = 'loading';
  private failureReason: string | undefined;
  private child: ChildProcess | undefined;
  private channel: Socket | undefined;
  private writer: FrameWriter | undefined;
  private readonly pending = new Map<number, PendingCall>();
  private lastId = 0;
  private calls = 0;
  private isStopping = false;
  private loadFailure: string | undefined;
  private readonly log: InstanceLog;
  private readonly logger: ServingLogger;
  private readonly startedAt = Date.now();
  private readonly waiters = new InstanceWaiters();
  private markExited!: () => void;
  private exitTimer: NodeJS.Timeout | undefined;
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(given: InstanceSpec) {
    // The worker runs in the code (or model) folder: relative paths would point elsewhere there.
    const spec: InstanceSpec = {
      ...given,
      modelDir: resolve(given.modelDir),
      modelPath: given.modelPath === undefined ? undefined : resolve(given.modelPath),
      codeDir: given.codeDir === undefined ? undefined : resolve(given.codeDir),
    };
    this.id = spec.id;
    this.runtime = spec.runtime;
    this.exited = new Promise((resolve) => (this.markExited = resolve));
    this.logger = spec.logger;
    this.log = new InstanceLog(spec.logFile, spec.logger);
    let command: { command: string; args: string[] };
    try {
      command = workerCommand(spec);
    } catch (error) {
      this.finish('failed', (error as Error).message);
      return;
    }
    this.log.note(`starting instance ${spec.id}: runtime ${spec.runtime}, model ${spec.modelDir}`);
    const cwd = spec.codeDir ?? (existsSync(spec.modelDir) && statSync(spec.modelDir).isFile() ? dirname(spec.modelDir) : spec.modelDir);
    const child = spawn(command.command, command.args, {
      cwd: existsSync(cwd) ? cwd : undefined,
      env: workerEnvironment(spec),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.log.follow(child.stdout!, false);
    this.log.follow(child.stderr!, true);
    child.once('error', (error) => this.finish('failed', `could not start the worker (${command.command}): ${error.message}`));
    child.once('exit', (code, signal) => {
      this.exitStatus = { code, signal };
      // stderr may still hold the last words; 'close' comes when it is read, this timer if a grandchild keeps it open.
      this.exitTimer = setTimeout(() => this.onExit(), 500);
    });
    child.once('close', () => this.onExit());
    const channel = child.stdio[3] as Socket;
    this.channel = channel;
    this.writer = new FrameWriter(channel);
    const decoder = new AnswerDecoder((frame) => this.onAnswer(frame));
    channel.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk);
      } catch (error) {
        this.log.note(`protocol error, stopping the worker: ${(error as Error).message}`);
        this.killGroup('SIGKILL');
      }
    });
    channel.on('error', (error) => {
      // EPIPE, ECONNRESET: the worker went away; its exit is noted and its calls fail with its reason.
      if (!hasCode(error, 'EPIPE', 'ECONNRESET'))
        this.logger.warn(
          { err: error, instance: this.id },
          `serving: the channel to instance ${this.id} failed; it is stopped and restarted`,
        );
    });
    // A worker that closes its channel but lives on can answer nothing: end it.
    channel.on('close', () => {
      if (!this.exitStatus && !this.isStopping) this.killGroup('SIGKILL');
    });
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
    return this.waiters.untilReady(
      timeoutMs,
      () => new TimeoutError(`instance '${this.id}' loading its model`, timeoutMs, 'the readiness timeout'),
    );
  }

  call(call: ScoringCall, timeoutMs: number): Promise<ScoringAnswer> {
    if (call.protocol === 'swagger') return Promise.resolve(swaggerRefused(this.runtime));
    if (call.protocol === 'score' && call.method === 'GET') return Promise.resolve(scoreGetRefused(this.runtime));
    if (call.protocol === 'v2-metadata') return this.send(CallKind.v2Metadata, '', emptyBody, timeoutMs, false);
    if (call.protocol === 'mini-batch') return this.send(CallKind.miniBatch, 'application/json', call.body, timeoutMs, false);
    return this.send(call.protocol === 'score' ? CallKind.score : CallKind.v2Infer, call.contentType, call.body, timeoutMs, false);
  }

  ping(timeoutMs: number): Promise<boolean> {
    if (this.currentState !== 'ready' || this.isStopping) return Promise.resolve(false);
    return this.send(CallKind.ping, '', emptyBody, timeoutMs, true).then(
      () => true,
      () => false,
    );
  }

  async stop(graceMs: number): Promise<void> {
    if (this.currentState === 'failed' || this.currentState === 'stopped') return this.exited;
    const deadline = Date.now() + graceMs;
    if (!this.isStopping) {
      this.isStopping = true;
      this.log.note(`stopping (grace ${graceMs} ms, ${this.calls} call(s) in flight)`);
    }
    if (this.calls > 0) await within(this.waiters.untilIdle(), deadline - Date.now());
    this.killGroup('SIGTERM');
    // SIGKILL at the deadline, but give SIGTERM a moment even when the grace went to calls in flight.
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

  private send(kind: number, contentType: string, body: Buffer, timeoutMs: number, isPing: boolean): Promise<ScoringAnswer> {
    if (this.currentState !== 'ready' || this.isStopping) return Promise.reject(this.unavailable());
    const id = nextCallId(this.lastId);
    this.lastId = id;
    return new Promise<ScoringAnswer>((resolve, reject) => {
      const timer = setTimeout(this.onTimeout, timeoutMs, id);
      this.pending.set(id, { resolve, reject, timer, timeoutMs, isPing });
      if (!isPing) this.calls++;
      this.writer!.write(encodeRequestHeader(id, kind, contentType, body.length), body);
    });
  }

  private readonly onTimeout = (id: number): void => {
    const call = this.pending.get(id);
    if (!call) return;
    this.settle(id, call);
    call.reject(new TimeoutError(`instance '${this.id}'`, call.timeoutMs));
  };

  private settle(id: number, call: PendingCall): void {
    this.pending.delete(id);
    clearTimeout(call.timer);
    if (call.isPing) return;
    this.calls--;
    if (this.calls === 0) this.waiters.markIdle();
  }

  private onAnswer(frame: AnswerFrame): void {
    if (frame.id === CONTROL_ID) {
      this.onControl(frame);
      return;
    }
    const call = this.pending.get(frame.id);
    // An answer after its timeout: the caller has had its error already.
    if (!call) return;
    this.settle(frame.id, call);
    call.resolve({ status: frame.status, contentType: frame.contentType, body: frame.body });
  }

  private onControl(frame: AnswerFrame): void {
    if (frame.status === ControlStatus.loaded && this.currentState === 'loading') {
      this.currentState = 'ready';
      this.log.note(`model loaded in ${Date.now() - this.startedAt} ms (pid ${this.pid})`);
      this.waiters.markReady();
    } else if (frame.status === ControlStatus.failed) {
      this.loadFailure = frame.body.toString('utf8').trim() || 'no reason given';
      this.log.note(`the model could not load: ${this.loadFailure}`);
    }
  }

  private onExit(): void {
    if (this.currentState === 'failed' || this.currentState === 'stopped') return;
    clearTimeout(this.exitTimer);
    const status = this.exitStatus ?? { code: null, signal: null };
    const how = status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
    const lastWords = this.log.lastError();
    // Whatever the leader left behind in its group goes with it.
    this.killGroup('SIGKILL');
    if (this.isStopping) {
      this.finish('stopped', undefined);
      return;
    }
    if (this.loadFailure) {
      this.finish('failed', `the model could not load: ${this.loadFailure}`);
      return;
    }
    if (this.currentState === 'loading') {
      this.finish('failed', `the worker ${how} before the model loaded${lastWords ? `: ${lastWords}` : ''}`);
      return;
    }
    this.finish('failed', `the worker process ${how}${lastWords && !status.signal ? `: ${lastWords}` : ''}`);
  }

  private finish(state: 'failed' | 'stopped', reason: string | undefined): void {
    if (this.currentState === 'failed' || this.currentState === 'stopped') return;
    this.currentState = state;
    this.failureReason = reason;
    this.log.note(state === 'stopped' ? 'stopped' : `failed: ${reason}`);
    const error = this.unavailable();
    for (const [id, call] of [...this.pending]) {
      this.settle(id, call);
      call.reject(error);
    }
    const loadError = new ModelLoadError(this.id, reason ?? 'the instance stopped before the model loaded');
    this.waiters.fail(loadError);
    this.channel?.destroy();
    // Exited once the log holds the worker's last words too.
    void this.log.close().then(this.markExited, this.markExited);
  }

  private unavailable(): InstanceUnavailableError {
    if (this.currentState === 'failed') return new InstanceUnavailableError(this.id, this.failureReason ?? 'the worker failed');
    if (this.currentState === 'stopped' || this.isStopping) return new InstanceUnavailableError(this.id, 'the instance is stopping');
    return new InstanceUnavailableError(this.id, 'the model is still loading');
  }

  private killGroup(signal: NodeJS.Signals): void {
    signalGroup(this.child?.pid, signal, this.logger);
  }
}

const emptyBody = Buffer.alloc(0);

/** Starts one instance of a deployment: its worker process begins loading the model at once (state loading). */
export function startInstance(spec: InstanceSpec): ScoringInstance {
  return new WorkerInstance(spec);
}
