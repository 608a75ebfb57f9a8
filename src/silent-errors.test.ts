import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Errors are never swallowed silently, and library code reports through the logger in its Context,
 * not by writing to the process's streams (STYLE.md: dependencies are passed in). Checked on every
 * source file under src/ (tests aside), so it holds without anyone re-reading the code.
 */

const src = dirname(fileURLToPath(import.meta.url));

/**
 * Where writing to the process's own streams is the job: the CLI talks to its user; a worker or the
 * batch driver runs as a child process whose stderr is the instance's or the job's log.
 */
const mayWriteStreams = ['cli/', 'serving/workers/', 'serving/batch/batch-driver.ts'];

/**
 * A rejection or an exception dropped with nothing done: `.catch(() => undefined)`, `.catch(() => {})`, or a `catch {}`
 * with nothing in it — not even a comment on why going on after it is the handling (a JSON parse falling through to a
 * clear error below, say).
 */
const swallowed =
  /\.catch\(\s*(?:\(\s*\)|_\w*|\(\s*_\w*\s*\))\s*=>\s*(?:undefined|null|\{\s*\}|\[\s*\]|void 0)\s*\)|catch\s*(?:\(\s*\w*\s*\))?\s*\{\s*\}/;
/** Writing to the process's streams. */
const streamWrite = /\bprocess\.(?:stderr|stdout)\.write\(|\bconsole\.(?:log|error|warn|info|debug)\(/;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.contract.ts') ? [path] : [];
  });
}

/** The code of a file with comments blanked, so a match is code and an offset still gives its line. */
function codeOf(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`])\/\/[^\n]*/gm, (_line, before: string) => before);
}

const files = sourceFiles(src).map((path) => relative(src, path).split('\\').join('/'));

/** `file:line: code` for each match of `pattern` in the files `include` admits (in their code only, unless `withComments`). */
function findings(pattern: RegExp, include: (file: string) => boolean, withComments = false): string[] {
  const global = new RegExp(pattern.source, 'g');
  return files.filter(include).flatMap((file) => {
    const text = readFileSync(join(src, file), 'utf8');
    const code = withComments ? text : codeOf(text);
    return [...code.matchAll(global)].map((match) => {
      const line = code.slice(0, match.index).split('\n').length;
      return `${file}:${line}: ${match[0].replace(/\s+/g, ' ')}`;
    });
  });
}

describe('errors are handled or logged, never dropped', () => {
  it('has files to scan', () => {
    assert.ok(files.length > 200, `only ${files.length} files found under ${src}`);
  });

  it('drops no rejection or exception silently: handle the expected error by its code, or log what was lost', () => {
    assert.deepEqual(
      findings(swallowed, () => true, true),
      [],
    );
  });

  it('writes to stderr or stdout only from the CLI and from child-process entry points; the rest logs through the Context', () => {
    assert.deepEqual(
      findings(streamWrite, (file) => !mayWriteStreams.some((allowed) => file.startsWith(allowed))),
      [],
    );
  });

  it('knows the patterns when it sees them', () => {
    for (const code of [
      'p.catch(() => undefined)',
      'p.catch(() => {})',
      'p.catch((_error) => [])',
      'try { x(); } catch {}',
      'catch (error) { }',
    ])
      assert.ok(swallowed.test(code), code);
    assert.ok(!swallowed.test('p.catch((error) => logger.warn({ err: error }, "lost"))'));
    assert.ok(streamWrite.test('process.stderr.write(`x`)'));
    assert.ok(streamWrite.test('console.error(x)'));
  });
});
