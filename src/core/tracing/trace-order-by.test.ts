import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTraceOrderBy } from './trace-order-by.js';

const defaults = [
  { column: 'request_time', ascending: false },
  { column: 'trace_id', ascending: true },
];

describe('trace order_by', () => {
  it("orders by MLflow's default: timestamp_ms DESC, then request_id", () => {
    assert.deepEqual(parseTraceOrderBy(undefined), defaults);
    assert.deepEqual(parseTraceOrderBy([]), defaults);
  });

  it('reads attributes and their aliases, ASC or DESC in any case, and keeps the tie-breakers not named', () => {
    assert.deepEqual(parseTraceOrderBy(['timestamp_ms asc']), [{ column: 'request_time', ascending: true }, defaults[1]]);
    assert.deepEqual(parseTraceOrderBy(['timestamp DESC']), [{ column: 'request_time', ascending: false }, defaults[1]]);
    assert.deepEqual(parseTraceOrderBy(['execution_time DESC']), [{ column: 'execution_duration', ascending: false }, ...defaults]);
    assert.deepEqual(parseTraceOrderBy(['trace.status', 'attribute.request_id DESC']), [
      { column: 'state', ascending: true },
      { column: 'trace_id', ascending: false },
      defaults[0],
    ]);
    assert.deepEqual(parseTraceOrderBy(['experiment_id']), [{ column: 'experiment_id', ascending: true }, ...defaults]);
    assert.deepEqual(parseTraceOrderBy(['end_time_ms DESC']), [{ column: 'end_time', ascending: false }, ...defaults]);
  });

  it('orders by tags and metadata; name and run_id are the tag mlflow.traceName and the metadata mlflow.sourceRun', () => {
    assert.deepEqual(parseTraceOrderBy(['tags.`a b` DESC', 'metadata.k', 'name', 'run_id DESC']), [
      { column: 'tag', key: 'a b', ascending: false },
      { column: 'metadata', key: 'k', ascending: true },
      { column: 'tag', key: 'mlflow.traceName', ascending: true },
      { column: 'metadata', key: 'mlflow.sourceRun', ascending: false },
      ...defaults,
    ]);
  });

  it("refuses what MLflow refuses, in MLflow's words (sets sorted)", () => {
    const keys =
      "'{'end_time', 'end_time_ms', 'execution_time', 'execution_time_ms', 'experiment_id', 'name', 'request_id', 'run_id', 'status', 'timestamp', 'timestamp_ms'}'";
    const cases: Array<[string[], string]> = [
      [['foo'], `Invalid attribute key 'foo' specified. Valid keys are ${keys}`],
      [['client_request_id'], `Invalid attribute key 'client_request_id' specified. Valid keys are ${keys}`],
      [['timestamp_ms sideways'], "Invalid ordering key in order_by clause 'timestamp_ms sideways'."],
      [['timestamp_ms ASC extra'], "Invalid order_by clause 'timestamp_ms ASC extra'. Could not be parsed."],
      [[''], "Invalid order_by clause ''. Could not be parsed."],
      [['timestamp_ms', 'timestamp'], "`order_by` contains duplicate fields: ['timestamp_ms', 'timestamp']"],
      [['span.name'], "Invalid identifier type 'span'"],
      [['feedback.x'], "Invalid identifier type 'feedback'"],
    ];
    for (const [orderBy, message] of cases) {
      assert.throws(() => parseTraceOrderBy(orderBy), { code: 'INVALID_PARAMETER_VALUE', status: 400, message }, orderBy.join());
    }
  });
});
