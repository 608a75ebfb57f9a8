import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { planEnvironment, type VenvPlan } from '../core/environments/plan-environment.js';
import type { PythonInterpreter } from '../core/environments/python-interpreter.js';
import { isTrellisError } from '../core/errors.js';
import { findInterpreters } from './find-interpreters.js';
import { ensureEnvironment, type EnsuredEnvironment } from './venv-builder.js';

const logger = pino({ level: 'silent' });

// Everything installs from a wheel made here, through PIP_FIND_LINKS with no index: no network.
const wheelScript = `
import sys, zipfile
files = {
  'trellis_tiny/__init__.py': 'VALUE = 42\\n',
  'trellis_tiny-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\\nName: trellis-tiny\\nVersion: 1.0\\n',
  'trellis_tiny-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\\nGenerator: trellis-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n',
}
files['trellis_tiny-1.0.dist-info/RECORD'] = ''.join(name + ',,\\n' for name in list(files) + ['trellis_tiny-1.0.dist-info/RECORD'])
with zipfile.ZipFile(sys.argv[1], 'w') as wheel:
    for name, text in files.items():
        wheel.writestr(name, text)
`;

describe('ensureEnvironment', () => {
  let dir: string;
  let python: PythonInterpreter;
  let env: NodeJS.ProcessEnv;
  // Each test has its own cacheRoot, so equal plans do not meet across tests.
  const plan = (pip: string[]): VenvPlan => {
    const made = planEnvironment({ image: 'python:3.11', conda_file: { dependencies: [{ pip }] } }, { interpreters: [python] });
    assert.equal(made.kind, 'venv');
    return made as VenvPlan;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trellis-venv-'));
    const [first] = await findInterpreters();
    assert.ok(first, 'these tests need a python3 with the venv module');
    python = first;
    const wheels = join(dir, 'wheels');
    await mkdir(wheels);
    execFileSync(python.path, ['-c', wheelScript, join(wheels, 'trellis_tiny-1.0-py3-none-any.whl')]);
    env = { ...process.env, PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels, PIP_CONFIG_FILE: '/dev/null' };
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds the venv once, logging every line, and reuses it without running pip', async () => {
    const cacheRoot = join(dir, 'cache-reuse');
    const tiny = plan(['trellis-tiny==1.0']);
    const lines: string[] = [];
    const built = await ensureEnvironment(tiny, { cacheRoot, env, logger, onLog: (line) => lines.push(line) });
    assert.equal(built.reused, false);
    assert.equal(built.envDir, join(cacheRoot, tiny.specHash));
    assert.equal(
      execFileSync(built.pythonPath, ['-c', 'import trellis_tiny; print(trellis_tiny.VALUE)'], { encoding: 'utf8' }).trim(),
      '42',
    );
    assert.equal(readFileSync(join(built.envDir, 'requirements.txt'), 'utf8'), 'trellis-tiny==1.0\n');
    const log = readFileSync(built.logPath, 'utf8');
    assert.match(log, /Successfully installed trellis-tiny-1.0/);
    assert.match(log, /PIP_FIND_LINKS=/);
    assert.deepEqual(log.trimEnd().split('\n'), lines);
    assert.equal(JSON.parse(readFileSync(join(built.envDir, 'ready.json'), 'utf8')).specHash, tiny.specHash);

    const again: string[] = [];
    const reused = await ensureEnvironment(tiny, { cacheRoot, env, logger, onLog: (line) => again.push(line) });
    assert.deepEqual({ ...reused, reused: false }, built);
    assert.equal(reused.reused, true);
    assert.deepEqual(again, [`trellis: reusing environment ${tiny.specHash} (${built.envDir})`]);
  });

  it('leaves byte-compiling to Python where it may cache bytecode, and to pip where PYTHONDONTWRITEBYTECODE forbids it', async () => {
    const tiny = plan(['trellis-tiny==1.0']);
    // Where the module's bytecode goes, asked with -B so that asking writes none.
    const where = 'import importlib.util as u; print(u.cache_from_source(u.find_spec("trellis_tiny").origin))';
    const cached = (built: EnsuredEnvironment) => execFileSync(built.pythonPath, ['-B', '-c', where], { encoding: 'utf8' }).trim();
    const { PYTHONDONTWRITEBYTECODE: _, ...writes } = env;
    const lazy = await ensureEnvironment(tiny, { cacheRoot: join(dir, 'cache-lazy'), env: writes, logger });
    assert.match(readFileSync(lazy.logPath, 'utf8'), /--no-compile/);
    const bytecode = cached(lazy);
    assert.equal(existsSync(bytecode), false, 'pip compiled nothing');
    execFileSync(lazy.pythonPath, ['-c', 'import trellis_tiny'], { env: writes });
    assert.ok(existsSync(bytecode), 'the first import compiled and cached the module');

    const eager = await ensureEnvironment(tiny, {
      cacheRoot: join(dir, 'cache-eager'),
      env: { ...env, PYTHONDONTWRITEBYTECODE: '1' },
      logger,
    });
    assert.doesNotMatch(readFileSync(eager.logPath, 'utf8'), /--no-compile/);
    assert.ok(existsSync(cached(eager)), 'pip compiled the module');
  });

  it('fails clearly on a requirement that cannot be installed, keeping the log and no ready.json', async () => {
    const cacheRoot = join(dir, 'cache-fail');
    const broken = plan(['this-package-does-not-exist-trellis==9.9']);
    const envDir = join(cacheRoot, broken.specHash);
    await assert.rejects(ensureEnvironment(broken, { cacheRoot, env, logger }), (error: unknown) => {
      assert.ok(isTrellisError(error));
      assert.equal(error.code, 'EnvironmentBuildFailed');
      assert.match(error.message, /pip install exited with 1/);
      assert.match(error.message, /No matching distribution found for this-package-does-not-exist-trellis==9.9/);
      assert.ok(error.message.includes(join(envDir, 'build.log')));
      return true;
    });
    assert.ok(existsSync(join(envDir, 'build.log')));
    assert.equal(existsSync(join(envDir, 'ready.json')), false);
    assert.equal(existsSync(`${envDir}.lock`), false, 'the lock is released after a failure');
  });

  it('builds once for concurrent calls, in this process and in another', async () => {
    const cacheRoot = join(dir, 'cache-concurrent');
    const shared = plan(['trellis-tiny==1.0']);
    const other = runInAnotherProcess(shared, cacheRoot, env);
    const results = await Promise.all([
      ensureEnvironment(shared, { cacheRoot, env, logger }),
      ensureEnvironment(shared, { cacheRoot, env, logger }),
      other,
    ]);
    assert.deepEqual(results.map((result) => result.reused).sort(), [false, true, true]);
    const log = readFileSync(join(cacheRoot, shared.specHash, 'build.log'), 'utf8');
    assert.equal(log.split('\n').filter((line) => line.startsWith('trellis: building environment')).length, 1);
  });

  it('rebuilds a half-made environment left by a killed build, taking over its lock', async () => {
    const cacheRoot = join(dir, 'cache-killed');
    const empty = plan([]);
    const envDir = join(cacheRoot, empty.specHash);
    await mkdir(join(envDir, 'bin'), { recursive: true });
    await writeFile(join(envDir, 'build.log'), 'half a build\n');
    const lockDir = join(cacheRoot, `${empty.specHash}.lock`);
    await mkdir(lockDir);
    await writeFile(
      join(lockDir, 'owner.json'),
      JSON.stringify({ pid: deadPid(), hostname: hostname(), token: 'killed', startedAt: new Date().toISOString() }),
    );
    const result = await ensureEnvironment(empty, { cacheRoot, env, logger, lockTimeoutMs: 10_000 });
    assert.equal(result.reused, false);
    assert.doesNotMatch(readFileSync(result.logPath, 'utf8'), /half a build/);
    assert.match(readFileSync(result.logPath, 'utf8'), /no packages to install/);
    assert.ok(existsSync(result.pythonPath));
  });
});

function deadPid(): number {
  return Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
}

/** ensureEnvironment in a second Node process, as a second Trellis would run it. */
async function runInAnotherProcess(plan: VenvPlan, cacheRoot: string, env: NodeJS.ProcessEnv): Promise<EnsuredEnvironment> {
  const script = `
    const { ensureEnvironment } = await import(${JSON.stringify(new URL('./venv-builder.ts', import.meta.url).href)});
    const { pino } = await import('pino');
    const logger = pino({ level: 'silent' });
    const result = await ensureEnvironment(${JSON.stringify(plan)}, { cacheRoot: ${JSON.stringify(cacheRoot)}, logger });
    process.stdout.write(JSON.stringify(result));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise((resolve) => child.once('close', resolve));
  assert.equal(code, 0, 'the second process should succeed');
  return JSON.parse(output) as EnsuredEnvironment;
}
