import { isTrellisError, TrellisError } from '../errors.js';
import { arityProblem, type ExpressionNode, isTemplateExpression, parseTemplateExpression } from './template-expression-parser.js';
import { type ExpressionScope, lookUpFunction, templateFunctionNames } from './template-functions.js';
import { describeValue, FunctionProblem, isObject, propertyOf } from './template-values.js';

/**
 * ARM template expressions as Azure Policy definitions write values: `"[parameters('effect')]"`.
 * The parser (template-expression-parser.ts) turns the text into an ExpressionNode; evaluating one
 * asks an ExpressionScope, supplied by the policy evaluator, for parameters, fields and count members.
 */
export type { ExpressionNode } from './template-expression-parser.js';
export { isTemplateExpression, maxExpressionDepth, parseTemplateExpression } from './template-expression-parser.js';
export type { ExpressionScope } from './template-functions.js';
export { templateFunctionNames } from './template-functions.js';

/**
 * The value of a parsed expression. Argument and type errors are TrellisError('InvalidPolicyExpression', 400)
 * naming the function and what it got; errors the scope throws (an undeclared parameter) pass through.
 */
export function evaluateExpression(node: ExpressionNode, scope: ExpressionScope): unknown {
  switch (node.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return node.value;
    case 'null':
      return null;
    case 'call':
      return callFunction(node, scope);
    case 'property':
      return readProperty(evaluateExpression(node.target, scope), node.name);
    case 'index':
      return readIndex(evaluateExpression(node.target, scope), evaluateExpression(node.index, scope));
  }
}

/**
 * A value from a policy definition with its expressions resolved: an expression string is evaluated,
 * `[[...]` loses its first bracket (the escape), arrays and objects are resolved member by member, and
 * anything else is returned as it is. The host should not pass the `template` of a deployIfNotExists
 * deployment through here: its expressions belong to that ARM template, not to the policy.
 */
export function resolveTemplateValue(value: unknown, scope: ExpressionScope): unknown {
  if (typeof value === 'string') {
    if (isTemplateExpression(value)) return evaluateText(value, scope);
    return value.startsWith('[[') && value.endsWith(']') ? value.slice(1) : value;
  }
  if (Array.isArray(value)) return value.map((item) => resolveTemplateValue(item, scope));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveTemplateValue(item, scope)]));
  return value;
}

/** The parameter names passed as literal strings to parameters(), each once, in order of appearance. */
export function expressionParameters(node: ExpressionNode): string[] {
  return literalArguments(node, 'parameters');
}

/** The field names and aliases passed as literal strings to field(), each once, in order of appearance. */
export function expressionFields(node: ExpressionNode): string[] {
  return literalArguments(node, 'field');
}

/** The functions an expression calls, by canonical name, each once, in order of appearance. */
export function referencedFunctions(node: ExpressionNode): string[] {
  const names = new Set<string>();
  visit(node, (each) => {
    if (each.kind === 'call') names.add(lookUpFunction(each.name)?.name ?? each.name);
  });
  return [...names];
}

function evaluateText(text: string, scope: ExpressionScope): unknown {
  const node = parseTemplateExpression(text);
  try {
    return evaluateExpression(node, scope);
  } catch (error) {
    // Say which expression failed; parse errors and the scope's own errors already say enough.
    if (isTrellisError(error) && error.code === 'InvalidPolicyExpression' && !error.message.startsWith('expression '))
      throw new TrellisError(error.code, error.status, `expression ${JSON.stringify(text)}: ${error.message}`, {
        details: { ...error.details, expression: text },
        cause: error,
      });
    throw error;
  }
}

function callFunction(node: Extract<ExpressionNode, { kind: 'call' }>, scope: ExpressionScope): unknown {
  const definition = lookUpFunction(node.name);
  if (!definition)
    throw new TrellisError('InvalidPolicyExpression', 400, `unknown function '${node.name}'; known: ${templateFunctionNames.join(', ')}`);
  const name = definition.name;
  if (node.args.length < definition.minArgs || node.args.length > definition.maxArgs)
    throw new TrellisError('InvalidPolicyExpression', 400, `${name}() ${arityProblem(definition, node.args.length)}`);
  try {
    if ('applyLazy' in definition)
      return definition.applyLazy(
        node.args.map((arg) => () => evaluateExpression(arg, scope)),
        scope,
      );
    return definition.apply(
      node.args.map((arg) => evaluateExpression(arg, scope)),
      scope,
    );
  } catch (error) {
    if (error instanceof FunctionProblem) throw new TrellisError('InvalidPolicyExpression', 400, `${name}(): ${error.message}`);
    throw error;
  }
}

function readProperty(target: unknown, name: string): unknown {
  if (!isObject(target))
    throw new TrellisError('InvalidPolicyExpression', 400, `cannot read property '${name}' of ${describeValue(target)}`);
  const found = propertyOf(target, name);
  if (!found.found) {
    const available = Object.keys(target);
    throw new TrellisError(
      'InvalidPolicyExpression',
      400,
      `property '${name}' does not exist; ${available.length === 0 ? 'the object is empty' : `available: ${available.join(', ')}`}`,
    );
  }
  return found.value === undefined ? null : found.value;
}

function readIndex(target: unknown, index: unknown): unknown {
  if (Array.isArray(target)) {
    if (typeof index !== 'number' || !Number.isInteger(index))
      throw new TrellisError('InvalidPolicyExpression', 400, `an array is indexed by an integer; got ${describeValue(index)}`);
    if (index < 0 || index >= target.length)
      throw new TrellisError('InvalidPolicyExpression', 400, `index ${index} is outside the array, which has ${target.length} items`);
    return target[index] ?? null;
  }
  if (isObject(target)) {
    if (typeof index !== 'string')
      throw new TrellisError('InvalidPolicyExpression', 400, `an object is indexed by a string; got ${describeValue(index)}`);
    return readProperty(target, index);
  }
  throw new TrellisError('InvalidPolicyExpression', 400, `cannot index ${describeValue(target)} with [${JSON.stringify(index)}]`);
}

function literalArguments(node: ExpressionNode, functionName: string): string[] {
  const names = new Set<string>();
  visit(node, (each) => {
    const first = each.kind === 'call' && each.name.toLowerCase() === functionName ? each.args[0] : undefined;
    if (first?.kind === 'string') names.add(first.value);
  });
  return [...names];
}

/** Every node, depth first, without recursion: a deeply nested expression cannot exhaust the stack. */
function visit(root: ExpressionNode, each: (node: ExpressionNode) => void): void {
  const pending = [root];
  while (pending.length > 0) {
    const node = pending.pop()!;
    each(node);
    if (node.kind === 'call') pending.push(...[...node.args].reverse());
    else if (node.kind === 'property') pending.push(node.target);
    else if (node.kind === 'index') pending.push(node.index, node.target);
  }
}
