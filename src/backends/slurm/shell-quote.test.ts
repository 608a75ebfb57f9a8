import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { isShellVariableName, shellQuote } from './shell-quote.js';

describe('shellQuote', () => {
  const awkward = [
    "it's",
    'say "hi"',
    '$HOME and $(id) and `id`',
    'two\nlines\n',
    '  spaces  ',
    'back\\slash',
    '',
    "'",
    "''\\''",
    '*?[a]~!#;&|<>',
  ];

  for (const value of awkward) {
    it(`reads back ${JSON.stringify(value)} unchanged through bash`, () => {
      const echoed = execFileSync('bash', ['-c', `printf %s ${shellQuote(value)}`], { encoding: 'utf8' });
      assert.equal(echoed, value);
    });
  }

  it('refuses a NUL byte, which no shell word can carry', () => {
    assert.throws(() => shellQuote('a\0b'), /NUL/);
  });
});

describe('isShellVariableName', () => {
  it('accepts names bash can export and refuses the rest', () => {
    assert.ok(isShellVariableName('MLFLOW_RUN_ID'));
    assert.ok(isShellVariableName('_x1'));
    assert.ok(!isShellVariableName('1X'));
    assert.ok(!isShellVariableName('A-B'));
    assert.ok(!isShellVariableName('A B'));
    assert.ok(!isShellVariableName(''));
  });
});
