import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixturesDir, irisExpected, runFixtureScript, skipWithoutPython, testPython } from '../../test/fixtures/serving/helpers.js';
import type { InstanceSpec, ScoringAnswer, ScoringCall, ScoringInstance } from './scoring-instance.js';
import { TimeoutError } from './serving-errors.js';
import { startInstance } from './worker-instance.js';

const scratch = mkdtempSync(join(tmpdir(), 'trellis-worker-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// A warning about an instance's surroundings is shown in the test's output.
const logger = { warn: (_details: Record<string, unknown>, message: string) => void process.stderr.write(`${message}\n`) };

let counter = 0;
function spec(fields: Partial<InstanceSpec> & Pick<InstanceSpec, 'runtime' | 'modelDir'>): InstanceSpec {
  const id = `ep/test/${counter++}`;
  // No __pycache__ left in the fixture folders.
  return { id, env: { PYTHONDONTWRITEBYTECODE: '1' }, logFile: join(scratch, 'logs', `${id.replaceAll('/', '-')}.log`), logger, ...fields };
}

const json = (value: unknown, protocol: 'score' | 'v2-infer' = 'score'): ScoringCall => ({
  protocol,
  contentType: 'application/json',
  body: Buffer.from(JSON.stringify(value)),
});
const raw = (text: string): ScoringCall => ({ protocol: 'score', contentType: 'application/json', body: Buffer.from(text) });
const parsed = (answer: ScoringAnswer): unknown => JSON.parse(answer.body.toString('utf8'));

function assertClose(actual: number[][], expected: number[][], tolerance = 1e-4): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((row, index) => {
    row.forEach((value, column) => {
      assert.ok(
        Math.abs(value - expected[index]![column]!) < tolerance,
        `row ${index} column ${column}: ${value} vs ${expected[index]![column]}`,
      );
    });
  });
}

async function started(instanceSpec: InstanceSpec, timeoutMs = 60_000): Promise<ScoringInstance> {
  const instance = startInstance(instanceSpec);
  await instance.ready(timeoutMs);
  assert.equal(instance.state, 'ready');
  return instance;
}

describe('onnx worker', () => {
  const iris = irisExpected();
  let instance: ScoringInstance;
  let logFile: string;
  before(async () => {
    const instanceSpec = spec({ runtime: 'onnx', modelDir: join(fixturesDir, 'iris-logreg.onnx'), modelName: 'iris', modelVersion: '3' });
    logFile = instanceSpec.logFile;
    instance = await started(instanceSpec);
  });
  after(() => instance.stop(2_000));

  it("scores Azure ML's request shapes like sklearn does", async () => {
    for (const body of [
      { data: iris.rows },
      { input_data: iris.rows },
      { X: iris.rows },
      { input_data: { columns: ['a', 'b', 'c', 'd'], index: iris.rows.map((_, i) => i), data: iris.rows } },
    ]) {
      const answer = await instance.call(json(body), 5_000);
      assert.equal(answer.status, 200, answer.body.toString());
      assert.equal(answer.contentType, 'application/json');
      const result = parsed(answer) as { label: number[]; probabilities: number[][] };
      assert.deepEqual(result.label, iris.labels);
      assertClose(result.probabilities, iris.probabilities);
    }
  });

  it('answers v2 infer with flat outputs, and only those asked for', async () => {
    const request = { id: 'r1', inputs: [{ name: 'X', shape: [iris.rows.length, 4], datatype: 'FP32', data: iris.rows.flat() }] };
    const answer = parsed(await instance.call(json(request, 'v2-infer'), 5_000)) as {
      model_name: string;
      id: string;
      outputs: Array<{ name: string; shape: number[]; datatype: string; data: number[] }>;
    };
    assert.equal(answer.model_name, 'iris');
    assert.equal(answer.id, 'r1');
    const [label, probabilities] = answer.outputs;
    assert.deepEqual(label, { name: 'label', shape: [iris.rows.length], datatype: 'INT64', data: iris.labels });
    assert.equal(probabilities?.datatype, 'FP32');
    assert.deepEqual(probabilities?.shape, [iris.rows.length, 3]);
    const only = parsed(
      await instance.call(
        json({ ...request, inputs: [{ ...request.inputs[0], data: iris.rows }], outputs: [{ name: 'label' }] }, 'v2-infer'),
        5_000,
      ),
    ) as { outputs: Array<{ name: string }> };
    assert.deepEqual(
      only.outputs.map((output) => output.name),
      ['label'],
    );
  });

  it('answers v2 metadata from the model itself', async () => {
    const answer = await instance.call({ protocol: 'v2-metadata' }, 5_000);
    assert.deepEqual(parsed(answer), {
      name: 'iris',
      versions: ['3'],
      platform: 'onnxruntime',
      inputs: [{ name: 'X', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
      ],
    });
  });

  it('answers 400 naming what the model expects for a bad shape, type or body', async () => {
    const cases: Array<[ScoringCall, RegExp]> = [
      [json({ data: [[1, 2, 3]] }), /shape \[1, 3\]/],
      [
        json({
          data: [
            [1, 2, 3, 4],
            [1, 2],
          ],
        }),
        /ragged/,
      ],
      [json({ data: [['a', 1, 2, 3]] }), /"a" where FP32 values go/],
      [raw('not json'), /not JSON/],
      [json({ inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP64', data: [1, 2, 3, 4] }] }, 'v2-infer'), /datatype FP64, not FP32/],
      [
        json({ inputs: [{ name: 'X', shape: [1, 5], datatype: 'FP32', data: [1, 2, 3, 4] }] }, 'v2-infer'),
        /4 values, its shape \[1, 5\] needs 5/,
      ],
      [json({ inputs: [{ name: 'Y', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, 'v2-infer'), /no input 'Y'/],
    ];
    for (const [call, problem] of cases) {
      const answer = await instance.call(call, 5_000);
      assert.equal(answer.status, 400, answer.body.toString());
      const { error } = parsed(answer) as { error: string };
      assert.match(error, problem);
      assert.match(error, /the model expects 'X' FP32 \[-1, 4\] \(-1: any size\)/);
    }
  });

  it('keeps many calls in flight on one connection and matches each answer to its call', async () => {
    const calls = Array.from({ length: 300 }, (_, index) => iris.rows[index % iris.rows.length]!);
    const answers = await Promise.all(calls.map((row) => instance.call(json({ data: [row] }), 10_000)));
    answers.forEach((answer, index) => {
      assert.deepEqual((parsed(answer) as { label: number[] }).label, [iris.labels[index % iris.rows.length]]);
    });
    assert.equal(instance.inFlight, 0);
    assert.equal(await instance.ping(1_000), true);
  });

  it('writes what the worker says to the instance log, with timestamps', () => {
    const log = readFileSync(logFile, 'utf8');
    assert.match(log, /^\d{4}-\d\d-\d\dT[\d:.]+Z \[trellis\] starting instance/m);
    assert.match(log, /Z onnx model loaded: inputs X FP32 \[-1, 4\]/);
    assert.match(log, /\[trellis\] model loaded in \d+ ms/);
  });
});

describe('onnx worker, other models and failures', () => {
  it('turns a ZipMap output (a sequence of maps) into JSON objects, and a tensor in v2', async () => {
    const iris = irisExpected();
    const instance = await started(spec({ runtime: 'onnx', modelDir: join(fixturesDir, 'iris-logreg-zipmap.onnx') }));
    try {
      const scored = parsed(await instance.call(json({ data: iris.rows.slice(0, 2) }), 5_000)) as {
        output_label: number[];
        output_probability: Array<Record<string, number>>;
      };
      assert.deepEqual(scored.output_label, iris.labels.slice(0, 2));
      assert.deepEqual(Object.keys(scored.output_probability[0]!), ['0', '1', '2']);
      assertClose(
        scored.output_probability.map((map) => Object.values(map)),
        iris.probabilities.slice(0, 2),
      );
      const v2 = parsed(
        await instance.call(json({ inputs: [{ name: 'X', shape: [1, 4], datatype: 'FP32', data: iris.rows[0] }] }, 'v2-infer'), 5_000),
      ) as { outputs: Array<{ name: string; shape: number[] }> };
      assert.deepEqual(
        v2.outputs.map((output) => [output.name, output.shape]),
        [
          ['output_label', [1]],
          ['output_probability', [1, 3]],
        ],
      );
    } finally {
      await instance.stop(2_000);
    }
  });

  it('fails with the reason when the model folder has no .onnx file', async () => {
    const empty = mkdtempSync(join(scratch, 'empty-model-'));
    writeFileSync(join(empty, 'README.md'), 'no model here');
    const instance = startInstance(spec({ runtime: 'onnx', modelDir: empty }));
    await assert.rejects(instance.ready(30_000), /no \.onnx file in the model folder/);
    await instance.exited;
    assert.equal(instance.state, 'failed');
    assert.match(instance.failure ?? '', /^the model could not load: no \.onnx file/);
    await assert.rejects(instance.call(json({ data: [] }), 1_000), /could not answer: the model could not load/);
  });

  it('rejects the calls in flight when the worker is killed', async () => {
    const instance = await started(spec({ runtime: 'onnx', modelDir: join(fixturesDir, 'iris-logreg.onnx') }));
    const answers = Array.from({ length: 50 }, () =>
      instance.call(json({ data: [[5.1, 3.5, 1.4, 0.2]] }), 10_000).then(
        () => 'answered',
        (error: Error) => error.message,
      ),
    );
    process.kill(instance.pid!, 'SIGKILL');
    await instance.exited;
    assert.equal(instance.state, 'failed');
    assert.match(instance.failure ?? '', /killed by SIGKILL/);
    for (const outcome of await Promise.all(answers))
      assert.ok(outcome === 'answered' || /worker process was killed by SIGKILL/.test(outcome), outcome);
    assert.equal(instance.inFlight, 0);
  });

  it('stops with SIGTERM after its calls are answered', async () => {
    const instance = await started(spec({ runtime: 'onnx', modelDir: join(fixturesDir, 'iris-logreg.onnx') }));
    const pid = instance.pid!;
    const answer = instance.call(json({ data: [[5.1, 3.5, 1.4, 0.2]] }), 5_000);
    await instance.stop(5_000);
    assert.equal((await answer).status, 200);
    assert.equal(instance.state, 'stopped');
    assert.equal(instance.failure, undefined);
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });
});

describe('onnx worker on a model trained and exported here (skl2onnx)', { skip: skipWithoutPython() }, () => {
  it('predicts what sklearn predicts', async () => {
    const out = mkdtempSync(join(scratch, 'trained-'));
    await runFixtureScript('make-models.py', [out]);
    const iris = irisExpected(out);
    const instance = await started(spec({ runtime: 'onnx', modelDir: join(out, 'iris-logreg.onnx') }));
    try {
      const result = parsed(await instance.call(json({ data: iris.rows }), 5_000)) as { label: number[]; probabilities: number[][] };
      assert.deepEqual(result.label, iris.labels);
      assertClose(result.probabilities, iris.probabilities);
    } finally {
      await instance.stop(2_000);
    }
  });
});

describe('python workers', { skip: skipWithoutPython() }, () => {
  const python = testPython();
  const codeDir = join(fixturesDir, 'python-scoring');

  it('runtime mlflow serves a model saved by the real mlflow client, in every input format', async () => {
    const out = mkdtempSync(join(scratch, 'mlflow-'));
    await runFixtureScript('make-mlflow-model.py', [out]);
    const expected = JSON.parse(readFileSync(join(out, 'expected.json'), 'utf8')) as {
      columns: string[];
      rows: number[][];
      labels: number[];
    };
    const instanceSpec = spec({ runtime: 'mlflow', modelDir: join(out, 'model'), python, modelName: 'iris-mlflow' });
    const instance = await started(instanceSpec, 120_000);
    try {
      const split = { columns: expected.columns, index: expected.rows.map((_, index) => index), data: expected.rows };
      for (const body of [{ input_data: split }, { input_data: expected.rows }, { dataframe_split: split }, { inputs: expected.rows }]) {
        const answer = await instance.call(json(body), 30_000);
        assert.equal(answer.status, 200, answer.body.toString());
        assert.deepEqual(parsed(answer), expected.labels);
      }
      const v2 = parsed(
        await instance.call(
          json(
            { inputs: [{ name: 'features', shape: [expected.rows.length, 4], datatype: 'FP64', data: expected.rows.flat() }] },
            'v2-infer',
          ),
          30_000,
        ),
      );
      assert.deepEqual(v2, {
        model_name: 'iris-mlflow',
        model_version: '1',
        outputs: [{ name: 'output-0', shape: [expected.rows.length], datatype: 'INT64', data: expected.labels }],
      });
      const metadata = parsed(await instance.call({ protocol: 'v2-metadata' }, 5_000)) as {
        platform: string;
        inputs: Array<{ name: string; datatype: string }>;
      };
      assert.equal(metadata.platform, 'mlflow');
      assert.deepEqual(
        metadata.inputs.map((input) => `${input.name} ${input.datatype}`),
        expected.columns.map((column) => `${column} FP64`),
      );
      const bad = await instance.call(json({ input_data: [[1, 2]] }), 30_000);
      assert.equal(bad.status, 400);
      assert.match((parsed(bad) as { error: string }).error, /the model expects 'sepal_length' FP64/);
      assert.equal((await instance.call(raw('{'), 5_000)).status, 400);
    } finally {
      await instance.stop(5_000);
    }
  });

  it('runtime python-script calls init() once and run(raw_data) per call; errors are 500 with the last traceback line', async () => {
    const instanceSpec = spec({ runtime: 'python-script', modelDir: fixturesDir, codeDir, scoringScript: 'score.py', python });
    const instance = await started(instanceSpec);
    try {
      const answer = await instance.call(
        json({
          data: [
            [1, 2],
            [3, 4],
          ],
        }),
        10_000,
      );
      assert.equal(answer.status, 200);
      assert.equal((parsed(answer) as { sums: number[] }).sums.join(), '3,7');
      const text = await instance.call(json({ text: 'as it is' }), 10_000);
      assert.equal(text.body.toString(), 'as it is');
      assert.match(text.contentType, /^text\/plain/);
      const failed = await instance.call(json({ fail: 'oops' }), 10_000);
      assert.equal(failed.status, 500);
      assert.deepEqual(parsed(failed), { error: 'ValueError: failing as asked: oops' });
      assert.equal((await instance.call(json({ data: [[1]] }), 10_000)).status, 200, 'the worker goes on after a failed call');
      assert.equal(await instance.ping(2_000), true);
    } finally {
      await instance.stop(5_000);
    }
    const log = readFileSync(instanceSpec.logFile, 'utf8');
    assert.match(log, /init: \d+ file\(s\) in the model folder/);
    assert.match(log, /Traceback \(most recent call last\)/);
    assert.match(log, /score\.py", line \d+, in run/);
  });

  it('a script whose init() raises leaves the instance failed with that reason', async () => {
    const instance = startInstance(
      spec({ runtime: 'python-script', modelDir: fixturesDir, codeDir, scoringScript: 'failing_init.py', python }),
    );
    await assert.rejects(instance.ready(60_000), /weights\.bin is missing/);
    await instance.exited;
    assert.equal(instance.state, 'failed');
    assert.equal(instance.failure, 'the model could not load: RuntimeError: cannot open the model: weights.bin is missing');
  });

  it('an mlflow model folder that cannot load leaves the instance failed with the reason', async () => {
    const broken = mkdtempSync(join(scratch, 'broken-mlflow-'));
    writeFileSync(join(broken, 'MLmodel'), 'flavors: {python_function: {loader_module: no_such_module_here}}\n');
    const instance = startInstance(spec({ runtime: 'mlflow', modelDir: broken, python }));
    await assert.rejects(instance.ready(120_000), /could not load/);
    assert.match(instance.failure ?? '', /the model could not load: .*no_such_module_here/);
  });
});

describe('node-script worker', () => {
  const codeDir = join(fixturesDir, 'node-scoring');

  it('calls init() once and run(rawData) per call (ESM, async)', async () => {
    const modelDir = mkdtempSync(join(scratch, 'node-model-'));
    writeFileSync(join(modelDir, 'weights.json'), '[]');
    writeFileSync(join(modelDir, 'vocabulary.txt'), '');
    const instanceSpec = spec({ runtime: 'node-script', modelDir, codeDir, scoringScript: 'score.mjs' });
    const instance = await started(instanceSpec);
    try {
      const answer = await instance.call(json({ echo: 'hi' }), 5_000);
      assert.deepEqual(parsed(answer), { echo: 'hi', modelFiles: 2, pid: instance.pid });
      const text = await instance.call(json({ text: '[1,2]' }), 5_000);
      assert.equal(text.body.toString(), '[1,2]');
      assert.equal(text.contentType, 'application/json');
      const failed = await instance.call(json({ fail: 'now' }), 5_000);
      assert.equal(failed.status, 500);
      assert.deepEqual(parsed(failed), { error: 'Error: failing as asked: now' });
      const v2 = await instance.call(json({ inputs: [] }, 'v2-infer'), 5_000);
      assert.equal(v2.status, 400);
    } finally {
      await instance.stop(2_000);
    }
    const log = readFileSync(instanceSpec.logFile, 'utf8');
    assert.match(log, /init: 2 file\(s\) in the model folder/);
    assert.match(log, /run\(\) failed: Error: failing as asked: now/);
  });

  it('takes CommonJS and TypeScript modules too', async () => {
    const cjs = await started(spec({ runtime: 'node-script', modelDir: fixturesDir, codeDir, scoringScript: 'score.cjs' }));
    const ts = await started(spec({ runtime: 'node-script', modelDir: fixturesDir, codeDir, scoringScript: 'score.ts' }));
    try {
      assert.deepEqual(parsed(await cjs.call(raw('abcd'), 5_000)), { kind: 'cjs', length: 4 });
      assert.deepEqual(parsed(await ts.call(json({ values: [1, 2.5] }), 5_000)), { doubled: [2, 5] });
    } finally {
      await Promise.all([cjs.stop(2_000), ts.stop(2_000)]);
    }
  });

  it('a module whose init() throws leaves the instance failed with that reason', async () => {
    const instance = startInstance(spec({ runtime: 'node-script', modelDir: fixturesDir, codeDir, scoringScript: 'failing-init.mjs' }));
    await assert.rejects(instance.ready(30_000), /weights file is corrupt/);
    assert.equal(instance.failure, 'the model could not load: the weights file is corrupt');
  });

  it('times a slow call out and keeps serving', async () => {
    const instance = await started(spec({ runtime: 'node-script', modelDir: fixturesDir, codeDir, scoringScript: 'score.mjs' }));
    try {
      await assert.rejects(
        instance.call(json({ sleep: 2_000 }), 100),
        (error: Error) => error instanceof TimeoutError && error.status === 504 && /did not answer within 100 ms/.test(error.message),
      );
      assert.equal(instance.inFlight, 0);
      assert.equal((await instance.call(json({ echo: 1 }), 5_000)).status, 200);
    } finally {
      await instance.stop(100);
    }
  });
});
