#!/usr/bin/env node
// Runs MLflow's own REST tests against Trellis: the compatibility bar of docs/mlflow-compatibility.md.
//
//   node test/mlflow-compat/run.mjs [--mlflow-git DIR [--mlflow-rev REV] | --mlflow-src DIR]
//     [--no-build] [--baseline] [--reclassify] [--shared-server] [--verbose] [--keep]
//     [--file tests/...py] [-k EXPR] [--timeout S] [--pool N] [-- more pytest args]
//
// MLflow's test code is never copied into this repository: each run reads the files it needs from
// an MLflow checkout (--mlflow-src), a git directory (--mlflow-git; at --mlflow-rev, else the tag
// v<installed client> if it has one, else HEAD) or, by default, GitHub at that tag, into a temp dir.
// The source used last is remembered in .cache/mlflow-compat/source.json: a rerun needs no flags.
// --baseline runs the same selection against MLflow's own server instead (its fixtures untouched) and
//   keeps the outcomes in .cache/mlflow-compat/baseline.json; Trellis runs then name a failure MLflow
//   has too "fails against MLflow itself too" rather than blame Trellis for test/client skew.
// --reclassify re-reads the last run's raw results with the current failure-causes.json, no pytest.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { ensurePythonEnv } from '../../scripts/python-env.mjs';
import { summariseSurvey, surveyEndpoints } from './endpoint-survey.mjs';

const harnessDir = import.meta.dirname;
const root = resolve(harnessDir, '..', '..');
const cacheDir = join(root, '.cache', 'mlflow-compat');
const outputDir = join(root, 'test-output', 'mlflow-compat');
const cliPath = join(root, 'dist', 'cli', 'main.js');

/** The MLflow test files that talk to a live tracking server, and so can be pointed at Trellis. */
const defaultTestFiles = [
  'tests/tracking/test_rest_tracking.py',
  'tests/tracking/test_model_registry.py',
  'tests/tracking/test_mlflow_artifacts.py',
];
/** Loaded by pytest for those files whether or not a test imports them. */
const alwaysNeeded = ['tests/__init__.py', 'tests/conftest.py', 'tests/tracking/__init__.py', 'tests/tracking/conftest.py'];
// pytest-asyncio: MLflow's own dev requirement, for its `@pytest.mark.asyncio` tests (the OTLP span test).
const pythonPackages = ['pytest', 'pytest-timeout', 'pytest-asyncio'];

function parseArguments(argv) {
  const options = {
    build: true,
    sharedServer: false,
    baseline: false,
    verbose: false,
    keep: false,
    timeout: 120,
    pool: 2,
    files: [],
    pytestArgs: [],
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined) fail(`${argument} needs a value`);
      return next;
    };
    if (argument === '--') {
      options.pytestArgs.push(...argv.slice(index + 1));
      index = argv.length;
    } else if (argument === '--mlflow-git') options.mlflowGit = resolve(value());
    else if (argument === '--mlflow-rev') options.mlflowRev = value();
    else if (argument === '--mlflow-src') options.mlflowSrc = resolve(value());
    else if (argument === '--file') options.files.push(value());
    else if (argument === '-k') options.pytestArgs.push('-k', value());
    else if (argument === '--timeout') options.timeout = Number(value());
    else if (argument === '--pool') options.pool = Number(value());
    else if (argument === '--no-build') options.build = false;
    else if (argument === '--shared-server') options.sharedServer = true;
    else if (argument === '--baseline') options.baseline = true;
    else if (argument === '--verbose') options.verbose = true;
    else if (argument === '--keep') options.keep = true;
    else if (argument === '--reclassify') options.reclassify = true;
    else if (argument === '--help' || argument === '-h') {
      console.log(
        readFileSync(new URL(import.meta.url), 'utf8')
          .split('\n')
          .slice(1, 15)
          .join('\n')
          .replaceAll(/^\/\/ ?/gm, ''),
      );
      process.exit(0);
    } else fail(`unknown argument ${argument}; see --help`);
  }
  if (options.files.length === 0) options.files = defaultTestFiles;
  return options;
}

/** Temporary directories this run made; fail() removes them too. */
const temporaryPaths = new Set();

/** @returns {never} */
function fail(message) {
  console.error(`mlflow-compat: ${message}`);
  for (const path of temporaryPaths) rmSync(path, { recursive: true, force: true });
  process.exit(2);
}

function run(command, args, options = {}) {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options }).trim();
}

// ---- where MLflow's test files come from -------------------------------------------------------

/** A source reads one repository path, or returns null when the file is not there. */
function sourceFor(options, mlflowVersion) {
  const rememberedPath = join(cacheDir, 'source.json');
  let chosen;
  if (options.mlflowSrc) chosen = { kind: 'checkout', path: options.mlflowSrc };
  else if (options.mlflowGit) chosen = { kind: 'git', path: options.mlflowGit, rev: options.mlflowRev };
  else if (existsSync(rememberedPath)) chosen = JSON.parse(readFileSync(rememberedPath, 'utf8'));
  else chosen = { kind: 'github', rev: `v${mlflowVersion}` };

  if (chosen.kind === 'checkout') {
    if (!existsSync(join(chosen.path, 'tests'))) fail(`${chosen.path} has no tests/ folder; --mlflow-src wants an MLflow checkout`);
    chosen.rev = spawnSync('git', ['-C', chosen.path, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() || 'unknown';
  }
  if (chosen.kind === 'git') {
    const tag = `v${mlflowVersion}`;
    const hasTag = spawnSync('git', ['--git-dir', chosen.path, 'rev-parse', '--verify', '--quiet', `${tag}^{commit}`]).status === 0;
    chosen.rev ??= hasTag ? tag : 'HEAD';
    chosen.commit = run('git', ['--git-dir', chosen.path, 'rev-parse', `${chosen.rev}^{commit}`]);
  }
  // Remembered once the files were read, so a source that failed is not the next run's default.
  const remember = () => {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(rememberedPath, `${JSON.stringify({ kind: chosen.kind, path: chosen.path, rev: chosen.rev }, null, 2)}\n`);
  };

  const read = {
    checkout: (path) => (existsSync(join(chosen.path, path)) ? readFileSync(join(chosen.path, path), 'utf8') : null),
    git: (path) => {
      const shown = spawnSync('git', ['--git-dir', chosen.path, 'show', `${chosen.commit}:${path}`], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      return shown.status === 0 ? shown.stdout : null;
    },
    github: (path) => readFromGithub(chosen.rev, path),
  }[chosen.kind];
  return { ...chosen, read, remember };
}

/** Files from raw.githubusercontent.com at a tag, cached under .cache/mlflow-compat/github-<tag>/. */
function readFromGithub(rev, path) {
  const cached = join(cacheDir, `github-${rev}`, path);
  const missing = `${cached}.missing`;
  if (existsSync(cached)) return readFileSync(cached, 'utf8');
  if (existsSync(missing)) return null;
  const url = `https://raw.githubusercontent.com/mlflow/mlflow/${rev}/${path}`;
  const fetched = spawnSync('curl', ['-sS', '--max-time', '30', '-w', '\n%{http_code}', url], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const status = fetched.stdout?.slice(fetched.stdout.lastIndexOf('\n') + 1);
  if (fetched.status !== 0 || !status) {
    fail(
      `cannot reach GitHub for ${url} (${(fetched.stderr ?? '').trim()}).\n` +
        `  Point the harness at an MLflow checkout or git directory instead:\n` +
        `    node test/mlflow-compat/run.mjs --mlflow-src /path/to/mlflow\n` +
        `    node test/mlflow-compat/run.mjs --mlflow-git /path/to/mlflow.git --mlflow-rev v<version>`,
    );
  }
  mkdirSync(dirname(cached), { recursive: true });
  if (status === '404') {
    writeFileSync(missing, '');
    return null;
  }
  if (status !== '200') fail(`GET ${url} answered ${status}`);
  const text = fetched.stdout.slice(0, fetched.stdout.lastIndexOf('\n'));
  writeFileSync(cached, text);
  return text;
}

/** The test files, the conftests and every `tests.*` module they import, transitively. */
function collectTestTree(source, testFiles) {
  const files = new Map();
  const pending = [...alwaysNeeded, ...testFiles];
  const candidatesFor = (module) => {
    const path = module.replaceAll('.', '/');
    return [`${path}.py`, `${path}/__init__.py`];
  };
  while (pending.length > 0) {
    const path = pending.shift();
    if (files.has(path)) continue;
    const text = source.read(path);
    if (text === null) {
      if (testFiles.includes(path)) fail(`${path} is not in the MLflow source (${source.kind} ${source.rev})`);
      continue;
    }
    files.set(path, text);
    // Every package above a file, so `import tests.a.b` resolves.
    for (let dir = dirname(path); dir !== '.' && dir !== ''; dir = dirname(dir)) pending.push(`${dir}/__init__.py`);
    for (const match of text.matchAll(/^\s*(?:from\s+(tests(?:\.\w+)*)\s+import\s+([\w, ()\n]+?)$|import\s+(tests(?:\.\w+)+))/gm)) {
      const module = match[1] ?? match[3];
      const modules = [module];
      // `from tests.a import b` may name a submodule b.
      if (match[2])
        for (const name of match[2].replace(/[()]/g, '').split(','))
          if (name.trim()) modules.push(`${module}.${name.trim().split(/\s+/)[0]}`);
      for (const candidate of modules) for (const file of candidatesFor(candidate)) if (!files.has(file)) pending.push(file);
    }
  }
  return files;
}

// ---- Python environment --------------------------------------------------------------------------

function pythonEnvironment() {
  const python = ensurePythonEnv({ log: (line) => console.log(`mlflow-compat: ${line}`) });
  const importable = spawnSync(python, ['-c', 'import pytest, pytest_timeout, pytest_asyncio'], { stdio: 'ignore' }).status === 0;
  if (!importable) {
    console.log(`mlflow-compat: installing ${pythonPackages.join(', ')} into ${relative(root, dirname(dirname(python)))} ...`);
    execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...pythonPackages], { stdio: 'inherit' });
  }
  const versions = JSON.parse(
    run(
      python,
      [
        '-c',
        'import json, sys, mlflow, pytest; print(json.dumps({"python": sys.version.split()[0], "mlflow": mlflow.__version__, "pytest": pytest.__version__}))',
      ],
      {
        env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' },
      },
    ),
  );
  return { python, versions };
}

// ---- Trellis -------------------------------------------------------------------------------------

function build() {
  console.log('mlflow-compat: building Trellis (tsc -p tsconfig.build.json) ...');
  const built = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  // tsc emits even with type errors (files other people are editing); say so, and go on.
  if (built.status !== 0) {
    const errors = built.stdout.split('\n').filter((line) => line.includes('error TS'));
    console.log(`mlflow-compat: tsc reported ${errors.length} type error(s), output emitted anyway:\n  ${errors.slice(0, 5).join('\n  ')}`);
  }
  if (!existsSync(cliPath)) fail(`${relative(root, cliPath)} is missing after the build`);
}

function trellisVersion() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const commit = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() ?? 'unknown';
  const isDirty =
    (spawnSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).stdout ?? '').trim() !== '';
  return `${pkg.version} (${commit}${isDirty ? ' + uncommitted changes' : ''})`;
}

/** `trellis up` on a free port with a temp TRELLIS_HOME; resolves once it prints its URL. */
async function startTrellis() {
  const home = mkdtempSync(join(tmpdir(), 'trellis-compat-home-'));
  temporaryPaths.add(home);
  const env = { ...process.env, TRELLIS_HOME: home, TRELLIS_PORT: '0', TRELLIS_LOG_LEVEL: 'warn' };
  for (const name of ['TRELLIS_URL', 'TRELLIS_DATABASE_URL', 'TRELLIS_WORKSPACE']) delete env[name];
  const child = spawn(process.execPath, [cliPath, 'up'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`trellis up did not start in 30 s:\n${output}`)), 30_000);
    child.stdout.on('data', () => {
      const match = /Trellis is up at (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`trellis up exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
      temporaryPaths.delete(home);
    },
  };
}

// ---- results -------------------------------------------------------------------------------------

/** The first rule of failure-causes.json that matches a failure's message (and test name) names its cause. */
function classify(test, rules) {
  // The exception, the assertion lines, where in the test it failed, and the HTTP errors it got.
  const lines = test.details.split('\n');
  const isLocation = (line) => /^tests\/.*: in test_/.test(line);
  const evidence = [
    test.message,
    // A location in the test file, and the statement under it.
    ...lines.filter((line, index) => line.startsWith('E ') || isLocation(line) || (index > 0 && isLocation(lines[index - 1]))),
    ...(test.http ?? []).map((line) => `HTTP ${line}`),
  ].join('\n');
  // The function name, without pytest's [parameter] suffix.
  const name = test.nodeid
    .split('::')
    .pop()
    .replace(/\[.*\]$/, '');
  for (const rule of rules) {
    if (rule.file && !new RegExp(rule.file).test(test.nodeid.split('::')[0])) continue;
    if (rule.test && !new RegExp(rule.test).test(name)) continue;
    const match = rule.message ? new RegExp(rule.message, 'm').exec(evidence) : null;
    if (rule.message && !match) continue;
    return rule.cause.replace('$1', match?.[1] ?? '');
  }
  return 'unclassified';
}

function table(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  const line = (row) =>
    `| ${row.map((cell, column) => (column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]))).join(' | ')} |`;
  return [
    line(rows[0]),
    `|${widths.map((width, column) => (column === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** A failure MLflow's own server has too is not Trellis's to fix; the rule's reading stays alongside. */
function causeOf(test, rules, baseline) {
  const ruleCause = classify(test, rules);
  const againstMlflow = baseline?.outcomes[test.nodeid];
  if (againstMlflow === 'failed' || againstMlflow === 'error')
    return { cause: `fails against MLflow ${baseline.mlflow} itself too`, trellisFailure: ruleCause, phase: test.phase };
  return { cause: ruleCause, phase: test.phase };
}

function summarise(raw, context) {
  const rules = JSON.parse(readFileSync(join(harnessDir, 'failure-causes.json'), 'utf8')).rules;
  const baseline = context.baseline;
  const tests = raw.tests.map((test) => ({
    nodeid: test.nodeid,
    outcome: test.outcome,
    duration: test.duration,
    ...(baseline?.outcomes[test.nodeid] ? { mlflowServerOutcome: baseline.outcomes[test.nodeid] } : {}),
    ...(test.outcome === 'failed' || test.outcome === 'error' ? causeOf(test, rules, baseline) : {}),
    ...(test.outcome !== 'passed' ? { message: test.message.split('\n').slice(0, 6).join('\n').slice(0, 600) } : {}),
    ...(test.http?.length && test.outcome !== 'passed' ? { httpErrors: test.http.map((line) => line.slice(0, 300)) } : {}),
    ...(test.reachedTrellis === false ? { reachedTrellis: false } : {}),
  }));
  const outcomes = ['passed', 'failed', 'error', 'skipped', 'deselected'];
  const byFile = new Map(context.files.map((file) => [file, Object.fromEntries(outcomes.map((outcome) => [outcome, 0]))]));
  for (const test of tests) byFile.get(test.nodeid.split('::')[0])[test.outcome] += 1;
  for (const item of raw.deselected) byFile.get(item.nodeid.split('::')[0]).deselected += 1;
  const totals = Object.fromEntries(
    outcomes.map((outcome) => [outcome, [...byFile.values()].reduce((sum, counts) => sum + counts[outcome], 0)]),
  );

  const causes = new Map();
  for (const test of tests.filter((t) => t.cause)) {
    const entry = causes.get(test.cause) ?? { cause: test.cause, count: 0, tests: [] };
    entry.count += 1;
    entry.tests.push(test.nodeid);
    causes.set(test.cause, entry);
  }
  const deselectedByCategory = new Map();
  for (const item of raw.deselected) {
    const entry = deselectedByCategory.get(item.category) ?? { category: item.category, reason: item.reason, count: 0 };
    entry.count += 1;
    deselectedByCategory.set(item.category, entry);
  }
  return {
    date: context.date,
    versions: context.versions,
    mlflowTests: context.source,
    server: context.server,
    baseline: baseline ? { mlflow: baseline.mlflow, date: baseline.date, totals: baseline.totals } : null,
    command: context.command,
    totals,
    files: Object.fromEntries(byFile),
    failureCauses: [...causes.values()].sort((a, b) => b.count - a.count),
    endpointSurvey: context.endpoints ? { byGroup: summariseSurvey(context.endpoints), routes: context.endpoints } : null,
    deselectedCategories: [...deselectedByCategory.values()].sort((a, b) => b.count - a.count),
    bridgedVersionSkew: raw.bridged ?? [],
    serverStartRetries: (raw.startRetries ?? []).length,
    // A pass that never reached Trellis proves nothing: some fixture started another server.
    passedWithoutTrellis: raw.tests.filter((test) => test.outcome === 'passed' && test.reachedTrellis === false).map((test) => test.nodeid),
    tests,
    deselected: raw.deselected,
  };
}

function printSummary(results) {
  const header = ['file', 'passed', 'failed', 'error', 'skipped', 'deselected'];
  const rows = Object.entries(results.files).map(([file, counts]) => [
    file,
    counts.passed,
    counts.failed,
    counts.error,
    counts.skipped,
    counts.deselected,
  ]);
  const totals = results.totals;
  console.log(
    `\nMLflow REST tests against ${results.server}, mlflow client ${results.versions.mlflow}, tests from ${results.mlflowTests.label} (MLflow ${results.mlflowTests.mlflowVersion})`,
  );
  console.log(table([header, ...rows, ['total', totals.passed, totals.failed, totals.error, totals.skipped, totals.deselected]]));
  if (results.endpointSurvey) {
    console.log(
      `\nMLflow ${results.versions.mlflow} routes Trellis answers (any answer but 404 ENDPOINT_NOT_FOUND/RouteNotFound; full list in results.json):`,
    );
    for (const group of results.endpointSurvey.byGroup)
      console.log(`  ${`${group.implemented}/${group.total}`.padStart(7)}  ${group.group}`);
  }
  if (results.failureCauses.length > 0) {
    console.log('\nFailures and errors by cause (rules in test/mlflow-compat/failure-causes.json):');
    for (const cause of results.failureCauses) {
      console.log(`  ${String(cause.count).padStart(4)}  ${cause.cause}`);
      for (const nodeid of cause.tests.slice(0, 3)) console.log(`          ${nodeid.split('::').slice(1).join('::')}`);
    }
  }
  if (results.passedWithoutTrellis.length > 0) {
    console.log(
      `\nWarning: ${results.passedWithoutTrellis.length} test(s) passed without one request to Trellis (a server the plugin does not replace?):`,
    );
    for (const nodeid of results.passedWithoutTrellis.slice(0, 10)) console.log(`  ${nodeid}`);
  }
  if (results.serverStartRetries > 0)
    console.log(`\nNote: ${results.serverStartRetries} Trellis start(s) were killed by a signal from outside the harness and retried.`);
  if (results.baseline)
    console.log(
      `\nBaseline: the same tests against MLflow ${results.baseline.mlflow}'s own server (${results.baseline.date.slice(0, 10)}): ${results.baseline.totals.passed} passed, ${results.baseline.totals.failed} failed, ${results.baseline.totals.error} errors`,
    );
  else if (!results.server.startsWith('MLflow'))
    console.log(
      '\nNo baseline for these tests and this client yet: run once with --baseline to tell test/client version skew from Trellis gaps.',
    );
  console.log('\nDeselected by reason (test/mlflow-compat/deselected.json):');
  for (const category of results.deselectedCategories) console.log(`  ${String(category.count).padStart(4)}  ${category.category}`);
}

// ---- main ----------------------------------------------------------------------------------------

/** Writes the MLflow test files into a fresh directory that is pytest's rootdir. */
function prepareTests(options, versions) {
  const source = sourceFor(options, versions.mlflow);
  const label = `${source.kind === 'github' ? 'github.com/mlflow/mlflow' : source.path} @ ${source.rev}${source.commit ? ` (${source.commit.slice(0, 12)})` : ''}`;
  const testTree = collectTestTree(source, options.files);
  source.remember();
  const mlflowVersion = /VERSION = ["']([^"']+)["']/.exec(source.read('mlflow/version.py') ?? '')?.[1] ?? 'unknown';
  console.log(
    `mlflow-compat: ${testTree.size} MLflow test files from ${label} (MLflow ${mlflowVersion}); installed client mlflow ${versions.mlflow}`,
  );
  if (mlflowVersion !== versions.mlflow)
    console.log(`mlflow-compat: note: the tests are from MLflow ${mlflowVersion}, the client is ${versions.mlflow}`);
  const workDir = mkdtempSync(join(tmpdir(), 'mlflow-compat-'));
  temporaryPaths.add(workDir);
  for (const [path, text] of testTree) {
    mkdirSync(dirname(join(workDir, path)), { recursive: true });
    writeFileSync(join(workDir, path), text);
  }
  // An ini file here makes this directory pytest's rootdir, so no config above it applies.
  writeFileSync(join(workDir, 'pytest.ini'), '[pytest]\naddopts = -p no:legacypath\n');
  return {
    workDir,
    source: { kind: source.kind, label, rev: source.rev, commit: source.commit ?? null, mlflowVersion, files: [...testTree.keys()].sort() },
  };
}

/** Runs pytest with the plugin; resolves to the plugin's raw results. */
async function runPytest(options, python, workDir, paths, trellisUrl) {
  const pytestArgs = [
    '-m',
    'pytest',
    '-p',
    'trellis_compat_plugin',
    '-p',
    'no:cacheprovider',
    '-q',
    '-rA',
    '--tb=short',
    `--timeout=${options.timeout}`,
    `--junitxml=${paths.junit}`,
    '--rootdir',
    workDir,
    '-c',
    join(workDir, 'pytest.ini'),
    ...options.files,
    ...options.pytestArgs,
  ];
  const rawResults = join(workDir, 'plugin-results.json');
  rmSync(paths.serverLogs, { recursive: true, force: true });
  const env = {
    ...process.env,
    PATH: `${dirname(python)}:${process.env.PATH}`,
    PYTHONPATH: [workDir, harnessDir].join(':'),
    TRELLIS_COMPAT_NODE: process.execPath,
    TRELLIS_COMPAT_CLI: cliPath,
    TRELLIS_COMPAT_POOL: String(options.pool),
    TRELLIS_COMPAT_DESELECTED: join(harnessDir, 'deselected.json'),
    TRELLIS_COMPAT_RESULTS: rawResults,
    TRELLIS_COMPAT_SERVER_LOGS: paths.serverLogs,
    MLFLOW_DISABLE_TELEMETRY: 'true',
    DO_NOT_TRACK: 'true',
    // The client's default (7 retries, exponential backoff) turns one refused connection into minutes.
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2',
    // The test files read a trace right after making it, as MLflow <= 3.6 clients exported it: at
    // once. The 3.17.2 client exports in the background by default, so each such test fails
    // against MLflow's own server too; export synchronously, as the tests were written for.
    MLFLOW_ENABLE_ASYNC_TRACE_LOGGING: 'false',
    ...(trellisUrl ? { TRELLIS_COMPAT_URL: trellisUrl } : {}),
    ...(options.baseline ? { TRELLIS_COMPAT_BASELINE: '1' } : {}),
  };
  for (const name of ['MLFLOW_TRACKING_URI', 'MLFLOW_REGISTRY_URI', 'TRELLIS_URL']) delete env[name];
  const pytest = spawn(python, pytestArgs, { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  for (const stream of [pytest.stdout, pytest.stderr]) {
    stream.on('data', (chunk) => {
      log.push(chunk);
      if (options.verbose) process.stdout.write(chunk);
    });
  }
  const exitCode = await new Promise((done) => pytest.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0))));
  writeFileSync(paths.log, Buffer.concat(log));
  if (!existsSync(rawResults)) {
    console.error(Buffer.concat(log).toString().slice(-4000));
    fail(`pytest exited with ${exitCode} before any result was written; see ${relative(root, paths.log)}`);
  }
  return JSON.parse(readFileSync(rawResults, 'utf8'));
}

const options = parseArguments(process.argv.slice(2));
mkdirSync(outputDir, { recursive: true });
const baselinePath = join(cacheDir, 'baseline.json');
const lastRunPath = join(outputDir, options.baseline ? 'last-run-baseline.json' : 'last-run.json');
const isFullRun = options.pytestArgs.length === 0 && options.files === defaultTestFiles;
const paths = {
  log: join(outputDir, options.baseline ? 'pytest-baseline.log' : 'pytest.log'),
  junit: join(outputDir, options.baseline ? 'junit-baseline.xml' : 'junit.xml'),
  serverLogs: join(outputDir, 'server-logs'),
  // A run narrowed with -k, --file or pytest args must not overwrite the full picture.
  results: options.baseline
    ? join(outputDir, 'results-baseline.json')
    : isFullRun
      ? join(harnessDir, 'results.json')
      : join(outputDir, 'results.json'),
};

let lastRun;
if (options.reclassify) {
  if (!existsSync(lastRunPath)) fail(`no earlier run to reclassify (${relative(root, lastRunPath)})`);
  lastRun = JSON.parse(readFileSync(lastRunPath, 'utf8'));
  paths.results = lastRun.resultsPath;
} else {
  const { python, versions } = pythonEnvironment();
  const { workDir, source } = prepareTests(options, versions);
  let server = `MLflow ${versions.mlflow}'s own server (baseline)`;
  let probe;
  let endpoints = null;
  if (!options.baseline) {
    if (options.build) build();
    else if (!existsSync(cliPath)) fail(`${relative(root, cliPath)} is missing; build with: npx tsc -p tsconfig.build.json`);
    versions.trellis = trellisVersion();
    server = `Trellis ${versions.trellis}`;
    // Proves the build starts before pytest spends minutes on it, and asks it about every MLflow route.
    probe = await startTrellis().catch((error) => fail(`the build does not start, so no test would reach it:\n${error.message}`));
    console.log(
      `mlflow-compat: ${server} starts (${probe.url}); ${options.sharedServer ? 'all tests share one' : 'each test gets a fresh one'}`,
    );
    endpoints = await surveyEndpoints(python, probe.url);
    await probe.stop();
    // The survey leaves data behind, so a server the tests share starts clean.
    if (options.sharedServer) probe = await startTrellis().catch((error) => fail(error.message));
  }
  versions.node = process.version;
  console.log(`mlflow-compat: pytest ${options.files.join(' ')} against ${server} (log: ${relative(root, paths.log)}) ...`);
  const started = Date.now();
  const raw = await runPytest(options, python, workDir, paths, options.sharedServer ? probe?.url : undefined);
  if (options.sharedServer) await probe?.stop();
  if (options.keep) console.log(`mlflow-compat: MLflow test files kept in ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
  const command = ['node', 'test/mlflow-compat/run.mjs', ...process.argv.slice(2)].join(' ');
  lastRun = {
    raw,
    context: { date: new Date(started).toISOString(), files: options.files, versions, source, server, command, endpoints },
    durationSeconds: Math.round((Date.now() - started) / 1000),
    resultsPath: paths.results,
    isFullRun,
  };
  writeFileSync(lastRunPath, JSON.stringify(lastRun));
}

// A baseline applies only to the same test sources and the same client.
const storedBaseline = existsSync(baselinePath) ? JSON.parse(readFileSync(baselinePath, 'utf8')) : null;
const { context } = lastRun;
const matchesRun = storedBaseline?.sourceLabel === context.source.label && storedBaseline?.mlflow === context.versions.mlflow;
const baseline = !options.baseline && matchesRun ? storedBaseline : null;
const results = summarise(lastRun.raw, { ...context, baseline });
results.durationSeconds = lastRun.durationSeconds;
if (options.baseline && lastRun.isFullRun) {
  const outcomes = Object.fromEntries(results.tests.map((test) => [test.nodeid, test.outcome]));
  writeFileSync(
    baselinePath,
    `${JSON.stringify(
      { sourceLabel: context.source.label, mlflow: context.versions.mlflow, date: results.date, totals: results.totals, outcomes },
      null,
      1,
    )}\n`,
  );
}
writeFileSync(paths.results, `${JSON.stringify(results, null, 1)}\n`);
printSummary(results);
console.log(
  `\nmlflow-compat: pytest took ${results.durationSeconds} s; per-test results in ${relative(root, paths.results)}, JUnit XML in ${relative(root, paths.junit)}, log in ${relative(root, paths.log)}`,
);
