import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTraceFilter, type TraceCondition } from './trace-filter.js';

function only(filter: string): TraceCondition {
  const conditions = parseTraceFilter(filter);
  assert.equal(conditions.length, 1, filter);
  const [condition] = conditions;
  assert.ok(condition);
  return condition;
}

/**
 * MLflow 3.17.2's messages for these filters, from SearchTraceUtils.parse_search_filter_for_search_traces
 * and, for the comparator checks it makes only there, SqlAlchemyStore.search_traces on SQLite.
 * Python prints its sets in hash order, which changes from run to run; here they are sorted, as Trellis prints them.
 */
const mlflowErrors: Array<[string, string]> = [
  ["status > 'a'", "Invalid comparator '>' not one of '{'!=', '=', 'ILIKE', 'IN', 'LIKE', 'NOT IN', 'RLIKE'}'"],
  [
    'status = 1',
    "Only the '{'end_time', 'end_time_ms', 'execution_time', 'execution_time_ms', 'timestamp', 'timestamp_ms'}' attributes support comparison with numeric values.",
  ],
  ["timestamp_ms LIKE '1%'", "Invalid comparator 'LIKE' not one of '{'!=', '=', 'ILIKE', 'IN', 'LIKE', 'NOT IN', 'RLIKE'}"],
  [
    "timestamp_ms IN ('1')",
    "Only attributes in {'client_request_id', 'name', 'request_id', 'run_id', 'status'} supports comparison with a list of quoted string values.",
  ],
  ["name IN ('a','b')", "Invalid comparator 'IN' not one of '{'!=', '=', 'ILIKE', 'IS NOT NULL', 'IS NULL', 'LIKE', 'RLIKE'}"],
  ["run_id IN ('r1')", "Invalid comparator 'IN' not one of '{'!=', '=', 'ILIKE', 'IS NOT NULL', 'IS NULL', 'LIKE', 'RLIKE'}'"],
  ["tags.k IN ('v')", "Invalid comparator 'IN' not one of '{'!=', '=', 'ILIKE', 'IS NOT NULL', 'IS NULL', 'LIKE', 'RLIKE'}"],
  ['tags.k = 1', "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1"],
  ["tags.k > 'a'", "Invalid comparator '>' not one of '{'!=', '=', 'ILIKE', 'IS NOT NULL', 'IS NULL', 'LIKE', 'RLIKE'}"],
  ["metadata.k IN ('v')", "Expected a quoted string value for request_metadata (e.g. 'my-value'). Got value ('v')"],
  ['metadata.k = 5', "Expected a quoted string value for request_metadata (e.g. 'my-value'). Got value 5"],
  ["metadata.k < 'v'", "Invalid comparator '<' not one of '{'!=', '=', 'ILIKE', 'IS NOT NULL', 'IS NULL', 'LIKE', 'RLIKE'}'"],
  ["span.foo = 'x'", "Invalid span attribute 'foo'. Supported attributes: name, status, type, attributes.<attribute_name>."],
  ["span.content = 'x'", "span.content comparator '=' not one of '{'ILIKE', 'LIKE'}'"],
  ["span.name > 'a'", "span.name comparator '>' not one of '{'!=', '=', 'ILIKE', 'IN', 'LIKE', 'NOT IN', 'RLIKE'}'"],
  ["span.attributes. = 'x'", "Span attribute name cannot be empty after 'attributes.'"],
  ['span.name IS NULL', "span.name comparator 'IS NULL' not one of '{'!=', '=', 'ILIKE', 'IN', 'LIKE', 'NOT IN', 'RLIKE'}'"],
  ['span.name = 5', "Expected a quoted string value for span (e.g. 'my-value'). Got value 5"],
  ["feedback.score > 'a'", "Expected a numeric value for feedback when using comparator '>'. Got value 'a'"],
  ['feedback.label = 5', "Expected a quoted string value for feedback (e.g. 'my-value'). Got value 5"],
  ["feedback.x IN ('a')", "Expected a quoted string value for feedback (e.g. 'my-value'). Got value ('a')"],
  ["prompt = 'p'", 'Invalid prompts filter value \'p\'. Expected format: prompt = "name/version"'],
  ["prompt LIKE 'p/1'", "Invalid comparator 'LIKE' for prompts filter. Only '=' is supported with format: prompt = \"name/version\""],
  ["issue.id != 'x'", "issue.id comparator '!=' not one of '{'='}'"],
  [
    "foo = 'x'",
    "Invalid attribute key 'foo' specified. Valid keys are '{'client_request_id', 'end_time', 'end_time_ms', 'execution_time', 'execution_time_ms', 'name', 'prompt', 'request_id', 'run_id', 'status', 'text', 'timestamp', 'timestamp_ms'}'",
  ],
  [
    "bogus.k = 'x'",
    "Invalid entity type 'bogus'. Valid values are {'attribute', 'attributes', 'expectation', 'feedback', 'issue', 'metadata', 'request_metadata', 'span', 'tag', 'tags', 'trace'}",
  ],
  [
    'status = OK',
    'Parameter value is either not quoted or unidentified quote types used for string value OK. Use either single or double quotes.',
  ],
  ["status == 'OK'", "Invalid comparator '==' not one of '{'!=', '=', 'ILIKE', 'IN', 'LIKE', 'NOT IN', 'RLIKE'}'"],
  [
    "experiment_id = '1'",
    "Invalid attribute key 'experiment_id' specified. Valid keys are '{'client_request_id', 'end_time', 'end_time_ms', 'execution_time', 'execution_time_ms', 'name', 'prompt', 'request_id', 'run_id', 'status', 'text', 'timestamp', 'timestamp_ms'}'",
  ],
];

describe('trace filter', () => {
  it('reads nothing from an empty or blank filter', () => {
    assert.deepEqual(parseTraceFilter(undefined), []);
    assert.deepEqual(parseTraceFilter('  '), []);
  });

  it('reads the numeric attributes and their aliases, with every numeric comparator', () => {
    assert.deepEqual(only('timestamp_ms > 100'), { entity: 'attribute', key: 'timestamp_ms', comparator: '>', value: 100 });
    assert.deepEqual(only('timestamp >= 5'), { entity: 'attribute', key: 'timestamp_ms', comparator: '>=', value: 5 });
    assert.deepEqual(only('trace.timestamp_ms != 5'), { entity: 'attribute', key: 'timestamp_ms', comparator: '!=', value: 5 });
    assert.deepEqual(only('attributes.execution_time < 5'), { entity: 'attribute', key: 'execution_time_ms', comparator: '<', value: 5 });
    assert.deepEqual(only('attribute.execution_time_ms = 1.5'), {
      entity: 'attribute',
      key: 'execution_time_ms',
      comparator: '=',
      value: 1.5,
    });
    assert.deepEqual(only('end_time <= 7'), { entity: 'attribute', key: 'end_time_ms', comparator: '<=', value: 7 });
    assert.deepEqual(only("end_time_ms = '7'"), { entity: 'attribute', key: 'end_time_ms', comparator: '=', value: 7 });
  });

  it('reads the string attributes with strings, lists and RLIKE', () => {
    assert.deepEqual(only("status = 'OK'"), { entity: 'attribute', key: 'status', comparator: '=', value: 'OK' });
    assert.deepEqual(only('trace.status = "OK"'), { entity: 'attribute', key: 'status', comparator: '=', value: 'OK' });
    assert.deepEqual(only("trace.status IN ('OK','ERROR')"), {
      entity: 'attribute',
      key: 'status',
      comparator: 'IN',
      value: ['OK', 'ERROR'],
    });
    assert.deepEqual(only("status not in ('OK')"), { entity: 'attribute', key: 'status', comparator: 'NOT IN', value: ['OK'] });
    assert.deepEqual(only("status LIKE 'O%'"), { entity: 'attribute', key: 'status', comparator: 'LIKE', value: 'O%' });
    assert.deepEqual(only("request_id IN ('a')"), { entity: 'attribute', key: 'request_id', comparator: 'IN', value: ['a'] });
    assert.deepEqual(only("client_request_id rlike 'x'"), {
      entity: 'attribute',
      key: 'client_request_id',
      comparator: 'RLIKE',
      value: 'x',
    });
    assert.deepEqual(only("client_request_id ILIKE 'X'"), {
      entity: 'attribute',
      key: 'client_request_id',
      comparator: 'ILIKE',
      value: 'X',
    });
  });

  it('maps name and prompt to tags, run_id to metadata (a linked-run match for =), whatever they were written with', () => {
    assert.deepEqual(only("name = 'foo'"), { entity: 'tag', key: 'mlflow.traceName', comparator: '=', value: 'foo' });
    assert.deepEqual(only("trace.name LIKE 'f%'"), { entity: 'tag', key: 'mlflow.traceName', comparator: 'LIKE', value: 'f%' });
    assert.deepEqual(only("tag.Name = 'x'"), { entity: 'tag', key: 'mlflow.traceName', comparator: '=', value: 'x' });
    assert.deepEqual(only('name IS NULL'), { entity: 'tag', key: 'mlflow.traceName', comparator: 'IS NULL' });
    assert.deepEqual(only("run_id = 'r1'"), { entity: 'run', runId: 'r1' });
    assert.deepEqual(only("tags.run_id = 'r1'"), { entity: 'run', runId: 'r1' });
    assert.deepEqual(only("run_id != 'r1'"), { entity: 'metadata', key: 'mlflow.sourceRun', comparator: '!=', value: 'r1' });
    assert.deepEqual(only('run_id IS NOT NULL'), { entity: 'metadata', key: 'mlflow.sourceRun', comparator: 'IS NOT NULL' });
    assert.deepEqual(only("prompt = 'qa/3'"), { entity: 'prompt', name: 'qa', version: '3' });
  });

  it('reads tags and metadata with quoted keys, every comparator and IS [NOT] NULL', () => {
    assert.deepEqual(only("tag.k = 'v'"), { entity: 'tag', key: 'k', comparator: '=', value: 'v' });
    assert.deepEqual(only("tags.`a b` != 'v'"), { entity: 'tag', key: 'a b', comparator: '!=', value: 'v' });
    assert.deepEqual(only('tags."a.b" = \'v\''), { entity: 'tag', key: 'a.b', comparator: '=', value: 'v' });
    assert.deepEqual(only('tags.mlflow.user = "me"'), { entity: 'tag', key: 'mlflow.user', comparator: '=', value: 'me' });
    assert.deepEqual(only("tags.k RLIKE '^v'"), { entity: 'tag', key: 'k', comparator: 'RLIKE', value: '^v' });
    assert.deepEqual(only('tags.k is not null'), { entity: 'tag', key: 'k', comparator: 'IS NOT NULL' });
    assert.deepEqual(only("metadata.k = 'v'"), { entity: 'metadata', key: 'k', comparator: '=', value: 'v' });
    assert.deepEqual(only("request_metadata.k ILIKE 'v'"), { entity: 'metadata', key: 'k', comparator: 'ILIKE', value: 'v' });
    assert.deepEqual(only('metadata.k IS NULL'), { entity: 'metadata', key: 'k', comparator: 'IS NULL' });
  });

  it('reads span fields, span attributes (dotted or quoted names) and full text', () => {
    assert.deepEqual(only("span.name = 'llm'"), { entity: 'span', field: 'name', comparator: '=', value: 'llm' });
    assert.deepEqual(only("span.type = 'LLM'"), { entity: 'span', field: 'type', comparator: '=', value: 'LLM' });
    assert.deepEqual(only("span.status != 'OK'"), { entity: 'span', field: 'status', comparator: '!=', value: 'OK' });
    assert.deepEqual(only("span.name IN ('a','b')"), { entity: 'span', field: 'name', comparator: 'IN', value: ['a', 'b'] });
    assert.deepEqual(only("span.name NOT IN ('a')"), { entity: 'span', field: 'name', comparator: 'NOT IN', value: ['a'] });
    assert.deepEqual(only("span.name RLIKE 'a'"), { entity: 'span', field: 'name', comparator: 'RLIKE', value: 'a' });
    assert.deepEqual(only("span.attributes.model = 'gpt'"), { entity: 'spanAttribute', attribute: 'model', comparator: '=', value: 'gpt' });
    assert.deepEqual(only("span.attributes.llm.model LIKE '%g%'"), {
      entity: 'spanAttribute',
      attribute: 'llm.model',
      comparator: 'LIKE',
      value: '%g%',
    });
    assert.deepEqual(only("span.attributes.`my.attr` = 'x'"), {
      entity: 'spanAttribute',
      attribute: 'my.attr',
      comparator: '=',
      value: 'x',
    });
    assert.deepEqual(only("span.content LIKE '%x%'"), { entity: 'spanContent', comparator: 'LIKE', value: '%x%' });
    assert.deepEqual(only("trace.text ILIKE '%hello%'"), { entity: 'spanContent', comparator: 'ILIKE', value: '%hello%' });
    // MLflow refuses a bare `text` only because sqlparse reads it as a keyword; Trellis takes it.
    assert.deepEqual(only("text LIKE '%hello%'"), { entity: 'spanContent', comparator: 'LIKE', value: '%hello%' });
  });

  it('reads assessments by name: strings, numbers for ordering comparators, IS [NOT] NULL; and issues', () => {
    const feedback = { entity: 'assessment', assessmentType: 'feedback', name: 'correct' } as const;
    assert.deepEqual(only("feedback.correct = 'yes'"), { ...feedback, comparator: '=', value: 'yes' });
    assert.deepEqual(only('feedback.correct > 0.5'), { ...feedback, comparator: '>', value: 0.5 });
    assert.deepEqual(only('feedback.correct <= 1'), { ...feedback, comparator: '<=', value: 1 });
    assert.deepEqual(only('feedback.correct IS NULL'), { ...feedback, comparator: 'IS NULL' });
    assert.deepEqual(only("feedback.`my name` LIKE '%a%'"), {
      entity: 'assessment',
      assessmentType: 'feedback',
      name: 'my name',
      comparator: 'LIKE',
      value: '%a%',
    });
    assert.deepEqual(only("expectation.answer RLIKE 'x'"), {
      entity: 'assessment',
      assessmentType: 'expectation',
      name: 'answer',
      comparator: 'RLIKE',
      value: 'x',
    });
    assert.deepEqual(only("issue.id = 'i-1'"), { entity: 'issue', id: 'i-1' });
  });

  it('joins comparisons with AND in any case', () => {
    const conditions = parseTraceFilter("tags.k = 'a' and metadata.m = 'b' AND span.name = 'c' AND timestamp > 1");
    assert.deepEqual(
      conditions.map((condition) => condition.entity),
      ['tag', 'metadata', 'span', 'attribute'],
    );
  });

  it("refuses what MLflow refuses, in MLflow's words", () => {
    for (const [filter, message] of mlflowErrors) {
      assert.throws(() => parseTraceFilter(filter), { code: 'INVALID_PARAMETER_VALUE', status: 400, message }, filter);
    }
  });

  it('refuses OR, parentheses, ; and anything but AND between comparisons', () => {
    for (const filter of ["timestamp_ms > 1 OR status = 'OK'", "(status = 'OK')", 'timestamp_ms > 1;', "status = 'OK' status = 'ERROR'"]) {
      assert.throws(
        () => parseTraceFilter(filter),
        { code: 'INVALID_PARAMETER_VALUE', message: /^Invalid clause\(s\) in filter string: / },
        filter,
      );
    }
    assert.throws(() => parseTraceFilter('timestamp_ms > 1 AND'), { message: /^Invalid clause\(s\) in filter string: 'AND'/ });
  });

  it('refuses a non-numeric quoted value for a numeric attribute, an empty assessment name and an unknown issue key', () => {
    assert.throws(() => parseTraceFilter("timestamp_ms = 'abc'"), {
      message: "Expected numeric value type for numeric attribute: timestamp_ms. Found 'abc'",
    });
    assert.throws(() => parseTraceFilter("feedback.`` = 'x'"), { message: 'Assessment field name cannot be empty' });
    assert.throws(() => parseTraceFilter("issue.key = 'x'"), { message: "Invalid issue attribute 'key'. Supported attributes: id" });
  });
});
