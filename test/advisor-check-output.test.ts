import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resourceFile } from '../bench/advisor.js';
import { cliPath, repositoryRoot } from './support/trellis-process.js';

/**
 * `trellis advisor check` prints the same bytes as before it was made fast (issue 18's static
 * goal): the built CLI's JSON, SARIF and table, its exit code and its messages, on 2,000 of the
 * benchmark's files and on the fixtures, compared by SHA-256 with what the CLI of commit 62534e1
 * (before the speed-ups) printed for the same files. A change meant to alter the output updates
 * these digests, and says so in its commit.
 *
 * `--format json` has since listed the findings and the counts per rule, and every check only with
 * `--include-passed`: that report, without the keys added then, is still byte for byte the one of
 * 62534e1, and the default report is it without `checks`.
 */

interface Printed {
  code: number;
  stdout: string;
  stderr: string;
}

const digest = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** The CLI's exit code and the digests of what it printed (node's process ids left out of its warnings). */
async function check(args: string[], cwd: string): Promise<Printed> {
  const { code, text, stderr } = await run(args, cwd);
  return { code, stdout: digest(text), stderr };
}

/** The CLI's exit code, what it printed on standard output, and the digest of its messages. */
function run(args: string[], cwd: string): Promise<{ code: number; text: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, 'advisor', 'check', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (code) =>
      resolve({
        code: code ?? -1,
        text: Buffer.concat(stdout).toString('utf8'),
        stderr: digest(
          Buffer.concat(stderr)
            .toString('utf8')
            .replace(/\(node:\d+\)/g, '(node)'),
        ),
      }),
    );
  });
}

/** The report of --include-passed less the keys added with it, as 62534e1 printed it (every check, then the findings and the score). */
function asBefore(text: string): string {
  const report: Record<string, unknown> = JSON.parse(text);
  for (const key of ['unknown', 'rules', 'notApplicable']) delete report[key];
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The report of --include-passed less its checks: what the default report must be. */
function withoutChecks(text: string): string {
  const report: Record<string, unknown> = JSON.parse(text);
  delete report.checks;
  return `${JSON.stringify(report, null, 2)}\n`;
}

type Outcome = 'passed' | 'failed' | 'unknown';

/** The checks of the report of --include-passed counted per rule, and its unknown checks. */
function countedChecks(text: string): { counts: Record<string, Record<Outcome, number>>; unknown: unknown[] } {
  const report: { checks: Array<{ ruleId: string; outcome: Outcome }> } = JSON.parse(text);
  const counts: Record<string, Record<Outcome, number>> = {};
  for (const check of report.checks) {
    const count = counts[check.ruleId] ?? { passed: 0, failed: 0, unknown: 0 };
    count[check.outcome] += 1;
    counts[check.ruleId] = count;
  }
  return { counts, unknown: report.checks.filter((check) => check.outcome === 'unknown') };
}

/** The default report's counts per rule and unknown checks, as countedChecks gives them. */
function reportedCounts(text: string): { counts: Record<string, Record<Outcome, number>>; unknown: unknown[] } {
  const report: { rules: Array<{ ruleId: string } & Record<Outcome, number>>; unknown: unknown[] } = JSON.parse(text);
  return {
    counts: Object.fromEntries(report.rules.map(({ ruleId, passed, failed, unknown }) => [ruleId, { passed, failed, unknown }])),
    unknown: report.unknown,
  };
}

/**
 * The report of --include-passed is 62534e1's (digest `before`) with the keys added since; the
 * default report is the same without its checks, which it counts per rule. Returns the default report.
 */
async function assertJsonReports(args: string[], cwd: string, expected: { code: number; before: string; stderr: string }): Promise<string> {
  const everything = await run([...args, '--format', 'json', '--include-passed'], cwd);
  assert.deepEqual(
    { code: everything.code, stdout: digest(asBefore(everything.text)), stderr: everything.stderr },
    {
      code: expected.code,
      stdout: expected.before,
      stderr: expected.stderr,
    },
  );
  const findings = await run([...args, '--format', 'json'], cwd);
  assert.equal(findings.code, expected.code);
  assert.equal(findings.stderr, expected.stderr);
  assert.equal(findings.text, withoutChecks(everything.text));
  assert.deepEqual(reportedCounts(findings.text), countedChecks(everything.text));
  return findings.text;
}

const empty = digest(Buffer.alloc(0));
/** The default --format json report on the 2,000 files and on the fixtures. */
const defaultJson = {
  files: '2996c1f361a35bc8f6e1d7c44a2e02d544f3c3b256b47e5ccc0a651c40f10d86',
  fixtures: '8ef92c75ff10b80835b4336d629de33ef0c67cc96a11880d4abf8f5297e6e463',
};

describe('trellis advisor check prints what it printed before it was made fast', () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'trellis-advisor-output-'));
    await mkdir(join(folder, 'conda'), { recursive: true });
    await writeFile(
      join(folder, 'conda', 'env.yml'),
      'name: train\ndependencies:\n  - python=3.11\n  - pip:\n    - numpy==1.26.4\n    - pandas\n',
    );
    for (let index = 0; index < 2000; index += 1) {
      const file = resourceFile(index);
      await mkdir(dirname(join(folder, file.path)), { recursive: true });
      await writeFile(join(folder, file.path), file.text);
    }
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("on 2,000 of the benchmark's files, in each format", async () => {
    const report = await assertJsonReports(['-f', '.', '--fail-on', 'low'], folder, {
      code: 1,
      before: '105e87e1cc49b2a23c89423259881d726737407947e81cd4d0257d46da52707e',
      stderr: empty,
    });
    assert.equal(digest(report), defaultJson.files);
    const expected: Record<string, Printed> = {
      sarif: { code: 1, stdout: 'f7a1b0d09199caf75b5bd3ecd1f9bf14e7f771ad5f4cdae49509568677325803', stderr: empty },
      table: { code: 1, stdout: '12087f42758b95bd7e4edfbeda09f0ca5739c4f561e11611c7586a8b89dab0e2', stderr: empty },
    };
    for (const [format, printed] of Object.entries(expected))
      assert.deepEqual(await check(['-f', '.', '--format', format, '--fail-on', 'low'], folder), printed, format);
  });

  it('the same when standard output is a file, as `> report.json` makes it (written straight to it)', async () => {
    // Beside the folder, not in it (the check would read it).
    const output = `${folder}.report.json`;
    const handle = await open(output, 'w');
    try {
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [cliPath, 'advisor', 'check', '-f', '.', '--format', 'json', '--fail-on', 'low'], {
          cwd: folder,
          stdio: ['ignore', handle.fd, 'ignore'],
        });
        child.once('error', reject);
        child.once('close', (exit) => resolve(exit ?? -1));
      });
      assert.equal(code, 1);
    } finally {
      await handle.close();
    }
    const printed = await readFile(output);
    await rm(output, { force: true });
    assert.equal(digest(printed), defaultJson.files);
  });

  it('on the fixtures (Azure ML examples, ARM templates, invalid files), in each format', async () => {
    const targets = ['test/fixtures/azureml-examples/cli', 'test/fixtures/advisor', 'examples'];
    // The fixtures hold invalid files on purpose: exit 2, and their problems on stderr.
    const problems = '35c22ac95fb416562a26520890473eeacef4c41a40b3c15be9aebc6027954bbd';
    const report = await assertJsonReports(['-f', ...targets], repositoryRoot, {
      code: 2,
      before: '89dce8c4a8acd7e6d9d7ba7859c3a98fbbffaeae791cada0feb8e0abdcfd54e9',
      stderr: problems,
    });
    assert.equal(digest(report), defaultJson.fixtures);
    const expected: Record<string, Printed> = {
      sarif: { code: 2, stdout: 'c3c1d1a6f983b60a4111544bd1c1c6a81bdcb7e28d324233957ce1bf70f85d31', stderr: problems },
      table: { code: 2, stdout: 'b6498167a85b7078b9a572d9ad9934e3ec426f5701508b39948ba82342246764', stderr: problems },
    };
    for (const [format, printed] of Object.entries(expected))
      assert.deepEqual(await check(['-f', ...targets, '--format', format], repositoryRoot), printed, format);
  });
});
