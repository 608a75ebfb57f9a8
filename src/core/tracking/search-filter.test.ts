import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRunFilter } from './run-filter.js';
import { type FilterGrammar, filterLimits, numericComparators, parseSearchFilter, stringComparators } from './search-filter.js';

/** Asserts an INVALID_PARAMETER_VALUE (HTTP 400) whose message matches `word`. */
function assertInvalid(parse: () => unknown, word: RegExp): void {
  assert.throws(parse, { code: 'INVALID_PARAMETER_VALUE', status: 400, message: word });
}

describe('search filter: lexing', () => {
  it('reads backticked, double- and single-quoted keys with dots and spaces', () => {
    assert.deepEqual(parseRunFilter("params.`a.b c` = 'x'"), [{ type: 'param', key: 'a.b c', comparator: '=', value: 'x' }]);
    assert.deepEqual(parseRunFilter('metrics."val loss" < 1'), [{ type: 'metric', key: 'val loss', comparator: '<', value: 1 }]);
    assert.deepEqual(parseRunFilter("tags.'my tag' = 'x'"), [{ type: 'tag', key: 'my tag', comparator: '=', value: 'x' }]);
    assert.deepEqual(parseRunFilter("tags.`a-b/c:d` = 'x'"), [{ type: 'tag', key: 'a-b/c:d', comparator: '=', value: 'x' }]);
  });

  it('reads unquoted dotted keys and keys starting with a digit', () => {
    assert.deepEqual(parseRunFilter("tags.mlflow.runName = 'sweep'"), [
      { type: 'tag', key: 'mlflow.runName', comparator: '=', value: 'sweep' },
    ]);
    assert.deepEqual(parseRunFilter('metrics.1st_loss < 2'), [{ type: 'metric', key: '1st_loss', comparator: '<', value: 2 }]);
  });

  it('accepts a backticked or double-quoted prefix', () => {
    assert.deepEqual(parseRunFilter("`attributes`.status = 'FINISHED'"), [
      { type: 'attribute', key: 'status', comparator: '=', value: 'FINISHED' },
    ]);
    assert.deepEqual(parseRunFilter('"metrics".rmse > 0'), [{ type: 'metric', key: 'rmse', comparator: '>', value: 0 }]);
  });

  it('reads single- and double-quoted values with spaces, keeping their content verbatim', () => {
    assert.deepEqual(parseRunFilter("params.model = 'resnet 50'")[0]?.value, 'resnet 50');
    assert.deepEqual(parseRunFilter('params.model = "resnet 50"')[0]?.value, 'resnet 50');
    assert.deepEqual(parseRunFilter('tags.note = "it\'s"')[0]?.value, "it's");
    assert.deepEqual(parseRunFilter("tags.path = 'C:\\data'")[0]?.value, 'C:\\data');
    // As in MLflow: a doubled or backslash-escaped quote does not end the string, and is kept as written.
    assert.deepEqual(parseRunFilter("tags.note = 'it''s'")[0]?.value, "it''s");
    assert.deepEqual(parseRunFilter("tags.note = 'it\\'s'")[0]?.value, "it\\'s");
    assert.deepEqual(parseRunFilter("tags.note = ''")[0]?.value, '');
  });

  it('reads integers, negatives, decimals and exponents', () => {
    const values = ['1', '-2', '+3', '0.25', '-1.5', '.5', '1.', '1e5', '-1.5e-3', '2E+2'].map(
      (text) => parseRunFilter(`metrics.m > ${text}`)[0]?.value,
    );
    assert.deepEqual(values, [1, -2, 3, 0.25, -1.5, 0.5, 1, 100000, -0.0015, 200]);
  });

  it('reads comparators with or without spaces, keywords in any case', () => {
    const comparators = [
      'metrics.a=1',
      'metrics.a!=1',
      'metrics.a>1',
      'metrics.a>=1',
      'metrics.a<1',
      'metrics.a<=1',
      'metrics.a <= -1',
    ].map((filter) => parseRunFilter(filter)[0]?.comparator);
    assert.deepEqual(comparators, ['=', '!=', '>', '>=', '<', '<=', '<=']);
    assert.equal(parseRunFilter("tags.a like 'x%'")[0]?.comparator, 'LIKE');
    assert.equal(parseRunFilter("tags.a ILike '%x'")[0]?.comparator, 'ILIKE');
    assert.equal(parseRunFilter("run_id in ('a')")[0]?.comparator, 'IN');
    assert.equal(parseRunFilter("run_id not  in ('a')")[0]?.comparator, 'NOT IN');
  });

  it('reads IN lists of single- and double-quoted strings, with a trailing comma', () => {
    assert.deepEqual(parseRunFilter(`attributes.run_id IN ('a', "b c",)`), [
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['a', 'b c'] },
    ]);
    assert.deepEqual(parseRunFilter("run_id NOT IN('x')"), [{ type: 'attribute', key: 'run_id', comparator: 'NOT IN', value: ['x'] }]);
  });

  it('joins comparisons with AND in any case, with or without surrounding spaces', () => {
    const parsed = parseRunFilter("metrics.a > 1 and params.b = 'x' AND tags.c = 'y' And tags.d='z'and metrics.e < 2");
    assert.deepEqual(
      parsed.map((comparison) => `${comparison.type}.${comparison.key}`),
      ['metric.a', 'param.b', 'tag.c', 'tag.d', 'metric.e'],
    );
  });

  it('returns no comparisons for a missing, empty or blank filter, and accepts one leading AND as the MLflow client sends', () => {
    assert.deepEqual(parseRunFilter(undefined), []);
    assert.deepEqual(parseRunFilter(''), []);
    assert.deepEqual(parseRunFilter('  \n\t '), []);
    assert.deepEqual(parseRunFilter(' and metrics.a > 1 '), [{ type: 'metric', key: 'a', comparator: '>', value: 1 }]);
  });

  it('refuses a filter that is only AND, ends with AND or doubles it, rather than matching everything', () => {
    assertInvalid(() => parseRunFilter('AND'), /has no comparison/);
    assertInvalid(() => parseRunFilter(' and  AND '), /another AND/);
    assertInvalid(() => parseRunFilter('metrics.a > 1 AND '), /ends with AND at character 19/);
    assertInvalid(() => parseRunFilter("metrics.a > 1 AND AND tags.b = 'x'"), /another AND/);
  });

  it('caps the size of a filter: characters, comparisons and IN values', () => {
    const comparisons = (count: number) => Array.from({ length: count }, (_, index) => `metrics.m${index} > 0`).join(' AND ');
    assert.equal(parseRunFilter(comparisons(filterLimits.comparisons)).length, filterLimits.comparisons);
    assertInvalid(() => parseRunFilter(comparisons(filterLimits.comparisons + 1)), /at most 100 comparisons/);
    const list = (count: number) => `run_id IN (${Array.from({ length: count }, (_, index) => `'r${index}'`).join(',')})`;
    assert.equal((parseRunFilter(list(filterLimits.listValues))[0]!.value as string[]).length, filterLimits.listValues);
    assertInvalid(() => parseRunFilter(`${list(6000)} AND ${list(6000)}`), /at most 10,000 values/);
    assertInvalid(() => parseRunFilter(`run_name = '${'x'.repeat(filterLimits.characters)}'`), /at most 1,000,000 characters/);
  });
});

describe('search filter: errors', () => {
  it('refuses OR, naming AND as the way', () => {
    assertInvalid(() => parseRunFilter("metrics.a > 1 OR params.b = 'x'"), /OR.*Only AND/);
    assertInvalid(() => parseRunFilter("metrics.a > 1 or params.b = 'x'"), /Only AND/);
  });

  it('refuses NOT, parentheses for grouping and several statements', () => {
    assertInvalid(() => parseRunFilter("NOT tags.a = 'x'"), /NOT.*not supported.*!=/);
    assertInvalid(() => parseRunFilter('(metrics.a > 1)'), /Parentheses are only allowed around IN lists/);
    assertInvalid(() => parseRunFilter('metrics.a > 1 AND (metrics.b > 2)'), /Parentheses/);
    assertInvalid(() => parseRunFilter('metrics.a > 1; metrics.b > 2'), /multiple expressions.*AND/);
  });

  it('refuses a missing value', () => {
    assertInvalid(() => parseRunFilter('metrics.a >'), /Missing value after 'metrics.a >' at character 12/);
    assertInvalid(() => parseRunFilter("metrics.a > AND tags.b = 'x'"), /Missing value/);
  });

  it('refuses a missing or unknown comparator, suggesting the right one', () => {
    assertInvalid(() => parseRunFilter('metrics.a'), /expected a comparator.*after 'metrics.a'.*end of the filter/);
    assertInvalid(() => parseRunFilter('metrics.a ~ 1'), /expected a comparator/);
    assertInvalid(() => parseRunFilter('metrics.a == 1'), /'==' .*use '='/);
    assertInvalid(() => parseRunFilter('metrics.a <> 1'), /'<>' .*use '!='/);
    assertInvalid(() => parseRunFilter("run_id NOT ('a')"), /Expected IN after NOT/);
    assertInvalid(() => parseRunFilter('tags.a IS NULL'), /IS NULL.*not supported/);
  });

  it('refuses an unterminated quote, in a value, a key or a list', () => {
    assertInvalid(() => parseRunFilter("tags.a = 'oops"), /Unterminated string: the single quote.*character 10.*double quotes/);
    assertInvalid(() => parseRunFilter('tags.a = "oops'), /Unterminated string: the double quote/);
    assertInvalid(() => parseRunFilter("tags.`a = 'x'"), /Unterminated string: the backtick/);
    assertInvalid(() => parseRunFilter("run_id IN ('a', 'b'"), /never closed.*'\)'/);
  });

  it('refuses trailing garbage, pointing at it', () => {
    assertInvalid(() => parseRunFilter('metrics.a > 1 extra'), /Invalid clause\(s\) in filter string: 'extra' at character 15.*AND/);
    assertInvalid(() => parseRunFilter("metrics.a > 1 tags.b = 'x'"), /Invalid clause.*Join comparisons with AND/);
    assertInvalid(() => parseRunFilter("tags.a = 'x' 'y'"), /Invalid clause/);
  });

  it('refuses unquoted special characters in keys, showing the backticked form', () => {
    assertInvalid(() => parseRunFilter("params.learning-rate = '0.1'"), /Unexpected '-'.*backticks, e\.g\. params\.`learning-rate`/);
    assertInvalid(() => parseRunFilter("tags.a/b = 'x'"), /tags\.`a\/b`/);
    assertInvalid(() => parseRunFilter("tags.$x = 'x'"), /Expected a key after 'tags\.'/);
    assertInvalid(() => parseRunFilter("tags.`` = 'x'"), /Empty key/);
    assertInvalid(() => parseRunFilter("'tags'.a = 'x'"), /Expected a key/);
  });

  it('refuses a bad IN list', () => {
    assertInvalid(() => parseRunFilter('run_id IN ()'), /non-empty list/);
    assertInvalid(() => parseRunFilter('run_id IN (1, 2)'), /expected a quoted string value but got 1/);
    assertInvalid(() => parseRunFilter("run_id IN ('a' 'b')"), /Expected ',' or '\)'/);
    assertInvalid(() => parseRunFilter("run_id IN 'a'"), /IN expects a parenthesised list/);
    assertInvalid(() => parseRunFilter("run_id = ('a', 'b')"), /only be compared with IN or NOT IN/);
  });
});

describe('search filter: grammars', () => {
  // A grammar with no tags: the parser knows nothing of runs, only what it is given.
  const grammar: FilterGrammar = {
    entityPrefixes: { thing: 'attribute', score: 'metric' },
    attributes: { size: { kind: 'integer', comparators: numericComparators }, label: { kind: 'string', comparators: stringComparators } },
    attributeAliases: { Size: 'size' },
    comparators: { metric: numericComparators },
  };

  it('uses the grammar it is given for prefixes, attributes, aliases and comparators', () => {
    assert.deepEqual(parseSearchFilter("thing.Size >= 3 AND label LIKE 'a%' AND score.x < 1", grammar), [
      { type: 'attribute', key: 'size', comparator: '>=', value: 3 },
      { type: 'attribute', key: 'label', comparator: 'LIKE', value: 'a%' },
      { type: 'metric', key: 'x', comparator: '<', value: 1 },
    ]);
    assertInvalid(() => parseSearchFilter("tags.a = 'x'", grammar), /Invalid entity type 'tags'.*'thing', 'score'/);
    assertInvalid(() => parseSearchFilter('size > 1.5', grammar), /whole number/);
    assertInvalid(() => parseSearchFilter("label IN ('a')", grammar), /Invalid comparator 'IN' for attribute 'label'/);
  });

  it('does not mistake inherited object keys for prefixes or attributes', () => {
    assertInvalid(() => parseSearchFilter('constructor.x > 1', grammar), /Invalid entity type 'constructor'/);
    assertInvalid(() => parseRunFilter("toString = 'x'"), /Invalid attribute key 'toString'/);
  });
});
