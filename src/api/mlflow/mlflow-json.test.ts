import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLenientJson, stringifyMlflowJson } from './mlflow-json.js';

describe('MLflow JSON', () => {
  it('reads bare NaN and Infinity tokens, but leaves them alone inside strings', () => {
    const value = parseLenientJson(
      '{"metrics":[{"key":"NaN loss","value":NaN},{"key":"a","value":-Infinity},{"key":"b","value":Infinity}],"note":"say \\"NaN\\""}',
    ) as {
      metrics: Array<{ key: string; value: number }>;
      note: string;
    };
    assert.ok(Number.isNaN(value.metrics[0]?.value));
    assert.equal(value.metrics[0]?.key, 'NaN loss');
    assert.equal(value.metrics[1]?.value, Number.NEGATIVE_INFINITY);
    assert.equal(value.metrics[2]?.value, Number.POSITIVE_INFINITY);
    assert.equal(value.note, 'say "NaN"');
  });

  it('still refuses text that is not JSON', () => {
    assert.throws(() => parseLenientJson('{"value": nope}'), SyntaxError);
  });

  it('writes non-finite numbers as protobuf JSON strings', () => {
    assert.equal(
      stringifyMlflowJson({ a: Number.NaN, b: Number.POSITIVE_INFINITY, c: Number.NEGATIVE_INFINITY, d: 1.5 }),
      '{"a":"NaN","b":"Infinity","c":"-Infinity","d":1.5}',
    );
  });

  it('finds a non-finite number deep in arrays, and writes a value without one as JSON.stringify does', () => {
    assert.equal(
      stringifyMlflowJson({ traces: [{ tags: {}, values: [1, 2, Number.NaN] }] }),
      '{"traces":[{"tags":{},"values":[1,2,"NaN"]}]}',
    );
    const plain = { traces: [{ trace_id: 'tr-1', request_time: '2026-12-07T00:00:00Z', skipped: undefined, list: [1.5, null, 'x'] }] };
    assert.equal(stringifyMlflowJson(plain), JSON.stringify(plain));
    // toJSON runs before the check could see its result: such a value takes the careful path.
    assert.equal(stringifyMlflowJson({ custom: { toJSON: () => ({ loss: Number.POSITIVE_INFINITY }) } }), '{"custom":{"loss":"Infinity"}}');
  });
});
