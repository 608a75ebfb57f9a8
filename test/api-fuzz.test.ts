import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from './support/trellis-process.js';

// schemathesis generates requests for every operation of the OpenAPI document, valid and not;
// whatever it sends, the server must answer without a server error (5xx) and with a response that
// fits the document's schema. Pinned, in a venv of its own (its dependencies are not mlflow's).
const requirement = 'schemathesis==4.32.5';
const venv = join(repositoryRoot, '.cache', 'schemathesis-venv');

/** The venv's schemathesis, installed once per requirement (a stamp file records which). */
function ensureSchemathesis(): string {
  const executable = join(venv, 'bin', 'schemathesis');
  const stamp = join(venv, '.requirement.sha256');
  const wanted = createHash('sha256').update(requirement).digest('hex');
  if (existsSync(executable) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return executable;
  rmSync(venv, { recursive: true, force: true });
  execFileSync(process.env.TRELLIS_PYTHON ?? 'python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', requirement], {
    stdio: 'inherit',
  });
  writeFileSync(stamp, wanted);
  return executable;
}

function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe('the API under schemathesis: every operation of /api/v1/openapi.json, valid and invalid input', () => {
  let trellis: TrellisProcess;
  let schemathesis: string;

  before(async () => {
    schemathesis = ensureSchemathesis();
    trellis = await startTrellis();
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
  });

  it('answers no request with a server error, and every response fits its schema', { timeout: 600_000 }, async () => {
    // Bounded: five examples per operation, the same ones every run (deterministic), a 20 s cap per request.
    const args = [
      'run',
      `${trellis.url}/api/v1/openapi.json`,
      '--checks',
      'not_a_server_error,response_schema_conformance',
      '--max-examples',
      '5',
      '--generation-deterministic',
      '--phases',
      'examples,fuzzing',
      '--request-timeout',
      '20',
      '--workers',
      '2',
    ];
    const result = await run(schemathesis, args, 540_000);
    const summary = result.output.slice(result.output.lastIndexOf('SUMMARY'));
    assert.match(result.output, /Tested: \d{3}/, `schemathesis did not test the operations:\n${result.output.slice(-3000)}`);
    assert.equal(
      result.code,
      0,
      `schemathesis found failures:\n${result.output.slice(result.output.indexOf('FAILURES')).slice(0, 6000)}\n${summary}\n\nserver output:\n${trellis.output().slice(-3000)}`,
    );
  });
});
