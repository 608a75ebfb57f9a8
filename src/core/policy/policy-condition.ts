import type { Problem } from '../errors.js';
import { closestName } from '../azureml/did-you-mean.js';
import { fieldProblem } from './policy-aliases.js';
import { expressionFields, expressionParameters, isTemplateExpression, parseTemplateExpression } from './template-expression.js';
import { plainObjectOr } from '../azureml/schema-helpers.js';

/**
 * The `if` of a policy rule, parsed once into a typed tree: logical operators over conditions,
 * each a subject (a field, a value, or a count) compared by one operator to an operand.
 * Operator and logical names are matched ignoring case, as Azure does (`notin`, `notIn`).
 */

export const operators = [
  'equals',
  'notEquals',
  'like',
  'notLike',
  'match',
  'matchInsensitively',
  'notMatch',
  'notMatchInsensitively',
  'contains',
  'notContains',
  'in',
  'notIn',
  'containsKey',
  'notContainsKey',
  'less',
  'lessOrEquals',
  'greater',
  'greaterOrEquals',
  'exists',
] as const;
export type Operator = (typeof operators)[number];

export type ConditionSubject =
  | { kind: 'field'; field: string }
  | { kind: 'value'; value: unknown }
  | { kind: 'count'; field: string; where: Condition | undefined }
  | { kind: 'countValue'; value: unknown; name: string | undefined; where: Condition | undefined };

export type Condition =
  | { kind: 'allOf'; conditions: Condition[] }
  | { kind: 'anyOf'; conditions: Condition[] }
  | { kind: 'not'; condition: Condition }
  | { kind: 'compare'; subject: ConditionSubject; operator: Operator; operand: unknown; path: string };

const operatorByLowerName = new Map(operators.map((operator) => [operator.toLowerCase(), operator]));
const logicalNames = ['allOf', 'anyOf', 'not'];
const subjectNames = ['field', 'value', 'count'];

/** What parsing a rule found: the tree, and every problem (with its JSON path) when there is none. */
export interface ParsedCondition {
  condition: Condition | undefined;
  problems: Problem[];
  /** Parameters the rule names (in expressions), to check against the definition's declarations. */
  parameters: Set<string>;
}

/** Parses `node` (the rule's `if`), collecting problems rather than stopping at the first. */
export function parseCondition(node: unknown, path = 'policyRule.if'): ParsedCondition {
  const problems: Problem[] = [];
  const parameters = new Set<string>();
  const condition = parseNode(node, path, { problems, parameters });
  return { condition: problems.length === 0 ? condition : undefined, problems, parameters };
}

interface Collector {
  problems: Problem[];
  parameters: Set<string>;
}

function parseNode(node: unknown, path: string, collector: Collector): Condition | undefined {
  const record = plainObjectOr(node);
  if (!record) {
    collector.problems.push({ path, message: 'a condition is an object: allOf, anyOf, not, or field/value/count with one operator' });
    return undefined;
  }
  const keys = Object.keys(record);
  const lower = (name: string) => keys.find((key) => key.toLowerCase() === name.toLowerCase());
  for (const logical of logicalNames) {
    const key = lower(logical);
    if (key === undefined) continue;
    if (keys.length !== 1) {
      collector.problems.push({
        path,
        message: `'${key}' stands alone in its object; move ${otherKeys(keys, key)} into a condition of its own`,
      });
      return undefined;
    }
    const inner = record[key];
    if (logical === 'not') {
      const condition = parseNode(inner, `${path}.${key}`, collector);
      return condition && { kind: 'not', condition };
    }
    if (!Array.isArray(inner) || inner.length === 0) {
      collector.problems.push({ path: `${path}.${key}`, message: `'${key}' takes a non-empty array of conditions` });
      return undefined;
    }
    const conditions = inner.map((child, index) => parseNode(child, `${path}.${key}[${index}]`, collector));
    if (conditions.some((child) => child === undefined)) return undefined;
    return { kind: logical === 'allOf' ? 'allOf' : 'anyOf', conditions: conditions as Condition[] };
  }
  return parseComparison(record, keys, path, collector);
}

function parseComparison(record: Record<string, unknown>, keys: string[], path: string, collector: Collector): Condition | undefined {
  const subjectKeys = keys.filter((key) => subjectNames.includes(key.toLowerCase()));
  const operatorKeys = keys.filter((key) => operatorByLowerName.has(key.toLowerCase()));
  const unknown = keys.filter((key) => !subjectKeys.includes(key) && !operatorKeys.includes(key));
  for (const key of unknown) {
    const near = closestName(key, [...logicalNames, ...subjectNames, ...operators]);
    collector.problems.push({
      path: `${path}.${key}`,
      message: `unknown condition '${key}'${near ? `; did you mean '${near}'?` : ''} (operators: ${operators.join(', ')})`,
    });
  }
  if (subjectKeys.length !== 1)
    collector.problems.push({
      path,
      message:
        subjectKeys.length === 0
          ? 'a condition needs one of field, value or count (or allOf, anyOf, not)'
          : `a condition has one subject; it has ${subjectKeys.join(' and ')}`,
    });
  // A misspelt operator is already named above; say "needs one" only when nothing stood in for it.
  if (operatorKeys.length > 1 || (operatorKeys.length === 0 && unknown.length === 0))
    collector.problems.push({
      path,
      message:
        operatorKeys.length === 0
          ? `a condition needs one operator (${operators.join(', ')})`
          : `a condition has one operator; it has ${operatorKeys.join(' and ')}`,
    });
  // The subject is checked even when the operator is wrong, so every problem is told at once.
  const subjectKey = subjectKeys[0];
  const subject = subjectKey === undefined ? undefined : parseSubject(subjectKey, record[subjectKey], `${path}.${subjectKey}`, collector);
  const operatorKey = operatorKeys[0];
  if (subject === undefined || operatorKey === undefined || subjectKeys.length !== 1 || operatorKeys.length !== 1 || unknown.length > 0)
    return undefined;
  const operator = operatorByLowerName.get(operatorKey.toLowerCase());
  if (operator === undefined) return undefined;
  const operand = record[operatorKey];
  noteExpressions(operand, `${path}.${operatorKey}`, collector);
  if (operator === 'exists' && typeof operand !== 'boolean' && !(typeof operand === 'string' && /^(true|false)$/i.test(operand)))
    collector.problems.push({ path: `${path}.${operatorKey}`, message: "'exists' takes true or false" });
  return { kind: 'compare', subject, operator, operand, path };
}

function parseSubject(key: string, value: unknown, path: string, collector: Collector): ConditionSubject | undefined {
  switch (key.toLowerCase()) {
    case 'field': {
      if (typeof value !== 'string') {
        collector.problems.push({ path, message: "'field' names a field or an alias, as a string" });
        return undefined;
      }
      if (isTemplateExpression(value)) {
        noteExpressions(value, path, collector);
        return { kind: 'field', field: value };
      }
      const problem = fieldProblem(value);
      if (problem) collector.problems.push({ path, message: problem });
      return { kind: 'field', field: value };
    }
    case 'value':
      noteExpressions(value, path, collector);
      return { kind: 'value', value };
    default:
      return parseCount(value, path, collector);
  }
}

function parseCount(value: unknown, path: string, collector: Collector): ConditionSubject | undefined {
  const record = plainObjectOr(value);
  if (!record) {
    collector.problems.push({
      path,
      message: "'count' is an object with 'field' (an array alias with [*]) or 'value', and an optional 'where'",
    });
    return undefined;
  }
  const whereKey = Object.keys(record).find((key) => key.toLowerCase() === 'where');
  const where = whereKey === undefined ? undefined : parseNode(record[whereKey], `${path}.${whereKey}`, collector);
  for (const key of Object.keys(record)) {
    if (!['field', 'value', 'name', 'where'].includes(key.toLowerCase()))
      collector.problems.push({ path: `${path}.${key}`, message: `'count' takes field or value, name and where; not '${key}'` });
  }
  if (typeof record.field === 'string') {
    if (!record.field.includes('[*]'))
      collector.problems.push({
        path: `${path}.field`,
        message: `a field count names an array alias ending in [*]; '${record.field}' is not one`,
      });
    else {
      const problem = fieldProblem(record.field);
      if (problem) collector.problems.push({ path: `${path}.field`, message: problem });
    }
    return { kind: 'count', field: record.field, where };
  }
  if ('value' in record) {
    noteExpressions(record.value, `${path}.value`, collector);
    if (record.name !== undefined && typeof record.name !== 'string')
      collector.problems.push({ path: `${path}.name`, message: "'name' names the current member for current('<name>'), as a string" });
    return { kind: 'countValue', value: record.value, name: typeof record.name === 'string' ? record.name : undefined, where };
  }
  collector.problems.push({ path, message: "'count' needs 'field' (an array alias with [*]) or 'value'" });
  return undefined;
}

/** Parses every expression string inside `value`, recording problems, parameters and the fields it names. */
export function noteExpressions(value: unknown, path: string, collector: Collector): void {
  if (typeof value === 'string') {
    if (!isTemplateExpression(value)) return;
    try {
      const node = parseTemplateExpression(value);
      for (const name of expressionParameters(node)) collector.parameters.add(name);
      for (const field of expressionFields(node)) {
        const problem = fieldProblem(field);
        if (problem) collector.problems.push({ path, message: problem });
      }
    } catch (error) {
      collector.problems.push({ path, message: (error as Error).message });
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) noteExpressions(item, `${path}[${index}]`, collector);
  } else {
    const record = plainObjectOr(value);
    if (record) for (const [key, item] of Object.entries(record)) noteExpressions(item, `${path}.${key}`, collector);
  }
}

function otherKeys(keys: string[], key: string): string {
  return keys
    .filter((other) => other !== key)
    .map((other) => `'${other}'`)
    .join(', ');
}
