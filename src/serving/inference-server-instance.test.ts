import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { EnvironmentSpec } from '../core/environments/environment-spec.js';
import { buildEnvironment } from '../services/environments/build-environment.js';
import { startInferenceServerInstance } from './inference-server-instance.js';
import type { InstanceSpec, ScoringAnswer, ScoringInstance } from './scoring-instance.js';
import { TimeoutError } from './serving-errors.js';
import { startInstance as startWorkerInstance } from './worker-instance.js';
import { waitFor } from '../../test/support/wait-for.js';

/**
 * Azure ML's inference server (azmlinfsrv) run by InferenceServerInstance, in a virtualenv with
 * azureml-inference-server-http built once into <repo>/.cache/environments (shared with the
 * integration tests, like a machine's image cache), against small scoring scripts written here.
 */

const repositoryRoot = resolve(import.meta.dirname, '..', '..');
const environmentCache = process.env.TRELLIS_ENV_CACHE ?? join(repositoryRoot, '.cache', 'environments');
const environmentSpec: EnvironmentSpec = {
  conda_file: { dependencies: ['python=3.11', { pip: ['azureml-inference-server-http', 'inference-schema'] }] },
};

// pip's words when PyPI cannot be reached: the only reason these tests skip.
const offline =
  /NewConnectionError|Temporary failure in name resolution|Network is unreachable|No matching distribution found|Could not find a version that satisfies/;

async function serverPython(): Promise<{ python: string } | { skip: string }> {
  const lines: string[] = [];
  try {
    const built = await buildEnvironment(
      environmentSpec,
      environmentCache,
      async (line) => void lines.push(line),
      pino({ level: 'silent' }),
    );
    return { python: join(built.binDir!, 'python') };
  } catch (error) {
    const message = `${(error as Error).message}\n${lines.join('\n')}`;
    if (offline.test(message))
      return { skip: `SKIPPED: pip cannot reach PyPI to install azureml-inference-server-http (${message.match(offline)![0]})` };
    throw error;
  }
}

const environment = await serverPython();
if ('skip' in environment) process.stderr.write(`\n*** inference-server-instance tests ${environment.skip} ***\n\n`);
const skip = 'skip' in environment ? environment.skip : false;

const scratch = mkdtempSync(join(tmpdir(), 'trellis-azmlinfsrv-'));
const codeDir = join(scratch, 'code');
const modelDir = join(scratch, 'model');
mkdirSync(codeDir);
mkdirSync(join(modelDir, 'model'), { recursive: true });
writeFileSync(join(modelDir, 'model', 'weights.txt'), '3\n');

writeFileSync(
  join(codeDir, 'plain.py'),
  `import json, logging, os, time

def init():
    global factor
    factor = int(open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "weights.txt")).read())
    logging.info("plain init: factor %d", factor)

def run(raw_data):
    data = json.loads(raw_data)
    logging.info("plain run got %s", raw_data)
    time.sleep(data.get("sleep", 0))
    return {"times": [value * factor for value in data.get("data", [])], "raw": raw_data}
`,
);
writeFileSync(
  join(codeDir, 'schema.py'),
  `from inference_schema.schema_decorators import input_schema, output_schema
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

def init():
    pass

@input_schema(param_name="lengths", param_type=StandardPythonParameterType([7.2, 4.2]))
@input_schema(param_name="unit", param_type=StandardPythonParameterType("cm"))
@output_schema(output_type=StandardPythonParameterType({"total": 11.4, "unit": "cm"}))
def run(lengths, unit):
    return {"total": sum(lengths), "unit": unit}
`,
);
writeFileSync(
  join(codeDir, 'raw.py'),
  `import json
from azureml.contrib.services.aml_request import AMLRequest, rawhttp
from azureml.contrib.services.aml_response import AMLResponse

def init():
    pass

@rawhttp
def run(request: AMLRequest):
    if request.method == "GET":
        answer = {"name": request.args.get("name"), "caller": request.headers.get("X-Caller"), "authorization": request.headers.get("Authorization")}
        return AMLResponse(json.dumps(answer), 200, {"Content-Type": "application/json", "X-Answer": "from-get"})
    body = request.get_data()
    if not body:
        return AMLResponse("send a file", 422)
    return AMLResponse(body[::-1], 201, {"Content-Type": "application/octet-stream"})
`,
);
writeFileSync(
  join(codeDir, 'failing.py'),
  `def init():
    raise RuntimeError("cannot open the model: weights.bin is missing")

def run(raw_data):
    return raw_data
`,
);

// A warning about an instance's surroundings is shown in the test's output.
const logger = { warn: (_details: Record<string, unknown>, message: string) => void process.stderr.write(`${message}\n`) };

let counter = 0;
function spec(scoringScript: string): InstanceSpec {
  const id = `ep/azmlinfsrv/${counter++}`;
  const python = 'python' in environment ? environment.python : 'python3';
  return {
    id,
    runtime: 'azureml-inference-server',
    modelDir,
    codeDir,
    scoringScript,
    python,
    env: { PYTHONDONTWRITEBYTECODE: '1' },
    logFile: join(scratch, 'logs', `${id.replaceAll('/', '-')}.log`),
    logger,
  };
}

const post = (value: unknown, headers: Record<string, string> = {}) => ({
  protocol: 'score' as const,
  method: 'POST' as const,
  contentType: 'application/json',
  body: Buffer.from(JSON.stringify(value)),
  headers,
});
const parsed = (answer: ScoringAnswer): unknown => JSON.parse(answer.body.toString('utf8'));

/** The pids of a process's children (gunicorn's workers under its master). */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text ? text.split(/\s+/).map(Number) : [];
}

/** Whether a process is running (a zombie waiting for its parent to reap it is not). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('Azure ML inference server instance (azmlinfsrv)', { skip }, () => {
  const started: Record<'plain' | 'schema' | 'raw', { instance: ScoringInstance; spec: InstanceSpec }> = {} as never;

  before(async () => {
    // All three boot at once: each is a gunicorn master and one worker.
    for (const name of ['plain', 'schema', 'raw'] as const) {
      const instanceSpec = spec(`${name}.py`);
      started[name] = { instance: startInferenceServerInstance(instanceSpec), spec: instanceSpec };
    }
    await Promise.all(Object.values(started).map(({ instance }) => instance.ready(120_000)));
  });
  after(async () => {
    await Promise.all(Object.values(started).map(({ instance }) => instance?.stop(5_000)));
    rmSync(scratch, { recursive: true, force: true });
  });

  it('calls a plain run(raw_data) with the body as text, answers as Azure does, and logs what the script logs', async () => {
    const { instance, spec: instanceSpec } = started.plain;
    assert.equal(instance.state, 'ready');
    assert.equal(await instance.ping(2_000), true);
    const answer = await instance.call(post({ data: [1, 2] }), 10_000);
    assert.equal(answer.status, 200, answer.body.toString());
    assert.equal(answer.contentType, 'application/json');
    assert.deepEqual(parsed(answer), { times: [3, 6], raw: '{"data":[1,2]}' });
    assert.equal(answer.headers?.['x-ms-run-function-failed'], 'False');
    assert.match(answer.headers?.['x-ms-server-version'] ?? '', /^azmlinfsrv\//);
    // GET: azmlinfsrv hands run() the query string's parameters as a JSON string.
    const viaGet = await instance.call(
      { protocol: 'score', method: 'GET', query: 'data=[4]', contentType: 'application/json', body: Buffer.alloc(0) },
      10_000,
    );
    assert.deepEqual(parsed(viaGet), { times: [12], raw: '{"data": [4]}' });
    const log = readFileSync(instanceSpec.logFile, 'utf8');
    assert.match(log, /root - plain init: factor 3/);
    assert.match(log, /root - plain run got \{"data":\[1,2\]\}/);
    assert.match(log, /\[trellis\] azmlinfsrv answers on 127\.0\.0\.1:\d+: ready/);
    // Instances do not share (and fight over) gunicorn's per-user control socket.
    assert.doesNotMatch(log, /Control socket listening/);
  });

  it('times a slow call out, and answers the next one', async () => {
    const { instance } = started.plain;
    await assert.rejects(instance.call(post({ sleep: 1, data: [1] }), 300), TimeoutError);
    const next = await instance.call(post({ data: [5] }), 10_000);
    assert.deepEqual((parsed(next) as { times: number[] }).times, [15]);
    assert.equal(instance.inFlight, 0);
  });

  it('calls an @input_schema run(**parsed) with the named inputs, and serves swagger.json from its schemas', async () => {
    const { instance } = started.schema;
    const answer = await instance.call(post({ lengths: [1.5, 2.5], unit: 'mm' }), 10_000);
    assert.equal(answer.status, 200, answer.body.toString());
    assert.deepEqual(parsed(answer), { total: 4, unit: 'mm' });
    const missing = await instance.call(post({ lengths: [1] }), 10_000);
    assert.equal(missing.status, 400);
    assert.match((parsed(missing) as { message: string }).message, /'unit'/);

    const swagger = await instance.call({ protocol: 'swagger', query: '' }, 10_000);
    assert.equal(swagger.status, 200);
    const document = parsed(swagger) as {
      swagger: string;
      definitions: { ServiceInput: { properties: Record<string, unknown> }; ServiceOutput: unknown };
    };
    assert.equal(document.swagger, '2.0');
    assert.deepEqual(Object.keys(document.definitions.ServiceInput.properties).sort(), ['lengths', 'unit']);
    const openapi = parsed(await instance.call({ protocol: 'swagger', query: 'version=3' }, 10_000)) as {
      openapi: string;
      components: { schemas: Record<string, unknown> };
    };
    assert.match(openapi.openapi, /^3\./);
    assert.ok(openapi.components.schemas.ServiceInput);
    const unknown = await instance.call({ protocol: 'swagger', query: 'version=9' }, 10_000);
    assert.equal(unknown.status, 404);
  });

  it('hands a @rawhttp run() the request (method, query, headers) and passes its AMLResponse on: status, body, headers', async () => {
    const { instance } = started.raw;
    const viaGet = await instance.call(
      {
        protocol: 'score',
        method: 'GET',
        query: 'name=iris',
        contentType: 'application/json',
        body: Buffer.alloc(0),
        headers: { 'x-caller': 'tests' },
      },
      10_000,
    );
    assert.equal(viaGet.status, 200, viaGet.body.toString());
    assert.deepEqual(parsed(viaGet), { name: 'iris', caller: 'tests', authorization: null });
    assert.equal(viaGet.headers?.['x-answer'], 'from-get');

    const refused = await instance.call({ protocol: 'score', contentType: 'application/octet-stream', body: Buffer.alloc(0) }, 10_000);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.toString(), 'send a file');
    assert.match(refused.contentType, /^text\/html/);

    const bytes = await instance.call({ protocol: 'score', contentType: 'application/octet-stream', body: Buffer.from([1, 2, 3]) }, 10_000);
    assert.equal(bytes.status, 201);
    assert.equal(bytes.contentType, 'application/octet-stream');
    assert.deepEqual([...bytes.body], [3, 2, 1]);
  });

  it('answers v2 metadata and refuses v2 infer, which azmlinfsrv does not speak', async () => {
    const { instance } = started.plain;
    assert.equal((await instance.call({ protocol: 'v2-metadata' }, 5_000)).status, 200);
    const infer = await instance.call({ protocol: 'v2-infer', contentType: 'application/json', body: Buffer.from('{}') }, 5_000);
    assert.equal(infer.status, 400);
    assert.match(infer.body.toString(), /\/score only/);
  });

  it('a script whose init() raises leaves the instance failed with that exception', async () => {
    const instanceSpec = spec('failing.py');
    const instance = startInferenceServerInstance(instanceSpec);
    await assert
      .rejects(instance.ready(120_000), /init\(\) failed: RuntimeError: cannot open the model: weights\.bin is missing/)
      .finally(() => instance.stop(0));
    await instance.exited;
    assert.equal(instance.state, 'failed');
    assert.match(
      instance.failure ?? '',
      /^azmlinfsrv exited with code 3 before it was ready: init\(\) failed: RuntimeError: cannot open the model/,
    );
    assert.match(readFileSync(instanceSpec.logFile, 'utf8'), /User's init function failed/);
  });

  it("logs the script's logging lines on Trellis's own worker too, where a script's own basicConfig wins", async () => {
    writeFileSync(
      join(codeDir, 'configured.py'),
      `import logging\nlogging.basicConfig(level=logging.DEBUG, format="script-format %(levelname)s %(message)s")\n\ndef init():\n    logging.debug("configured init")\n\ndef run(raw_data):\n    return raw_data\n`,
    );
    for (const scoringScript of ['plain.py', 'configured.py']) {
      const instanceSpec = { ...spec(scoringScript), runtime: 'python-script' as const };
      const instance = startWorkerInstance(instanceSpec);
      try {
        await instance.ready(60_000);
        if (scoringScript === 'plain.py') assert.equal((await instance.call(post({ data: [2] }), 10_000)).status, 200);
      } finally {
        await instance.stop(5_000);
      }
      const log = readFileSync(instanceSpec.logFile, 'utf8');
      if (scoringScript === 'plain.py') assert.match(log, /root - plain init: factor 3[\s\S]*root - plain run got/);
      else assert.match(log, /script-format DEBUG configured init/);
    }
  });

  it('stops by itself when the Trellis process that started it dies', async () => {
    // A Node process that starts an instance and then is killed with SIGKILL, cleaning nothing up.
    const script = join(scratch, 'owner.mts');
    const instanceSpec = spec('plain.py');
    writeFileSync(
      script,
      `import { startInferenceServerInstance } from ${JSON.stringify(join(import.meta.dirname, 'inference-server-instance.ts'))};
const instance = startInferenceServerInstance(${JSON.stringify(instanceSpec)});
await instance.ready(60_000);
console.log(instance.pid);
setInterval(() => {}, 1_000);
`,
    );
    const owner = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const master = Number(
      await new Promise<string>((resolvePid) => owner.stdout.once('data', (chunk: Buffer) => resolvePid(chunk.toString().trim()))),
    );
    const processes = [master, ...childrenOf(master)];
    assert.equal(processes.length, 2);
    owner.kill('SIGKILL');
    await waitFor(() => processes.filter(isRunning), {
      what: 'gunicorn to end with the process that started it',
      until: (running) => running.length === 0,
      timeoutMs: 10_000,
    });
  });

  it('stop ends gunicorn and its worker, and calls after it are refused', async () => {
    const instanceSpec = spec('plain.py');
    const instance = startInferenceServerInstance(instanceSpec);
    await instance.ready(120_000);
    const master = instance.pid!;
    const workers = childrenOf(master);
    assert.equal(workers.length, 1, `gunicorn's workers: ${workers.join(', ')}`);
    await instance.stop(5_000);
    assert.equal(instance.state, 'stopped');
    // The worker is gone too (it may take its parent's exit a moment to be reaped).
    await waitFor(() => [master, ...workers].filter(isRunning), {
      what: "gunicorn's master and worker to end",
      until: (running) => running.length === 0,
      timeoutMs: 2_000,
    });
    await assert.rejects(instance.call(post({ data: [1] }), 1_000), /stopping/);
    assert.match(readFileSync(instanceSpec.logFile, 'utf8'), /\[trellis\] stopped/);
  });
});
