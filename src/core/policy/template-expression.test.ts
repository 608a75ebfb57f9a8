import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrellisError } from '../errors.js';
import {
  type ExpressionScope,
  evaluateExpression,
  expressionFields,
  expressionParameters,
  isTemplateExpression,
  parseTemplateExpression,
  referencedFunctions,
  resolveTemplateValue,
} from './template-expression.js';

const parameters: Record<string, unknown> = {
  effect: 'Audit',
  computeNames: ['cpu', 'gpu', 'spark'],
  allowedRegistryName: 'shared',
  signingKey: 'key-1',
  optionalSecondSigningKey: 'key-2',
  empty: '',
  names: ['a', 'b'],
  rule: { priority: 101, access: 'Deny', nested: { port: 22 } },
};

const fields: Record<string, unknown> = {
  name: 'Cluster-One',
  'Microsoft.MachineLearningServices.Data/workspaces/tags[*]': ['env', 'team'],
  'Microsoft.MachineLearningServices/workspaces/computes/idleTimeBeforeShutdown': null,
  'Microsoft.MachineLearningServices/workspaces/computes/properties': { vmSize: 'STANDARD_DS3_V2' },
};

const scope: ExpressionScope = {
  parameter(name) {
    if (!(name in parameters)) throw new TrellisError('PolicyParameterNotFound', 400, `parameter '${name}' is not declared`);
    return parameters[name];
  },
  field: (path) => fields[path],
  current: (path) => (path === undefined ? 'innermost' : `member of ${path}`),
};

function evaluate(text: string, withScope: ExpressionScope = scope): unknown {
  return evaluateExpression(parseTemplateExpression(text), withScope);
}

/** Asserts that `run` throws an InvalidPolicyExpression whose message matches every pattern. */
function assertRefused(run: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof TrellisError, `expected a TrellisError, got ${String(error)}`);
    assert.equal(error.code, 'InvalidPolicyExpression');
    assert.equal(error.status, 400);
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

describe('template expressions: the Machine Learning built-in policies', () => {
  it('evaluates each expression exactly as Azure writes it', () => {
    assert.equal(evaluate("[parameters('effect')]"), 'Audit');
    assert.equal(evaluate("[length(parameters('computeNames'))]"), 3);
    assert.equal(evaluate("[length(field('Microsoft.MachineLearningServices.Data/workspaces/tags[*]'))]"), 2);
    assert.equal(evaluate("[empty(field('Microsoft.MachineLearningServices/workspaces/computes/idleTimeBeforeShutdown'))]"), true);
    assert.equal(evaluate("[concat('azureml://registries/', parameters('allowedRegistryName'), '/*')]"), 'azureml://registries/shared/*');
    assert.deepEqual(evaluate("[createArray(parameters('signingKey'), parameters('optionalSecondSigningKey'))]"), ['key-1', 'key-2']);
  });

  it('lists the parameters and fields an expression names, for the definition validator', () => {
    const node = parseTemplateExpression(
      "[if(empty(parameters('a')), field('name'), concat(parameters('b'), parameters('a'), parameters(concat('c', 'd'))))]",
    );
    assert.deepEqual(expressionParameters(node), ['a', 'b']);
    assert.deepEqual(expressionFields(node), ['name']);
    assert.deepEqual(referencedFunctions(node), ['if', 'empty', 'parameters', 'field', 'concat']);
  });
});

describe('template expressions: syntax', () => {
  it('tells expressions from literals and the [[ escape', () => {
    assert.equal(isTemplateExpression("[parameters('x')]"), true);
    assert.equal(isTemplateExpression('[[not an expression]'), false);
    assert.equal(isTemplateExpression('[test] value'), false);
    assert.equal(isTemplateExpression('plain'), false);
  });

  it('reads strings with doubled quotes, negative integers, bare and called booleans, null() and whitespace', () => {
    assert.deepEqual(parseTemplateExpression("[concat('it''s', '')]"), {
      kind: 'call',
      name: 'concat',
      args: [
        { kind: 'string', value: "it's" },
        { kind: 'string', value: '' },
      ],
    });
    assert.equal(evaluate("[concat('it''s', ' ok')]"), "it's ok");
    assert.equal(evaluate('[add(-5, 3)]'), -2);
    assert.equal(evaluate('[and(true, True())]'), true);
    assert.equal(evaluate('[or(false, FALSE())]'), false);
    assert.equal(evaluate('[null()]'), null);
    assert.equal(evaluate("[  concat (\n 'a' ,\t'b' )  ]"), 'ab');
    assert.deepEqual(parseTemplateExpression('[null()]'), { kind: 'null' });
  });

  it('ignores the case of function names and keeps the canonical spelling in the tree', () => {
    assert.equal(evaluate("[TOLOWER(Field('name'))]"), 'cluster-one');
    assert.deepEqual(parseTemplateExpression("[CONCAT('a')]"), { kind: 'call', name: 'concat', args: [{ kind: 'string', value: 'a' }] });
  });

  it('reads properties and indexes after any call, chained, with expressions inside the brackets', () => {
    assert.equal(evaluate("[parameters('names')[0]]"), 'a');
    assert.equal(evaluate("[parameters('rule').priority]"), 101);
    assert.equal(evaluate("[parameters('rule').nested.port]"), 22);
    assert.equal(evaluate("[parameters('rule')['nested'].PORT]"), 22, 'property names ignore case, as in ARM');
    assert.equal(evaluate("[parameters('names')[sub(length(parameters('names')), 1)]]"), 'b');
    assert.equal(evaluate("[field('Microsoft.MachineLearningServices/workspaces/computes/properties').vmSize]"), 'STANDARD_DS3_V2');
    assert.equal(evaluate("[createArray(createArray('x', 'y'))[0][1]]"), 'y');
    assert.equal(evaluate('[requestContext().apiVersion]'), '2024-04-01');
  });

  it('nests 200 levels deep, parsing, evaluating and listing parameters', () => {
    const depth = 200;
    const text = `[${'not('.repeat(depth)}equals(parameters('effect'), 'Audit')${')'.repeat(depth)}]`;
    const node = parseTemplateExpression(text);
    assert.equal(evaluate(text), true);
    assert.deepEqual(expressionParameters(node), ['effect']);
    const concats = `[${"concat('a', ".repeat(depth)}'end'${')'.repeat(depth)}]`;
    assert.equal(evaluate(concats), `${'a'.repeat(depth)}end`);
  });

  it('refuses absurd nesting with a message, not a stack overflow', () => {
    const depth = 100_000;
    assertRefused(
      () => parseTemplateExpression(`[${'not('.repeat(depth)}true${')'.repeat(depth)}]`),
      /nested deeper than 500 levels at character 2002/,
    );
    assertRefused(() => parseTemplateExpression(`[parameters('rule')${'.nested'.repeat(depth)}]`), /nested deeper than 500 levels/);
    assertRefused(() => parseTemplateExpression(`[parameters('names')${'[0]'.repeat(depth)}]`), /nested deeper than 500 levels/);
  });
});

describe('template expressions: syntax errors name the character and what was expected', () => {
  it('a missing value', () => {
    assertRefused(
      () => parseTemplateExpression("[concat('a', ]"),
      /^expression "\[concat\('a', \]": expected a value at character 14, found the end/,
    );
    assertRefused(() => parseTemplateExpression('[]'), /expected a value at character 2/);
    assertRefused(() => parseTemplateExpression("[concat('a',)]"), /expected a value at character 13, found '\)'/);
  });

  it('an unterminated string', () => {
    assertRefused(() => parseTemplateExpression("[concat('abc)]"), /unterminated string starting at character 9/);
    assertRefused(() => parseTemplateExpression("['it'']"), /unterminated string starting at character 2/);
  });

  it('a missing separator, parenthesis or bracket, and text after the end', () => {
    assertRefused(
      () => parseTemplateExpression("[concat('a' 'b')]"),
      /expected ',' or '\)' at character 13 in the arguments of concat\(\), found the string 'b'/,
    );
    assertRefused(() => parseTemplateExpression("[concat('a'"), /not an expression/);
    assertRefused(() => parseTemplateExpression("[parameters('x')[0]"), /expected '\]' to close the index at character 19/);
    assertRefused(() => parseTemplateExpression("[parameters('x') 'y']"), /expected the end of the expression at character 18/);
    assertRefused(() => parseTemplateExpression("[parameters('x').]"), /expected a property name after '\.' at character 18/);
  });

  it('bare words, stray characters and values that are not ARM syntax', () => {
    assertRefused(() => parseTemplateExpression('[effect]'), /expected '\(' after 'effect'.*single quotes: 'effect'/);
    assertRefused(() => parseTemplateExpression('[if(null, 1, 2)]'), /write null\(\)/);
    assertRefused(() => parseTemplateExpression('[add(1 + 2)]'), /unexpected character '\+' at character 8/);
    assertRefused(() => parseTemplateExpression('[concat("a")]'), /unexpected character '"' at character 9/);
    assertRefused(() => parseTemplateExpression("['abc'.length]"), /expected the end of the expression at character 7/);
    assertRefused(() => parseTemplateExpression('[[escaped]'), /not an expression: it starts with \[\[/);
  });
});

describe('template expressions: functions a policy may not call', () => {
  it('refuses an unknown function, suggesting the nearest name and listing the known ones', () => {
    assertRefused(
      () => parseTemplateExpression('[foo()]'),
      /^unknown function 'foo' in expression "\[foo\(\)\]" \(character 2\); known: add, addDays, and, /,
    );
    assertRefused(
      () => parseTemplateExpression("[concat('a', toLowr('B'))]"),
      /unknown function 'toLowr'.*\(character 14\); did you mean 'toLower'\? Known: /,
    );
  });

  it('refuses the ARM functions Azure Policy refuses, and says so', () => {
    assertRefused(
      () => parseTemplateExpression("[reference('x')]"),
      /function 'reference' at character 2 is not allowed in Azure Policy rules/,
    );
    assertRefused(
      () => parseTemplateExpression("[listKeys('id', '2024-01-01')]"),
      /function 'listKeys' .* not allowed in Azure Policy rules/,
    );
    assertRefused(() => parseTemplateExpression("[dateTimeAdd('2024-01-01', 'P1D')]"), /'dateTimeAdd' .* not allowed/);
    assertRefused(() => parseTemplateExpression("[variables('v')]"), /'variables' .* not allowed/);
  });

  it('names ARM functions Trellis does not evaluate', () => {
    assertRefused(
      () => parseTemplateExpression("[uniqueString('a')]"),
      /'uniqueString' .* an ARM template function Trellis does not evaluate/,
    );
  });

  it('evaluates utcNow() with the clock the evaluator supplies, and refuses it without one', () => {
    const clocked = { ...scope, now: () => new Date('2024-05-01T12:30:00.123Z') };
    assert.equal(evaluate('[utcNow()]', clocked), '2024-05-01T12:30:00.1230000Z');
    assert.equal(evaluate("[less(addDays(utcNow(), -30), '2024-04-02')]", clocked), true);
    assertRefused(() => evaluate('[utcNow()]'), /utcNow\(\): this evaluation has no clock/);
  });
});

describe('template expressions: argument errors name the function and what it got', () => {
  it('refuses a wrong number of arguments when parsing', () => {
    assertRefused(() => parseTemplateExpression('[concat()]'), /concat\(\) at character 2 takes at least 1 argument, got 0/);
    assertRefused(() => parseTemplateExpression("[toLower('a', 'b')]"), /toLower\(\) at character 2 takes 1 argument, got 2/);
    assertRefused(() => parseTemplateExpression("[substring('a', 1, 2, 3)]"), /substring\(\) at character 2 takes 1 to 3 arguments, got 4/);
    assertRefused(() => parseTemplateExpression('[if(true, 1)]'), /if\(\) .* takes 3 arguments, got 2/);
  });

  it('refuses a wrong number of arguments in a tree built by hand', () => {
    assertRefused(() => evaluateExpression({ kind: 'call', name: 'length', args: [] }, scope), /length\(\) takes 1 argument, got 0/);
    assertRefused(() => evaluateExpression({ kind: 'call', name: 'nope', args: [] }, scope), /unknown function 'nope'/);
  });

  it('refuses arguments of the wrong type', () => {
    assertRefused(() => evaluate('[length(5)]'), /length\(\): argument 1 must be an array, an object or a string; got an integer \(5\)/);
    assertRefused(() => evaluate('[toUpper(true)]'), /toUpper\(\): argument 1 must be a string; got a boolean \(true\)/);
    assertRefused(() => evaluate("[not('yes')]"), /not\(\): argument 1 must be a boolean; got a string \("yes"\)/);
    assertRefused(() => evaluate("[less(1, 'a')]"), /less\(\): argument 2 must be an integer, as argument 1 is; got a string/);
    assertRefused(
      () => evaluate("[concat('a', createObject('k', 1))]"),
      /concat\(\): argument 2 must be a string or an array; got an object/,
    );
    assertRefused(() => evaluate("[concat(createArray(1), 'a')]"), /concat\(\): argument 2 must be an array; got a string/);
    assertRefused(() => evaluate('[empty(0)]'), /empty\(\): argument 1 must be an array, an object, a string or null/);
  });

  it('prefixes the expression when a value is resolved', () => {
    assertRefused(
      () => resolveTemplateValue("[length(parameters('rule').priority)]", scope),
      /^expression "\[length\(parameters\('rule'\)\.priority\)\]": length\(\): argument 1/,
    );
  });

  it('refuses missing properties and out-of-range indexes, naming what is there', () => {
    assertRefused(() => evaluate("[parameters('rule').port]"), /property 'port' does not exist; available: priority, access, nested/);
    assertRefused(() => evaluate("[parameters('effect').name]"), /cannot read property 'name' of a string/);
    assertRefused(() => evaluate("[parameters('names')[2]]"), /index 2 is outside the array, which has 2 items/);
    assertRefused(() => evaluate("[parameters('names')['a']]"), /an array is indexed by an integer; got a string/);
  });

  it("lets the scope's own errors through unchanged", () => {
    assert.throws(() => resolveTemplateValue("[parameters('undeclared')]", scope), {
      code: 'PolicyParameterNotFound',
      message: "parameter 'undeclared' is not declared",
    });
  });
});

describe('resolveTemplateValue', () => {
  it('evaluates expressions, unescapes [[, resolves arrays and objects deeply and leaves other values alone', () => {
    assert.equal(resolveTemplateValue("[parameters('effect')]", scope), 'Audit');
    assert.equal(resolveTemplateValue('[[test value]', scope), '[test value]');
    assert.equal(resolveTemplateValue('[test] value', scope), '[test] value');
    assert.equal(
      resolveTemplateValue('[[no closing bracket', scope),
      '[[no closing bracket',
      'only a string that would be an expression is unescaped',
    );
    assert.equal(resolveTemplateValue('audit', scope), 'audit');
    assert.equal(resolveTemplateValue(5, scope), 5);
    assert.equal(resolveTemplateValue(null, scope), null);
    assert.deepEqual(
      resolveTemplateValue(
        { roleDefinitionIds: ["[concat('/roles/', parameters('signingKey'))]"], details: { type: '[[literal]', count: 2 } },
        scope,
      ),
      { roleDefinitionIds: ['/roles/key-1'], details: { type: '[literal]', count: 2 } },
    );
  });
});

describe('template functions', () => {
  it('policy functions: field, current, policy, requestContext, resourceGroup, subscription', () => {
    assert.equal(evaluate("[current('Microsoft.X/y/z[*].name')]"), 'member of Microsoft.X/y/z[*].name');
    assert.equal(evaluate('[current()]'), 'innermost');
    assert.equal(evaluate("[field('missing')]"), null, 'a field the resource lacks is null');
    assert.deepEqual(evaluate('[policy()]'), {});
    assert.equal(
      evaluate('[policy().assignmentId]', { ...scope, policyInfo: () => ({ assignmentId: '/assignments/a' }) }),
      '/assignments/a',
    );
    assert.equal(evaluate("[concat(resourceGroup().name, '-', subscription().subscriptionId)]"), 'trellis-trellis');
    assert.equal(evaluate('[resourceGroup().id]'), '/subscriptions/trellis/resourceGroups/trellis');
  });

  it('logic: not, and, or, if evaluate only the branch they need, bool', () => {
    assert.equal(evaluate('[not(false())]'), true);
    assert.equal(evaluate('[and(true, true, false)]'), false);
    assert.equal(evaluate('[or(false, false, true)]'), true);
    assert.equal(evaluate("[if(empty(parameters('empty')), 'none', parameters('empty')[0])]"), 'none');
    assert.equal(evaluate("[or(true, parameters('names')[9])]"), true);
    assert.equal(evaluate("[and(false, parameters('names')[9])]"), false);
    assert.equal(evaluate("[bool('TRUE')]"), true);
    assert.equal(evaluate('[bool(0)]'), false);
    assertRefused(() => evaluate("[bool('yes')]"), /bool\(\): argument 1/);
  });

  it('comparison: equals deep and case-sensitive, coalesce, less and greater as ARM orders strings', () => {
    assert.equal(evaluate("[equals('a', 'A')]"), false);
    assert.equal(evaluate("[equals(createArray('a', 1), createArray('a', 1))]"), true);
    assert.equal(evaluate("[equals(createObject('a', 1), json('{\"a\":1}'))]"), true);
    assert.equal(evaluate('[equals(1, 2)]'), false);
    assert.equal(evaluate("[coalesce(null(), field('missing'), 'x', 'y')]"), 'x');
    assert.equal(evaluate('[coalesce(null())]'), null);
    assert.equal(evaluate('[less(1, 2)]'), true);
    assert.equal(evaluate('[lessOrEquals(2, 2)]'), true);
    assert.equal(evaluate('[greaterOrEquals(1, 2)]'), false);
    // Microsoft's documented outputs: greater('A', 'a') is True, less('A', 'a') is False.
    assert.equal(evaluate("[greater('A', 'a')]"), true);
    assert.equal(evaluate("[less('A', 'a')]"), false);
    assert.equal(evaluate("[less('apple', 'banana')]"), true);
  });

  it('strings: concat, format, case, trim, startsWith/endsWith ignore case, contains does not', () => {
    assert.equal(evaluate("[concat('n', 1, true)]"), 'n1True');
    assert.deepEqual(evaluate("[concat(createArray(1, 2), parameters('names'), null())]"), [1, 2, 'a', 'b']);
    assert.equal(evaluate("[format('{0}-{1}-{0} {{literal}}', 'a', 2)]"), 'a-2-a {literal}');
    assertRefused(() => evaluate("[format('{0:N0}', 5)]"), /format\(\): '\{0:N0\}' is not a placeholder/);
    assertRefused(() => evaluate("[format('{1}', 'a')]"), /refers to argument 3, but only 2 were given/);
    assert.equal(evaluate("[toUpper('abc')]"), 'ABC');
    assert.equal(evaluate("[trim('  a b  ')]"), 'a b');
    assert.equal(evaluate("[startsWith('Microsoft.Compute', 'microsoft.')]"), true);
    assert.equal(evaluate("[endsWith('file.TXT', '.txt')]"), true);
    assert.equal(evaluate("[endsWith('file.txt', '.csv')]"), false);
    assert.equal(evaluate("[contains('OneTwo', 'Two')]"), true);
    assert.equal(evaluate("[contains('OneTwo', 'two')]"), false);
    assert.equal(evaluate("[contains('abc1', 1)]"), true);
  });

  it('strings: indexOf and lastIndexOf ignore case, split, replace, substring, padLeft, string', () => {
    assert.equal(evaluate("[indexOf('test', 'T')]"), 0);
    assert.equal(evaluate("[lastIndexOf('test', 'T')]"), 3);
    assert.equal(evaluate("[indexOf('abcdef', 'CD')]"), 2);
    assert.equal(evaluate("[indexOf('abcdef', 'z')]"), -1);
    assert.deepEqual(evaluate("[split('one,two;three', createArray(',', ';'))]"), ['one', 'two', 'three']);
    assert.deepEqual(evaluate("[split('a,,b', ',')]"), ['a', '', 'b']);
    assert.equal(evaluate("[replace('123-123-1234', '-', '')]"), '1231231234');
    assertRefused(() => evaluate("[replace('abc', '', 'x')]"), /replace\(\): argument 2, the string to replace, must not be empty/);
    assert.equal(evaluate("[substring('one two three', 4, 3)]"), 'two');
    assert.equal(evaluate("[substring('one two', 4)]"), 'two');
    assertRefused(
      () => evaluate("[substring('1234567890', 0, 11)]"),
      /substring\(\): the start index \(0\) and length \(11\) must lie within the string, which has 10 characters/,
    );
    assert.equal(evaluate("[padLeft('123', 10, '0')]"), '0000000123');
    assert.equal(evaluate('[padLeft(7, 3)]'), '  7');
    assertRefused(() => evaluate("[padLeft('1', 3, 'ab')]"), /padLeft\(\): argument 3 must be a single character/);
    assert.equal(evaluate("[string(createObject('valueA', 10, 'valueB', 'Example Text'))]"), '{"valueA":10,"valueB":"Example Text"}');
    assert.equal(evaluate('[string(true)]'), 'True');
    assert.equal(evaluate('[string(5)]'), '5');
  });

  it('conversions: int, float, json, array', () => {
    assert.equal(evaluate("[int('-42')]"), -42);
    assertRefused(() => evaluate("[int('4.5')]"), /int\(\): argument 1 must be an integer or a string holding one; got a string/);
    assert.equal(evaluate("[float('1.5')]"), 1.5);
    assert.deepEqual(evaluate('[json(\'{"a": [1, null, "x"]}\')]'), { a: [1, null, 'x'] });
    assert.equal(evaluate("[json('null')]"), null);
    assertRefused(() => evaluate("[json('{nope')]"), /json\(\): argument 1 is not valid JSON/);
    assert.deepEqual(evaluate("[array('a')]"), ['a']);
    assert.deepEqual(evaluate("[array(parameters('names'))]"), ['a', 'b']);
  });

  it('arrays and objects: createObject, length, empty, contains, first, last, take, skip, join, tryGet', () => {
    assert.deepEqual(evaluate("[createObject('a', 1, 'b', createArray())]"), { a: 1, b: [] });
    assertRefused(() => evaluate("[createObject('a')]"), /createObject\(\): takes keys and values in pairs, got 1 arguments/);
    assert.equal(evaluate("[length('abc')]"), 3);
    assert.equal(evaluate("[length(parameters('rule'))]"), 3);
    assert.deepEqual(
      [
        evaluate('[empty(null())]'),
        evaluate("[empty('')]"),
        evaluate('[empty(createArray())]'),
        evaluate('[empty(createObject())]'),
        evaluate("[empty('x')]"),
      ],
      [true, true, true, true, false],
    );
    assert.equal(evaluate("[contains(parameters('names'), 'b')]"), true);
    assert.equal(evaluate("[contains(parameters('names'), 'B')]"), false);
    assert.equal(evaluate("[contains(parameters('rule'), 'ACCESS')]"), true, 'object keys ignore case');
    assert.equal(evaluate("[first(parameters('computeNames'))]"), 'cpu');
    assert.equal(evaluate("[last('One Two')]"), 'o');
    assert.equal(evaluate("[first('One')]"), 'O');
    assert.equal(evaluate('[first(createArray())]'), null);
    assert.deepEqual(evaluate("[take(parameters('computeNames'), 2)]"), ['cpu', 'gpu']);
    assert.equal(evaluate("[take('one two', -1)]"), '');
    assert.deepEqual(evaluate("[skip(parameters('computeNames'), 2)]"), ['spark']);
    assert.equal(evaluate("[skip('one two three', 4)]"), 'two three');
    assert.equal(evaluate("[join(parameters('computeNames'), ', ')]"), 'cpu, gpu, spark');
    assert.equal(evaluate("[tryGet(parameters('rule'), 'nested', 'port')]"), 22);
    assert.equal(evaluate("[tryGet(requestContext().identity, 'idtyp')]"), null);
    assert.equal(evaluate("[tryGet(parameters('names'), 5)]"), null);
    assert.equal(evaluate("[indexOf(parameters('names'), 'b')]"), 1);
  });

  it('arrays and objects: union merges nested objects, intersection keeps what all share', () => {
    assert.deepEqual(evaluate("[union(createArray('one', 'two'), createArray('two', 'three'))]"), ['one', 'two', 'three']);
    assert.deepEqual(
      evaluate(
        '[union(json(\'{"property":{"one":"a","three":"c1"},"nestedArray":[1,2]}\'), json(\'{"property":{"three":"c2","four":"d"},"nestedArray":[3,4]}\'))]',
      ),
      { property: { one: 'a', three: 'c2', four: 'd' }, nestedArray: [3, 4] },
    );
    assert.deepEqual(evaluate("[intersection(createArray('one', 'two', 'three'), createArray('two', 'three', 'four'))]"), ['two', 'three']);
    assert.deepEqual(evaluate("[intersection(createObject('one', 'a', 'two', 'b'), createObject('one', 'a', 'two', 'z'))]"), { one: 'a' });
    assertRefused(() => evaluate("[union(createArray(1), 'a')]"), /union\(\): argument 2 must be an array; got a string/);
  });

  it('numbers: min, max, add, sub, mul, div, mod', () => {
    assert.equal(evaluate('[min(createArray(0, 3, 2))]'), 0);
    assert.equal(evaluate('[max(0, 3, 2)]'), 3);
    assertRefused(() => evaluate('[min(createArray())]'), /min\(\): min\(\) of an empty array has no value/);
    assert.equal(evaluate('[add(2, 3)]'), 5);
    assert.equal(evaluate('[sub(2, 3)]'), -1);
    assert.equal(evaluate('[mul(4, -3)]'), -12);
    assert.equal(evaluate('[div(7, 2)]'), 3);
    assert.equal(evaluate('[div(-7, 2)]'), -3);
    assert.equal(evaluate('[mod(7, 3)]'), 1);
    assertRefused(() => evaluate('[div(1, 0)]'), /div\(\): argument 2 is zero/);
    assertRefused(() => evaluate("[add(1, '2')]"), /add\(\): argument 2 must be an integer; got a string/);
  });

  it('ipRangeContains: addresses, CIDR blocks and ranges, IPv4 and IPv6', () => {
    assert.equal(evaluate("[ipRangeContains('10.0.0.0/24', '10.0.0.255')]"), true);
    assert.equal(evaluate("[ipRangeContains('10.0.0.0/24', '10.0.1.0')]"), false);
    assert.equal(evaluate("[ipRangeContains('10.0.0.0/16', '10.0.3.0/24')]"), true);
    assert.equal(evaluate("[ipRangeContains('10.0.0.0/24', '10.0.0.0/16')]"), false);
    assert.equal(evaluate("[ipRangeContains('192.168.0.1-192.168.0.9', '192.168.0.5')]"), true);
    assert.equal(evaluate("[ipRangeContains('0.0.0.0/0', '255.255.255.255')]"), true);
    assert.equal(evaluate("[ipRangeContains('2001:0DB8::/110', '2001:db8::3:fffe')]"), true);
    assert.equal(evaluate("[ipRangeContains('2001:0DB8::/110', '2001:db8::4:0')]"), false);
    assert.equal(evaluate("[ipRangeContains('2001:0DB8::-2001:0DB8::3:FFFF', '2001:db8::1/128')]"), true);
    assert.equal(evaluate("[ipRangeContains('::ffff:10.0.0.0/120', '::ffff:10.0.0.7')]"), true);
    assertRefused(
      () => evaluate("[ipRangeContains('10.0.0.0/24', '2001:db8::1')]"),
      /ipRangeContains\(\): cannot compare an IPv4 range .* with an IPv6 range/,
    );
    assertRefused(() => evaluate("[ipRangeContains('', '10.0.0.1')]"), /argument 1 is an empty IP range/);
    assertRefused(() => evaluate("[ipRangeContains('10.0.0.0/33', '10.0.0.1')]"), /argument 1 \('10\.0\.0\.0\/33'\) is not an IP address/);
    assertRefused(() => evaluate("[ipRangeContains('10.0.0.256', '10.0.0.1')]"), /is not an IP address/);
  });

  it('addDays keeps the seven-digit fraction Azure Policy writes', () => {
    assert.equal(evaluate("[addDays('2024-02-28T10:00:00.1234567Z', 2)]"), '2024-03-01T10:00:00.1234567Z');
    assert.equal(evaluate("[addDays('2024-01-01', -1)]"), '2023-12-31T00:00:00.0000000Z');
    assertRefused(() => evaluate("[addDays('yesterday', 1)]"), /addDays\(\): argument 1 \('yesterday'\) is not an ISO 8601 date-time/);
  });
});
