import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { FieldPath } from './field-path.js';
import { parseYaml } from './parse-yaml.js';
import { findSimpleNode, readSimpleYaml } from './simple-yaml.js';

/** Every path of a value, with paths the text lacks below each. */
function pathsOf(value: unknown, prefix: FieldPath = []): FieldPath[] {
  const paths: FieldPath[] = [prefix, [...prefix, 'absent'], [...prefix, 3]];
  if (Array.isArray(value)) for (const [index, item] of value.entries()) paths.push(...pathsOf(item, [...prefix, index]));
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  return paths;
}

/** parseYaml with the full parser only (the `yaml` package), as it read every file before the simple reader. */
function fullRead(text: string) {
  const lineCounter = new LineCounter();
  const pyYamlBooleans = {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    test: /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/,
    resolve: (source: string) => /^(?:yes|on)$/i.test(source),
  };
  const document = parseDocument(text, { lineCounter, merge: true, customTags: (tags) => [...tags, pyYamlBooleans] });
  assert.equal(document.errors.length, 0, 'the full parser reads the text');
  const find = (path: FieldPath) => {
    let node: unknown = document.contents;
    let offset = isMap(node) || isSeq(node) || isScalar(node) ? (node.range?.[0] ?? 0) : 0;
    let depth = 0;
    for (const segment of path) {
      let next: { node: unknown; offset: number } | undefined;
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (pair && isScalar(pair.key)) next = { node: pair.value, offset: pair.key.range?.[0] ?? 0 };
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (isMap(item) || isSeq(item) || isScalar(item)) next = { node: item, offset: item.range?.[0] ?? 0 };
      }
      if (!next) break;
      ({ node, offset } = next);
      depth += 1;
    }
    const { line, col } = lineCounter.linePos(offset);
    const source = depth === path.length && isScalar(node) ? ((node as { source?: unknown }).source ?? String(node.value)) : undefined;
    return { line, column: col, source };
  };
  return { value: document.toJS(), find };
}

/** The simple reader gives what the full parser gives: the value, every key's and item's position, each scalar's source. */
function assertReadsAlike(text: string, label = text.slice(0, 80)): void {
  const simple = readSimpleYaml(text);
  assert.ok(simple, `the simple reader reads ${label}`);
  const full = fullRead(text);
  assert.deepEqual(simple.value, full.value, `value of ${label}`);
  for (const path of pathsOf(full.value)) {
    const found = findSimpleNode(simple.root, path);
    const expected = full.find(path);
    assert.deepEqual(
      { line: found.line, column: found.column },
      { line: expected.line, column: expected.column },
      `${label}: ${JSON.stringify(path)}`,
    );
    const source = found.depth === path.length && found.node.kind === 'scalar' ? found.node.source : undefined;
    assert.equal(source, expected.source, `${label}: source of ${JSON.stringify(path)}`);
  }
}

function yamlFilesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('readSimpleYaml', () => {
  it('reads block mappings and sequences, compact items, flow collections and comments as the yaml package does', () => {
    assertReadsAlike(
      [
        '$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
        '# a comment',
        'type: command',
        'name: train-00001   # trailing comment',
        'command: python train.py --lr ${{search_space.lr}} --epochs 10',
        'environment:',
        '  image: python:3.11-slim',
        '',
        '  conda_file: ../conda/env.yml',
        'compute: azureml:cpu-00000',
        'limits:',
        '  timeout: 3600',
        'resources:',
        '    instance_count: 2',
        '    shm_size: 1g',
        'search_space:',
        '  lr: {type: uniform, min_value: 0.001, max_value: 0.1}',
        "  batch: {type: choice, values: [16, 32, \"64\", 'it''s']}",
        'empty_map: {}',
        'empty_list: []',
        'nothing:',
        'tilde: ~',
        'flags: [true, False, yes, No, on, OFF, null, Null]',
        'numbers: [0, 7, -3, 1.5, -0.25, 1.10]',
        'strings: [1.26.4, 2024-04-01, v1, +x, 0.1.0, .hidden, 3.11-slim]',
        'quoted: "with # hash and: colon"',
        "single: 'a ''quoted'' word'",
        'dash: -not-a-list',
        'url: azureml://registries/azureml/models/x/versions/1',
        'dependencies:',
        '- python=3.11',
        '- pip:',
        '  - numpy==1.26.4',
        '  - pandas',
        'jobs:',
        '  prep:',
        '    type: command',
        '    inputs:',
        '      - name: a',
        '        value: 1',
        '      -   name: b',
        '          value: [x, {y: z}]',
        '  train:',
        '    limits: {timeout: 7200}',
        'tail: end',
      ].join('\n'),
    );
  });

  it('reads every bench file kind and the YAML of the test fixtures as the yaml package does, or leaves them to it', async () => {
    const { resourceFile } = await import('../../../bench/advisor.js');
    for (let index = 0; index < 40; index += 1) {
      const file = resourceFile(index);
      if (file.path.endsWith('.yml')) assertReadsAlike(file.text, file.path);
    }
    const fixtures = new URL('../../../test/fixtures/', import.meta.url).pathname;
    let read = 0;
    for (const path of yamlFilesUnder(fixtures)) {
      const text = readFileSync(path, 'utf8');
      if (readSimpleYaml(text) === undefined) continue;
      assertReadsAlike(text, path);
      read += 1;
    }
    assert.ok(read > 50, `most fixtures are in the subset (${read})`);
  });

  it('leaves to the full parser what is outside the subset or invalid', () => {
    const outside = [
      '',
      '# only a comment\n',
      '---\nname: a\n',
      'name: a\n---\nname: b\n',
      'base: &base {a: 1}\nother: *base\n',
      'tagged: !!str 1\n',
      'script: |\n  echo hi\n',
      'folded: >\n  a\n  b\n',
      'multi: a\n  continued\n',
      'name: a\nname: b\n',
      '"quoted key": 1\n',
      'key: "escaped \\" quote"\n',
      'key: "unclosed\n',
      'key:value\n',
      'key: a: b\n',
      'key: [a, b,]\n',
      'key: {a: 1\n',
      'key: [a\n  , b]\n',
      '\tkey: 1\n',
      'key: caf\u00e9\n',
      '  indented: 1\n',
      'a:\n    b: 1\n  c: 2\n',
      '- a\n- b\n',
      'plain scalar\n',
      'true: 1\n',
      'null: 1\n',
      '__proto__: 1\n',
      'octal: 0o17\n',
      'hex: 0x1F\n',
      'exp: 1e3\n',
      'inf: .inf\n',
      'zero: 007\n',
      'big: 12345678901234567890\n',
      'list:\n- \n- b\n',
      'list:\n- - a\n',
      'key: # comment only\n',
      'key: value\r\nother: 1\r\n',
      '<<: {a: 1}\n',
      'key: x #\n  more: 1\n',
    ];
    for (const text of outside) assert.equal(readSimpleYaml(text), undefined, JSON.stringify(text));
  });
});

describe('parseYaml with the simple reader', () => {
  it('locates keys and items, and gives scalars as written, on the simple path', () => {
    const parsed = parseYaml('name: a\nlimits:\n  timeout: 3600\nversion: 1.10\nlist:\n  - x\n  - {y: 2}\n', 'job.yml');
    assert.deepEqual(parsed.value, { name: 'a', limits: { timeout: 3600 }, version: 1.1, list: ['x', { y: 2 }] });
    assert.deepEqual(parsed.locate(['limits', 'timeout']), { line: 3, column: 3 });
    assert.deepEqual(parsed.locate(['limits', 'absent']), { line: 2, column: 1 });
    assert.deepEqual(parsed.locate(['list', 1, 'y']), { line: 7, column: 6 });
    assert.equal(parsed.sourceText(['version']), '1.10');
    assert.equal(parsed.sourceText(['limits']), undefined);
  });

  it('still names the file and line of a syntax error, which the full parser reports', () => {
    assert.throws(
      () => parseYaml('name: a\nlimits:\n  timeout: 3600\n  timeout: 60\n', 'job.yml'),
      (error: { message: string; problems: Array<{ line?: number; message: string }> }) =>
        error.message.includes('job.yml') &&
        error.problems.some((problem) => problem.line === 4 && /duplicate key 'timeout'/.test(problem.message)),
    );
    assert.throws(
      () => parseYaml('name: a\nlimits: {timeout: 3600\ntype: command\n', 'job.yml'),
      (error: { message: string; problems: Array<{ line?: number }> }) =>
        error.message.includes('job.yml') && error.problems.some((problem) => problem.line !== undefined && problem.line >= 2),
    );
  });
});
