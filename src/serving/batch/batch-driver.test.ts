import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseCsv, splitAnswer } from './batch-driver.js';
import { waitFor } from '../../../test/support/wait-for.js';

const here = dirname(fileURLToPath(import.meta.url));
const driver = join(here, 'batch-driver.ts');
const onnxModel = join(here, '..', '..', '..', 'test', 'fixtures', 'serving', 'iris-logreg.onnx');
const rowsPerFile = 3;

const settings = (miniBatchSize: number) =>
  Buffer.from(
    JSON.stringify({
      mini_batch_size: miniBatchSize,
      max_concurrency_per_instance: 2,
      output_action: 'append_row',
      output_file_name: 'predictions.csv',
      retry_settings: { max_retries: 2, timeout: 30 },
      error_threshold: -1,
      logging_level: 'info',
    }),
  ).toString('base64');

function runDriver(folder: string, miniBatchSize: number) {
  const args = [
    '--import',
    'tsx',
    driver,
    '--input',
    join(folder, 'in'),
    '--model',
    join(folder, 'model'),
    '--output',
    join(folder, 'out'),
    '--checkpoints',
    join(folder, 'checkpoints'),
    '--settings',
    settings(miniBatchSize),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function ledgerLines(folder: string): Promise<number> {
  return (await readFile(join(folder, 'checkpoints', 'ledger.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}

describe('the batch driver', () => {
  let folder: string;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'trellis-batch-driver-'));
    await mkdir(join(folder, 'in'), { recursive: true });
    await mkdir(join(folder, 'model'), { recursive: true });
    await copyFile(onnxModel, join(folder, 'model', 'model.onnx'));
    for (let index = 0; index < 1_000; index++) {
      await writeFile(
        join(folder, 'in', `part-${String(index).padStart(4, '0')}.csv`),
        `sepal_length,sepal_width,petal_length,petal_width\n${Array.from({ length: rowsPerFile }, (_, row) => `5.${row},3.5,1.4,0.${index % 9}`).join('\n')}\n`,
      );
    }
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('resumes after a kill -9 without scoring a finished mini-batch again: every row exactly once', async () => {
    // Mini-batches of one file: many ledger lines, so the kill lands mid-way.
    const first = runDriver(folder, 1);
    await waitFor(
      () => {
        if (first.child.exitCode !== null) assert.fail(`the driver ended before it could be killed: ${first.output()}`);
        return ledgerLines(folder);
      },
      { what: '100 finished mini-batches', until: (lines) => lines >= 100, timeoutMs: 120_000, intervalMs: 20 },
    );
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited;
    const before = await ledgerLines(folder);
    assert.ok(before < 1_000, `killed after ${before} mini-batches`);

    const second = runDriver(folder, 1);
    assert.equal(await second.exited, 0, second.output());
    assert.match(second.output(), new RegExp(`${before} finished before`));
    const lines = (await readFile(join(folder, 'out', 'predictions.csv'), 'utf8')).trim().split('\n');
    assert.equal(lines[0], 'file,row,prediction');
    const keys = lines.slice(1).map((line) => line.split(',').slice(0, 2).join(','));
    assert.equal(keys.length, 1_000 * rowsPerFile);
    assert.equal(new Set(keys).size, 1_000 * rowsPerFile);
    // The ledger has one line per mini-batch: none was recorded twice.
    assert.equal(await ledgerLines(folder), 1_000);
    const summary = JSON.parse(await readFile(join(folder, 'out', 'batch-summary.json'), 'utf8')) as { succeeded: number; rows: number };
    assert.deepEqual([summary.succeeded, summary.rows], [1_000, 3_000]);
  });
});

describe('the batch driver on two nodes', () => {
  let folder: string;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'trellis-batch-nodes-'));
    await mkdir(join(folder, 'in'), { recursive: true });
    await mkdir(join(folder, 'model'), { recursive: true });
    await copyFile(onnxModel, join(folder, 'model', 'model.onnx'));
    for (let index = 0; index < 40; index++)
      await writeFile(join(folder, 'in', `f${String(index).padStart(2, '0')}.csv`), `5.1,3.5,1.4,0.${index % 9}\n6.3,3.3,6.0,2.5\n`);
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const node = (rank: number) => {
    const args = [
      '--import',
      'tsx',
      driver,
      '--input',
      join(folder, 'in'),
      '--model',
      join(folder, 'model'),
      '--output',
      join(folder, 'out'),
      '--checkpoints',
      join(folder, 'checkpoints'),
      '--settings',
      settings(1),
      '--nodes',
      '2',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_RANK: String(rank) } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return new Promise<{ code: number | null; output: string }>((resolve) => child.on('exit', (code) => resolve({ code, output })));
  };

  it('splits the mini-batches between the nodes; node 0 waits for the other and writes every row once', async () => {
    const [first, second] = await Promise.all([node(0), node(1)]);
    assert.equal(first.code, 0, first.output);
    assert.equal(second.code, 0, second.output);
    assert.match(first.output, /node 0 of 2/);
    assert.match(second.output, /node 1: its share is done/);
    for (const rank of [0, 1]) {
      const lines = (await readFile(join(folder, 'checkpoints', `ledger-${rank}.jsonl`), 'utf8')).trim().split('\n');
      assert.equal(lines.length, 20, `node ${rank} finished ${lines.length} mini-batches`);
    }
    const rows = (await readFile(join(folder, 'out', 'predictions.csv'), 'utf8')).trim().split('\n').slice(1);
    const keys = rows.map((line) => line.split(',').slice(0, 2).join(','));
    assert.equal(keys.length, 80);
    assert.equal(new Set(keys).size, 80);
  });

  it('refuses a rank that is not a node of the job', async () => {
    const args = [
      '--import',
      'tsx',
      driver,
      '--input',
      join(folder, 'in'),
      '--model',
      join(folder, 'model'),
      '--output',
      join(folder, 'out2'),
      '--settings',
      settings(1),
      '--nodes',
      '2',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_RANK: '2' } });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 2);
    assert.match(output, /NODE_RANK 0 \.\. count-1/);
  });
});

describe('the batch driver with bad input', () => {
  let folder: string;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'trellis-batch-bad-'));
    await mkdir(join(folder, 'in'), { recursive: true });
    await mkdir(join(folder, 'model'), { recursive: true });
    await copyFile(onnxModel, join(folder, 'model', 'model.onnx'));
    for (const name of ['a', 'b', 'c', 'd']) await writeFile(join(folder, 'in', `${name}.csv`), '5.1,3.5,1.4,0.2\n');
    // A row the model cannot take: it answers 400, every attempt.
    await writeFile(join(folder, 'in', 'bad.csv'), 'f1,f2,f3,f4\n5.1,not-a-number,1.4,0.2\n');
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const run = (name: string, errorThreshold: number) => {
    const encoded = Buffer.from(
      JSON.stringify({
        mini_batch_size: 1,
        max_concurrency_per_instance: 1,
        output_action: 'append_row',
        retry_settings: { max_retries: 1, timeout: 30 },
        error_threshold: errorThreshold,
        logging_level: 'info',
      }),
    ).toString('base64');
    const args = [
      '--import',
      'tsx',
      driver,
      '--input',
      join(folder, 'in'),
      '--model',
      join(folder, 'model'),
      '--output',
      join(folder, name),
      '--checkpoints',
      join(folder, `${name}-checkpoints`),
      '--settings',
      encoded,
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return new Promise<{ code: number | null; output: string }>((resolve) => child.on('exit', (code) => resolve({ code, output })));
  };

  it('retries a failing mini-batch max_retries times, records it failed, and goes on under error_threshold -1', async () => {
    const { code, output } = await run('unlimited', -1);
    assert.equal(code, 0, output);
    assert.equal(output.match(/mini-batch \d+-\w+ attempt \d failed/g)?.length, 2, output);
    const summary = JSON.parse(await readFile(join(folder, 'unlimited', 'batch-summary.json'), 'utf8')) as {
      succeeded: number;
      failed: number;
      failedFiles: number;
    };
    assert.deepEqual([summary.succeeded, summary.failed, summary.failedFiles], [4, 1, 1]);
    assert.equal((await readFile(join(folder, 'unlimited', 'predictions.csv'), 'utf8')).trim().split('\n').length, 1 + 4);
  });

  it('stops with exit code 1 once failed files pass error_threshold', async () => {
    const { code, output } = await run('strict', 0);
    assert.equal(code, 1, output);
    assert.match(output, /past error_threshold 0: stopping/);
  });
});

describe('parseCsv and splitAnswer', () => {
  it('drops a header, keeps numbers as numbers', () => {
    assert.deepEqual(parseCsv('a,b\n1,2\n3,4\n\n'), [
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(parseCsv('1,2\n'), [[1, 2]]);
  });

  it('types each column as pandas does: a column with any text in it is text throughout, an empty number is null', () => {
    // heart-unlabeled-2.csv of the heart-classifier example: `thal` is mostly names, twice a digit.
    assert.deepEqual(parseCsv('age,oldpeak,thal\n63,2.3,fixed\n59,1.0,1\n57,,normal\n'), [
      [63, 2.3, 'fixed'],
      [59, 1, '1'],
      [57, null, 'normal'],
    ]);
  });

  it('splits an array or an object of per-row arrays into rows, and refuses anything else', () => {
    assert.deepEqual(splitAnswer([1, 2], 2), [1, 2]);
    assert.deepEqual(splitAnswer({ label: [0, 1], p: [[1], [2]] }, 2), [
      { label: 0, p: [1] },
      { label: 1, p: [2] },
    ]);
    assert.throws(() => splitAnswer([1], 2), /one prediction per row/);
  });
});

describe('the batch driver with a scoring script (Azure ML batch contract: init() and run(mini_batch))', () => {
  let folder: string;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'trellis-batch-script-'));
    await mkdir(join(folder, 'in', 'nested'), { recursive: true });
    // The model input is the model's own folder ('model'), under the folder that is AZUREML_MODEL_DIR, as Azure ML lays it out.
    await mkdir(join(folder, 'models', 'model'), { recursive: true });
    await mkdir(join(folder, 'code'), { recursive: true });
    await writeFile(join(folder, 'models', 'model', 'factor.txt'), '10\n');
    for (let index = 0; index < 7; index++) await writeFile(join(folder, 'in', index === 6 ? 'nested' : '', `f${index}.txt`), `${index}\n`);
    // Each file's number times the model's factor; one row per file, a CSV row made of an array.
    await writeFile(
      join(folder, 'code', 'score.mjs'),
      [
        "import { readFileSync, writeFileSync } from 'node:fs';",
        "import { basename, join } from 'node:path';",
        'let factor;',
        "export function init() { factor = Number(readFileSync(join(process.env.AZUREML_MODEL_DIR, 'model', 'factor.txt'), 'utf8')); writeFileSync(join(process.env.AZUREML_BI_OUTPUT_PATH, 'init-' + process.pid), 'ok'); }",
        "export function run(miniBatch) { return miniBatch.filter((path) => !path.endsWith('f5.txt')).map((path) => [basename(path), Number(readFileSync(path, 'utf8')) * factor]); }",
      ].join('\n'),
    );
    await writeFile(
      join(folder, 'code', 'score.py'),
      [
        'import os',
        'def init():',
        '    global factor',
        "    factor = int(open(os.path.join(os.environ['AZUREML_MODEL_DIR'], 'model', 'factor.txt')).read())",
        'def run(mini_batch):',
        "    return [f'{os.path.basename(path)} {int(open(path).read()) * factor}' for path in mini_batch]",
      ].join('\n'),
    );
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const run = (name: string, script: string, errorThreshold: number) => {
    const encoded = Buffer.from(
      JSON.stringify({
        mini_batch_size: 2,
        max_concurrency_per_instance: 2,
        output_action: 'append_row',
        output_file_name: 'rows.txt',
        retry_settings: { max_retries: 0, timeout: 30 },
        error_threshold: errorThreshold,
        logging_level: 'info',
        scoring_script: script,
      }),
    ).toString('base64');
    const args = [
      '--import',
      'tsx',
      driver,
      '--input',
      join(folder, 'in'),
      '--model',
      join(folder, 'models', 'model'),
      '--code',
      join(folder, 'code'),
      '--output',
      join(folder, name),
      '--checkpoints',
      join(folder, `${name}-checkpoints`),
      '--settings',
      encoded,
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return new Promise<{ code: number | null; output: string }>((resolve) => child.on('exit', (code) => resolve({ code, output })));
  };

  it('runs a JavaScript run(mini_batch): its rows appended without a header, a file it returned no row for counted as failed', async () => {
    const { code, output } = await run('node', 'score.mjs', -1);
    assert.equal(code, 0, output);
    const rows = (await readFile(join(folder, 'node', 'rows.txt'), 'utf8')).trim().split('\n').sort();
    assert.deepEqual(rows, ['f0.txt,0', 'f1.txt,10', 'f2.txt,20', 'f3.txt,30', 'f4.txt,40', 'f6.txt,60']);
    const summary = JSON.parse(await readFile(join(folder, 'node', 'batch-summary.json'), 'utf8')) as {
      succeeded: number;
      failed: number;
      failedFiles: number;
      rows: number;
    };
    assert.deepEqual([summary.succeeded, summary.failed, summary.failedFiles, summary.rows], [4, 0, 1, 6]);
    assert.match(output, /returned 1 row\(s\) for 2 file\(s\); 1 counted as failed/);
    // init() ran once per worker, and could write to the output folder.
    const { readdir } = await import('node:fs/promises');
    assert.equal((await readdir(join(folder, 'node'))).filter((name) => name.startsWith('init-')).length, 2);
  });

  it('stops once the files run() skipped pass error_threshold', async () => {
    const { code, output } = await run('strict', 'score.mjs', 0);
    assert.equal(code, 1, output);
    assert.match(output, /1 failed file\(s\) is past error_threshold 0: stopping/);
  });

  it('runs a Python run(mini_batch) the same way', async () => {
    const { code, output } = await run('python', 'score.py', -1);
    assert.equal(code, 0, output);
    const rows = (await readFile(join(folder, 'python', 'rows.txt'), 'utf8')).trim().split('\n').sort();
    assert.deepEqual(rows, ['f0.txt 0', 'f1.txt 10', 'f2.txt 20', 'f3.txt 30', 'f4.txt 40', 'f5.txt 50', 'f6.txt 60']);
  });
});

describe('the batch driver when the scoring script or the model cannot start, or run() fails every time (issue 11)', () => {
  let folder: string;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'trellis-batch-broken-'));
    await mkdir(join(folder, 'in'), { recursive: true });
    await mkdir(join(folder, 'models', 'model'), { recursive: true });
    await mkdir(join(folder, 'models', 'broken-onnx'), { recursive: true });
    await mkdir(join(folder, 'code'), { recursive: true });
    for (let index = 0; index < 4; index++) await writeFile(join(folder, 'in', `f${index}.csv`), '5.1,3.5,1.4,0.2\n');
    // Not an ONNX model: onnxruntime cannot load it.
    await writeFile(join(folder, 'models', 'broken-onnx', 'model.onnx'), 'not a model\n');
    await writeFile(
      join(folder, 'code', 'init_fails.py'),
      [
        'def init():',
        "    raise FileNotFoundError('model.pkl is not in the model folder')",
        'def run(mini_batch):',
        '    return mini_batch',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(folder, 'code', 'init_fails.mjs'),
      [
        "export function init() { throw new RangeError('the model folder is empty'); }",
        'export function run(miniBatch) { return miniBatch; }',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(folder, 'code', 'run_fails.py'),
      ['def init():', '    pass', 'def run(mini_batch):', "    raise KeyError('thal')", ''].join('\n'),
    );
    await writeFile(
      join(folder, 'code', 'init_slow.py'),
      ['import time', 'def init():', '    time.sleep(60)', 'def run(mini_batch):', '    return mini_batch', ''].join('\n'),
    );
  });

  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const run = (
    name: string,
    options: {
      script?: string;
      model?: string;
      errorThreshold?: number;
      rank?: number;
      onStart?: (child: ReturnType<typeof spawn>) => void;
    },
  ) => {
    const encoded = Buffer.from(
      JSON.stringify({
        mini_batch_size: 1,
        max_concurrency_per_instance: 2,
        output_action: 'append_row',
        output_file_name: 'out.csv',
        retry_settings: { max_retries: 1, timeout: 30 },
        error_threshold: options.errorThreshold ?? -1,
        logging_level: 'info',
        ...(options.script ? { scoring_script: options.script } : {}),
      }),
    ).toString('base64');
    const nodes = options.rank === undefined ? [] : ['--nodes', '2'];
    const args = [
      '--import',
      'tsx',
      driver,
      '--input',
      join(folder, 'in'),
      '--model',
      join(folder, 'models', options.model ?? 'model'),
      '--code',
      join(folder, 'code'),
      '--output',
      join(folder, name),
      '--checkpoints',
      join(folder, `${name}-checkpoints`),
      '--settings',
      encoded,
      ...nodes,
    ];
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_RANK: String(options.rank ?? 0) },
    });
    options.onStart?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise<{ code: number | null; output: string; stderr: string }>((resolve) =>
      child.on('exit', (code) => resolve({ code, output: stdout + stderr, stderr })),
    );
  };
  const outputFiles = async (name: string) => (await readdir(join(folder, name)).catch(() => [] as string[])).sort();

  it("fails when a Python init() raises: the exception's last line is in the log and is the last line of stderr, and no output file is written", async () => {
    const { code, output, stderr } = await run('py-init', { script: 'init_fails.py' });
    assert.equal(code, 1, output);
    assert.match(output, /Traceback \(most recent call last\)/);
    assert.match(stderr.trim().split('\n').at(-1)!, /init\(\) .*failed.*FileNotFoundError: model\.pkl is not in the model folder/);
    assert.deepEqual(await outputFiles('py-init'), []);
    // Nothing was scored, so a retried attempt scores every mini-batch.
    assert.equal(await readFile(join(folder, 'py-init-checkpoints', 'ledger.jsonl'), 'utf8'), '');
  });

  it('fails when a JavaScript init() throws, with its error', async () => {
    const { code, output, stderr } = await run('js-init', { script: 'init_fails.mjs' });
    assert.equal(code, 1, output);
    assert.match(stderr.trim().split('\n').at(-1)!, /init\(\) .*failed.*the model folder is empty/);
    // Its stack, from the worker's log.
    assert.match(stderr, /RangeError: the model folder is empty\n.* at .*init .*init_fails\.mjs/);
    assert.deepEqual(await outputFiles('js-init'), []);
  });

  it('fails when a model without code cannot load, with the reason', async () => {
    const { code, output, stderr } = await run('onnx-load', { model: 'broken-onnx' });
    assert.equal(code, 1, output);
    assert.match(stderr.trim().split('\n').at(-1)!, /the model could not load/);
    assert.deepEqual(await outputFiles('onnx-load'), []);
  });

  it('fails when run() raises on every mini-batch, even under error_threshold -1 (Azure: no succeeded mini batch item returned from run())', async () => {
    const { code, output, stderr } = await run('run-fails', { script: 'run_fails.py' });
    assert.equal(code, 1, output);
    // Each mini-batch was tried 1 + max_retries times before it counted as failed.
    assert.equal(output.match(/attempt \d failed: .*KeyError: 'thal'/g)?.length, 8, output);
    assert.match(stderr.trim().split('\n').at(-1)!, /no mini-batch succeeded.*KeyError: 'thal'/);
    // The summary says what failed; no predictions file pretends there were none to make.
    assert.deepEqual(await outputFiles('run-fails'), ['batch-summary.json']);
    const summary = JSON.parse(await readFile(join(folder, 'run-fails', 'batch-summary.json'), 'utf8')) as {
      succeeded: number;
      failed: number;
      failedFiles: number;
    };
    assert.deepEqual([summary.succeeded, summary.failed, summary.failedFiles], [0, 4, 4]);
  });

  it("on two nodes, node 0 stopped after node 1's init() failed says why in its log (the job's log)", async () => {
    const second = await run('two-nodes', { script: 'init_fails.py', rank: 1 });
    assert.equal(second.code, 1, second.output);
    // Node 0 is still loading its model when the job is stopped, as the job runner stops it when node 1 fails.
    const first = await run('two-nodes', {
      script: 'init_slow.py',
      rank: 0,
      onStart: (child) =>
        child.stdout!.on('data', (chunk: Buffer) =>
          chunk.toString().includes('to score here') ? setTimeout(() => child.kill('SIGTERM'), 500) : undefined,
        ),
    });
    assert.equal(first.code, 143, first.output);
    assert.match(first.stderr, /Traceback[\s\S]*FileNotFoundError: model\.pkl is not in the model folder/);
    assert.match(
      first.stderr.trim().split('\n').at(-1)!,
      /^batch driver: node 1 failed: the scoring script init_fails\.py did not start .*FileNotFoundError: model\.pkl is not in the model folder$/,
    );
  });

  it('stops at once when run() failures pass error_threshold', async () => {
    const { code, output, stderr } = await run('run-fails-strict', { script: 'run_fails.py', errorThreshold: 1 });
    assert.equal(code, 1, output);
    assert.match(output, /2 failed file\(s\) is past error_threshold 1: stopping/);
    assert.match(stderr.trim().split('\n').at(-1)!, /past error_threshold 1.*KeyError: 'thal'/);
    assert.ok(!(await outputFiles('run-fails-strict')).includes('out.csv'));
  });
});
