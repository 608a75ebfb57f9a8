import assert from 'node:assert/strict';
import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Types survive parsing (STYLE.md): a spec is parsed once by its kind's schema, in core/azureml,
 * and typed once where the store reads it back; everything after trusts those types. So no code
 * casts through `unknown`, and nothing outside the parser and the store casts a spec.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scanned = ['src', 'test', 'bench', 'studio/src'];
/** Where a spec gets its type: the parsers (from a schema's output) and the store (from a JSON column). */
const mayCastSpecs = ['src/core/azureml/', 'src/store/'];
const self = 'src/no-casts.test.ts';

/** Files that may still cast: none; a file added here needs a reason beside it. */
const allowed: ReadonlySet<string> = new Set<string>();

const throughUnknown = /\bas\s+unknown\s+as\b/;
// `spec as X` in code; prose such as "the spec as it is stored" starts with a lower-case word.
const specCast = /\bspec\)?\s+as\s+(?:[A-Z{[(]|unknown\b|typeof\b|keyof\b|readonly\b|string\b|number\b|boolean\b|object\b)/;

function sourceFiles(folder: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'fixtures' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** The code of a file with comments blanked, so a line number still points at its line. */
function codeOf(text: string): string[] {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' '))
    .split('\n')
    .map((line) => line.replace(/(^|[^:'"`])\/\/.*$/, '$1'));
}

const files = scanned.flatMap((folder) => sourceFiles(join(root, folder))).map((path) => relative(root, path).split('\\').join('/'));

/** `file:line: code` for each line of a scanned file that casts as `pattern` says, outside `exempt` folders and the allow-list. */
function findings(pattern: RegExp, exempt: readonly string[] = []): string[] {
  return files
    .filter((file) => file !== self && !allowed.has(file) && !exempt.some((folder) => file.startsWith(folder)))
    .flatMap((file) =>
      codeOf(readFileSync(join(root, file), 'utf8')).flatMap((line, index) =>
        pattern.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [],
      ),
    );
}

describe('casts', () => {
  it('has files to scan', () => {
    assert.ok(files.length > 200, `only ${files.length} files found under ${scanned.join(', ')}`);
    assert.ok(files.includes('src/core/azureml/parse-resource-file.ts'));
  });

  it('never casts through unknown: a value that needs it is typed wrong, or needs a parser', () => {
    assert.deepEqual(findings(throughUnknown), []);
  });

  it('casts a spec only where it is parsed or read from the store', () => {
    assert.deepEqual(findings(specCast, mayCastSpecs), []);
  });

  it('knows both patterns when it sees them', () => {
    assert.ok(throughUnknown.test('const x = y as unknown as Z;'));
    assert.ok(specCast.test('const s = compute.spec as SlurmComputeSpec;'));
    assert.ok(specCast.test('(found.spec as { outputs?: Record<string, unknown> })'));
    assert.ok(!specCast.test(" * The deployment's spec as it is stored"));
  });
});
