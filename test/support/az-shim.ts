import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { waitFor } from './wait-for.js';
import { access, chmod, constants, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { cliPath } from './trellis-process.js';

/**
 * Running the shell scripts of Azure/azureml-examples unchanged against a Trellis server: an `az`
 * first on PATH that drops the word `ml` and runs the trellis CLI (`az ml online-endpoint show ...`
 * becomes `trellis --server <url> online-endpoint show ...`), and a `curl` that runs the real curl.
 * Both keep a record of every call (arguments, output, exit code; curl's response headers and
 * body), so a test checks what the script itself got back rather than parsing its mixed output.
 */

export interface AzCall {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
}

export interface CurlCall {
  args: string[];
  /** The status and headers of the final response (after any `100 Continue`). */
  status: number;
  headers: Headers;
  /** What curl wrote to stdout; empty when the script sent the body to a file with -o. */
  body: Buffer;
  text(): string;
  json(): unknown;
}

export interface ScriptRun {
  /** Resolves when the script exits, with its exit code and everything it printed (stdout and stderr). */
  exited: Promise<{ code: number; output: string }>;
  /** Resolves when the script is about to run an `az ml` command named in pauseBefore, with that command's arguments; it waits until resume(). */
  paused(): Promise<string[]>;
  resume(): Promise<void>;
}

export interface AzShell {
  /** The folder with bin/az, bin/curl and the call records. */
  dir: string;
  /** Runs a script file with bash from `cwd`, as the examples' CI does, with the shims first on PATH. */
  runScript(script: string, cwd: string, options?: { pauseBefore?: string[]; timeoutMs?: number }): ScriptRun;
  /** One `az ...` command through the same shim, for the lines a test runs in a script's place. */
  az(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }>;
  azCalls(): Promise<AzCall[]>;
  curlCalls(): Promise<CurlCall[]>;
}

/** Writes the shims into `dir` (a fresh folder per script, so records never mix) for the server at `server`. */
export async function createAzShell(dir: string, server: string): Promise<AzShell> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  const realCurl = await which('curl');
  const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  // Each shim numbers its calls with a counter file: a script runs its commands one after another.
  const counter = (name: string) =>
    `n=$(( $(cat ${quote(join(dir, `${name}.count`))} 2>/dev/null || echo 0) + 1 )); echo "$n" > ${quote(join(dir, `${name}.count`))}`;
  const az = [
    '#!/usr/bin/env bash',
    '# az ml <command> ... → trellis --server <url> <command> ...; nothing else of az has a meaning here.',
    'set -o pipefail',
    'if [ "$1" != ml ]; then echo "az (Trellis test shim): \'az $*\' has no local meaning; only \'az ml ...\' is served" >&2; exit 2; fi',
    'shift',
    counter('az'),
    `record=${quote(dir)}/az-$n`,
    'printf \'%s\\n\' "$@" > "$record.args"',
    // The test names commands to stop before (one per line, e.g. "online-deployment delete"): it checks
    // the server's state there, then removes the paused file.
    `if [ $# -ge 2 ] && grep -qxF -- "$1 $2" ${quote(join(dir, 'pause-before'))} 2>/dev/null; then`,
    `  echo "$n" > ${quote(join(dir, 'paused'))}`,
    `  while [ -e ${quote(join(dir, 'paused'))} ]; do sleep 0.1; done`,
    'fi',
    `${quote(process.execPath)} ${quote(cliPath)} --server ${quote(server)} "$@" 2> "$record.err" | tee "$record.out"`,
    'code=$?',
    'cat "$record.err" >&2',
    'echo "$code" > "$record.code"',
    'exit "$code"',
    '',
  ].join('\n');
  const curl = [
    '#!/usr/bin/env bash',
    "# The real curl; each call's arguments, response headers and body are kept for the test.",
    'set -o pipefail',
    counter('curl'),
    `record=${quote(dir)}/curl-$n`,
    'printf \'%s\\n\' "$@" > "$record.args"',
    `${quote(realCurl)} --dump-header "$record.headers" "$@" | tee "$record.body"`,
    '',
  ].join('\n');
  await writeFile(join(bin, 'az'), az);
  await writeFile(join(bin, 'curl'), curl);
  await chmod(join(bin, 'az'), 0o755);
  await chmod(join(bin, 'curl'), 0o755);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
    // az prints JSON unless told otherwise (-o tsv); the CLI reads no config of this machine.
    TRELLIS_OUTPUT: 'json',
    TRELLIS_HOME: join(dir, 'cli-home'),
  };
  delete env.TRELLIS_URL;
  delete env.TRELLIS_WORKSPACE;

  const numbered = async (name: string) => Number(await readFile(join(dir, `${name}.count`), 'utf8').catch(() => '0'));
  const lines = (text: string) => text.split('\n').slice(0, -1);

  return {
    dir,
    runScript(script, cwd, options = {}) {
      const pauseFile = join(dir, 'paused');
      const started = writeFile(join(dir, 'pause-before'), (options.pauseBefore ?? []).map((line) => `${line}\n`).join(''));
      let output = '';
      let done = false;
      const exited = started.then(
        () =>
          new Promise<{ code: number; output: string }>((resolve) => {
            const child = spawn('bash', [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
            child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
            child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
            const timer = setTimeout(
              () => {
                output += `\n(killed: still running after ${options.timeoutMs} ms)`;
                if (child.pid) process.kill(-child.pid, 'SIGKILL');
              },
              options.timeoutMs ?? 20 * 60_000,
            );
            // A script left behind (a failed test that never resumed it) must not keep the test process alive.
            timer.unref();
            child.once('exit', (code, signal) => {
              clearTimeout(timer);
              done = true;
              resolve({ code: code ?? (signal ? 128 : 1), output });
            });
          }),
      );
      return {
        exited,
        async paused() {
          const pauseAt = (options.pauseBefore ?? []).join(', ');
          const number = await waitFor(
            async () => {
              const found = (await readFile(pauseFile, 'utf8').catch(() => '')).trim();
              if (!found && done) throw new Error(`${script} exited before the command it should pause at (${pauseAt}):\n${output}`);
              return found;
            },
            { what: `${script} to pause before ${pauseAt}`, timeoutMs: options.timeoutMs ?? 20 * 60_000 },
          );
          return lines(await readFile(join(dir, `az-${number}.args`), 'utf8'));
        },
        async resume() {
          await rm(pauseFile, { force: true });
        },
      };
    },
    async az(args, cwd) {
      const child = spawn(join(bin, 'az'), args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number>((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? 1)));
      return { code, stdout, stderr };
    },
    async azCalls() {
      const calls: AzCall[] = [];
      for (let n = 1; n <= (await numbered('az')); n++) {
        const read = (suffix: string) => readFile(join(dir, `az-${n}.${suffix}`), 'utf8').catch(() => '');
        const code = await read('code');
        calls.push({
          args: lines(await read('args')),
          code: code.trim() === '' ? -1 : Number(code),
          stdout: await read('out'),
          stderr: await read('err'),
        });
      }
      return calls;
    },
    async curlCalls() {
      const calls: CurlCall[] = [];
      for (let n = 1; n <= (await numbered('curl')); n++) {
        const body = await readFile(join(dir, `curl-${n}.body`)).catch(() => Buffer.alloc(0));
        const { status, headers } = parseHeaders(await readFile(join(dir, `curl-${n}.headers`), 'utf8').catch(() => ''));
        calls.push({
          args: lines(await readFile(join(dir, `curl-${n}.args`), 'utf8')),
          status,
          headers,
          body,
          text: () => body.toString('utf8'),
          json: () => JSON.parse(body.toString('utf8')) as unknown,
        });
      }
      return calls;
    },
  };
}

/** The first curl call of a script; fails when it made none. */
export function firstCurl(calls: CurlCall[]): CurlCall {
  assert.ok(calls[0], 'the script made no curl call');
  return calls[0];
}

/** The calls of one command (`callsOf(calls, 'online-endpoint', 'invoke')`), in the script's order. */
export const callsOf = (calls: AzCall[], ...command: string[]) =>
  calls.filter((call) => command.every((word, index) => call.args[index] === word));

/** The one call of that command; fails when the script made none or several. */
export function only(calls: AzCall[], ...command: string[]): AzCall {
  const found = callsOf(calls, ...command);
  assert.equal(found.length, 1, `expected one 'az ml ${command.join(' ')}' among:\n${calls.map((call) => call.args.join(' ')).join('\n')}`);
  return found[0]!;
}

/** The value after --name or -n (whichever the script wrote) in an az call. */
export function optionValue(call: AzCall): string {
  const at = call.args.findIndex((arg) => arg === '--name' || arg === '-n');
  assert.ok(at >= 0 && call.args[at + 1], `no --name in: az ml ${call.args.join(' ')}`);
  return call.args[at + 1]!;
}

/** Every az command of the calls exited 0 (a script without set -e goes on after a failure); the message shows each failed one and the script's output. */
export function assertAllSucceeded(calls: AzCall[], output: string): void {
  const failed = calls.filter((call) => call.code !== 0);
  assert.deepEqual(
    failed.map((call) => `az ml ${call.args.join(' ')} → ${call.code}: ${call.stderr.trim()}`),
    [],
    `these az commands of the script failed:\n${failed.map((call) => `az ml ${call.args.join(' ')} → ${call.code}\n${call.stderr}${call.stdout}`).join('\n')}\n--- script output ---\n${output}`,
  );
}

/** What `az ml online-endpoint invoke` printed: the answer as the endpoint sent it, or, as az prints it, a JSON string holding it. */
export function invokeAnswer(stdout: string): unknown {
  const value = JSON.parse(stdout) as unknown;
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

/** The last response block of a `curl --dump-header` file (a `100 Continue` comes first for uploads). */
function parseHeaders(text: string): { status: number; headers: Headers } {
  const blocks = text.split(/\r?\n\r?\n/).filter((block) => /^HTTP\//.test(block));
  const last = blocks.at(-1) ?? '';
  const [statusLine = '', ...fields] = last.split(/\r?\n/);
  const headers = new Headers();
  for (const field of fields) {
    const colon = field.indexOf(':');
    if (colon > 0) headers.append(field.slice(0, colon).trim(), field.slice(colon + 1).trim());
  }
  return { status: Number(/^HTTP\/\S+ (\d{3})/.exec(statusLine)?.[1] ?? 0), headers };
}

async function which(command: string): Promise<string> {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(folder, command);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  throw new Error(`${command} is not on PATH; the azureml-examples scripts need it`);
}
