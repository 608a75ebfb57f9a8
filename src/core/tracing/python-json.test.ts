import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dumpPythonJson, jsonValueOf, parsePythonJson, pyJsonOf } from './python-json.js';

describe('python json', () => {
  it('keeps ints exact, floats as floats and key order', () => {
    const value = parsePythonJson('{"b": 1796620510431713850, "a": [1.0, 2, -3.5e-07, true, null, "x\\u00e9"], "1": {}}');
    assert.ok(value instanceof Map);
    assert.deepEqual([...value.keys()], ['b', 'a', '1']);
    assert.equal(value.get('b'), 1796620510431713850n);
    assert.deepEqual(value.get('a'), [1, 2n, -3.5e-7, true, null, 'xé']);
  });

  it('writes what json.dumps(value, ensure_ascii=False) writes', () => {
    const text = '{"b": 1796620510431713850, "a": [1.0, 2, -3.5e-07, 1e+16, 0.0001, 123.25, true, null, "x\\"é\\n"], "1": {}}';
    assert.equal(dumpPythonJson(parsePythonJson(text)), text);
    assert.equal(dumpPythonJson(parsePythonJson('[1E5, 1e-5, NaN, -Infinity]')), '[100000.0, 1e-05, NaN, -Infinity]');
  });

  it('refuses text that is not JSON, saying where', () => {
    assert.throws(() => parsePythonJson('{"a": }'), /expected a JSON value at offset 6/);
    assert.throws(() => parsePythonJson('[1] x'), /extra data/);
    assert.throws(() => parsePythonJson('"abc'), /unterminated string/);
  });

  it('converts to and from plain JSON, whole numbers becoming ints', () => {
    const plain = { a: [1, 1.5, 'x'], b: { c: null } };
    assert.equal(dumpPythonJson(pyJsonOf(plain)), '{"a": [1, 1.5, "x"], "b": {"c": null}}');
    assert.deepEqual(jsonValueOf(pyJsonOf(plain)), plain);
  });
});
