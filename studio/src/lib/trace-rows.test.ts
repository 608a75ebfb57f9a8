import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { previewOf, traceStateTone, userTags } from './trace-rows.js';

describe('trace rows', () => {
  it("colours a trace's state by what it means", () => {
    assert.deepEqual(['OK', 'ERROR', 'IN_PROGRESS', 'STATE_UNSPECIFIED'].map(traceStateTone), ['ok', 'bad', 'busy', 'idle']);
  });

  it("lists the user's tags, not MLflow's own", () => {
    assert.deepEqual(userTags({ 'mlflow.traceName': 'answer', env: 'prod', 'mlflow.artifactLocation': '/x', app: 'rag' }), [
      ['app', 'rag'],
      ['env', 'prod'],
    ]);
  });

  it('cuts a preview to one short line', () => {
    assert.equal(previewOf('{"q":\n  "hi"}'), '{"q": "hi"}');
    assert.equal(previewOf('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
  });
});
