import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError, type TrellisError } from '../errors.js';
import { formatFieldPath } from './field-path.js';
import { parseYaml } from './parse-yaml.js';

function problemsOf(text: string): TrellisError['problems'] {
  try {
    parseYaml(text, 'test.yml');
  } catch (error) {
    assert.ok(isTrellisError(error));
    assert.equal(error.code, 'InvalidInput');
    assert.match(error.message, /^test\.yml has/);
    return error.problems;
  }
  assert.fail('expected parseYaml to throw');
}

describe('parseYaml', () => {
  const text = [
    'name: cpu',
    'build:',
    '  path: ./ctx',
    'identity:',
    '  user_assigned_identities:',
    '    - resource_id: a',
    '    - resource_id: b',
    '',
  ].join('\n');

  it('returns the plain value', () => {
    const parsed = parseYaml(text, 'test.yml');
    assert.deepEqual(parsed.value, {
      name: 'cpu',
      build: { path: './ctx' },
      identity: { user_assigned_identities: [{ resource_id: 'a' }, { resource_id: 'b' }] },
    });
  });

  it('locates fields by path, 1-based', () => {
    const { locate } = parseYaml(text, 'test.yml');
    assert.deepEqual(locate(['name']), { line: 1, column: 1 });
    assert.deepEqual(locate(['build', 'path']), { line: 3, column: 3 });
    assert.deepEqual(locate(['identity', 'user_assigned_identities', 1, 'resource_id']), { line: 7, column: 7 });
  });

  it('falls back to the nearest existing parent', () => {
    const { locate } = parseYaml(text, 'test.yml');
    assert.equal(locate(['build', 'dockerfile_path']).line, 2);
    assert.equal(locate(['identity', 'user_assigned_identities', 5]).line, 5);
    assert.equal(locate(['missing', 'deeper']).line, 1);
    assert.equal(locate([]).line, 1);
  });

  it('keeps the source text of scalars', () => {
    const parsed = parseYaml('version: 1.10\ncount: 3\nlist: [1]\n', 'test.yml');
    assert.equal(parsed.value.version, 1.1);
    assert.equal(parsed.sourceText(['version']), '1.10');
    assert.equal(parsed.sourceText(['count']), '3');
    assert.equal(parsed.sourceText(['list']), undefined);
    assert.equal(parsed.sourceText(['absent']), undefined);
  });

  it('reads yes/no/on/off as booleans like PyYAML, but not y/n', () => {
    const parsed = parseYaml('a: yes\nb: Off\ny: n\n', 'test.yml');
    assert.deepEqual(parsed.value, { a: true, b: false, y: 'n' });
  });

  it('resolves merge keys', () => {
    const parsed = parseYaml('base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n', 'test.yml');
    assert.deepEqual(parsed.value.c, { x: 1, y: 2 });
  });

  it('refuses syntax errors with their lines', () => {
    const problems = problemsOf('name: ok\nsize\nmin_instances: 1\n');
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.line, 2);
    assert.match(problems[0]?.message ?? '', /YAML syntax/);
  });

  it('reports every error, not just the first', () => {
    const problems = problemsOf('a: 1\na: 2\nb: 1\nb: 2\n');
    assert.deepEqual(
      problems.map((p) => p.line),
      [2, 4],
    );
    assert.match(problems[0]?.message ?? '', /duplicate key 'a'/);
  });

  it('refuses several documents', () => {
    const problems = problemsOf('name: a\n---\nname: b\n');
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.line, 2);
    assert.match(problems[0]?.message ?? '', /more than one YAML document/);
  });

  it('refuses a top level that is not a mapping', () => {
    const problems = problemsOf('# a list\n- a\n- b\n');
    assert.equal(problems[0]?.line, 2);
    assert.match(problems[0]?.message ?? '', /must be a mapping.*a list/);
    assert.match(problemsOf('just text\n')[0]?.message ?? '', /the string 'just text'/);
  });

  it('refuses an empty file', () => {
    assert.match(problemsOf('')[0]?.message ?? '', /empty/);
    assert.match(problemsOf('# nothing here\n')[0]?.message ?? '', /empty/);
  });

  it('refuses unknown tags', () => {
    assert.equal(problemsOf('name: ok\nsize: !custom big\n')[0]?.line, 2);
  });

  it('refuses tabs used as indentation', () => {
    const problems = problemsOf('a:\n\tb: 1\n');
    assert.equal(problems[0]?.line, 2);
  });
});

describe('formatFieldPath', () => {
  it('writes dotted keys and bracketed indexes', () => {
    assert.equal(formatFieldPath([]), '');
    assert.equal(formatFieldPath(['min_instances']), 'min_instances');
    assert.equal(formatFieldPath(['build', 'path']), 'build.path');
    assert.equal(
      formatFieldPath(['identity', 'user_assigned_identities', 0, 'resource_id']),
      'identity.user_assigned_identities[0].resource_id',
    );
  });
});
