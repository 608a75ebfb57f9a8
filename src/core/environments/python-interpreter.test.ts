import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../errors.js';
import { chooseInterpreter, type PythonInterpreter } from './python-interpreter.js';

const installed: PythonInterpreter[] = [
  { path: '/usr/bin/python3', version: '3.11.2' },
  { path: '/opt/python3.9/bin/python3', version: '3.9.18' },
  { path: '/opt/python3.11.7/bin/python3', version: '3.11.7' },
  { path: '/opt/python3.13/bin/python3', version: '3.13.0' },
];

describe('chooseInterpreter', () => {
  it('uses the first interpreter (the default python3) when no version is asked for', () => {
    assert.deepEqual(chooseInterpreter(null, installed), { interpreter: installed[0], minor: '3.11', warning: undefined });
  });

  it('takes the same minor: the exact patch when present, else the newest patch', () => {
    assert.equal(chooseInterpreter('3.11.2', installed).interpreter.path, '/usr/bin/python3');
    assert.equal(chooseInterpreter('3.11', installed).interpreter.version, '3.11.7');
    const otherPatch = chooseInterpreter('3.9.13', installed);
    assert.equal(otherPatch.interpreter.version, '3.9.18');
    assert.equal(otherPatch.warning, undefined);
  });

  it('falls back to the nearest minor with a warning for the build log', () => {
    const choice = chooseInterpreter('3.8', installed);
    assert.equal(choice.interpreter.version, '3.9.18');
    assert.equal(choice.minor, '3.9');
    assert.equal(
      choice.warning,
      'python 3.8 was requested but is not installed here; using 3.9.18 (/opt/python3.9/bin/python3) instead — packages pinned for 3.8 may not install',
    );
  });

  it('breaks a tie between an older and a newer minor towards the newer', () => {
    assert.equal(chooseInterpreter('3.12', installed).interpreter.version, '3.13.0');
    assert.equal(chooseInterpreter('3.10.4', installed).interpreter.version, '3.11.7');
  });

  it('reads "3" as any Python 3', () => {
    assert.equal(chooseInterpreter('3', installed).interpreter.path, '/usr/bin/python3');
  });

  it('says how to fix a machine with no Python', () => {
    assert.throws(
      () => chooseInterpreter('3.10', []),
      (error: unknown) => isTrellisError(error) && error.code === 'PythonNotFound' && /TRELLIS_PYTHON/.test(error.message),
    );
  });
});
