import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dumpPythonJson, jsonValueOf, parsePythonJson, pyJsonOf, pythonJsonKindOf, tryParsePythonJson } from './python-json.js';

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

  it('reads strings with and without escapes alike, and refuses raw control characters in them', () => {
    assert.deepEqual(parsePythonJson('["plain", "a\\"b", "back\\\\", "\\u00e9\\n", ""]'), ['plain', 'a"b', 'back\\', 'é\n', '']);
    assert.deepEqual(
      parsePythonJson('{"k": "ends with a backslash\\\\", "n": 1}'),
      new Map<string, unknown>([
        ['k', 'ends with a backslash\\'],
        ['n', 1n],
      ]),
    );
    assert.throws(() => parsePythonJson('"tab\there"'), /bad string/);
    assert.throws(() => parsePythonJson('"never closed\\"'), /unterminated string/);
  });

  it('tries json.loads without throwing: undefined for text that is not JSON', () => {
    assert.equal(tryParsePythonJson('RETRIEVER'), undefined);
    assert.equal(tryParsePythonJson('gpt-4o-mini'), undefined);
    assert.equal(tryParsePythonJson('{"a": 1'), undefined);
    assert.equal(tryParsePythonJson('"LLM"'), 'LLM');
    assert.equal(tryParsePythonJson(' 12'), 12n);
    assert.deepEqual(tryParsePythonJson('[NaN]'), [Number.NaN]);
  });

  it("tells the kind of JSON text as json.loads would read it, Python's NaN and Infinity included", () => {
    assert.equal(pythonJsonKindOf('"text"'), 'string');
    assert.equal(pythonJsonKindOf(' [1, 2]'), 'list');
    assert.equal(pythonJsonKindOf('{"a": [Infinity]}'), 'object');
    assert.equal(pythonJsonKindOf('5'), 'scalar');
    assert.equal(pythonJsonKindOf('true'), 'scalar');
    assert.equal(pythonJsonKindOf('-Infinity'), 'scalar');
    assert.equal(pythonJsonKindOf('TOOL'), undefined);
    assert.equal(pythonJsonKindOf('{not json}'), undefined);
    assert.equal(pythonJsonKindOf('[1] extra'), undefined);
    assert.equal(pythonJsonKindOf(''), undefined);
  });
});
