import { ipRangeContains } from './ip-range.js';
import { contains, createObject, edge, intersection, join, sizeOf, slice, tryGet, union } from './template-collection-functions.js';
import {
  concat,
  format,
  indexOf,
  padLeft,
  parseJson,
  replace,
  split,
  substring,
  toBoolean,
  toFloat,
  toInteger,
} from './template-string-functions.js';
import {
  asArray,
  asBoolean,
  asInteger,
  asString,
  compareValues,
  deepEqual,
  FunctionProblem,
  isNull,
  orNull,
  toArmString,
} from './template-values.js';

/**
 * What the policy evaluator supplies to expressions: parameter values, fields of the resource by
 * alias, and the member of the array a `count` is walking.
 */
export interface ExpressionScope {
  /** The value of a policy parameter; throws a TrellisError of its own when the name is not declared. */
  parameter(name: string): unknown;
  /** The value of a field of the evaluated resource, by field name or alias. */
  field(path: string): unknown;
  /** The current array member inside `count`/`where`: by alias or by the count's name, or the innermost one. */
  current(path?: string): unknown;
  /** What policy() returns: assignmentId, definitionId, setDefinitionId, definitionReferenceId. */
  policyInfo?: () => Record<string, unknown>;
  /** The evaluation time for utcNow(); without it utcNow() is refused, so evaluation stays repeatable. */
  now?: () => Date;
}

interface FunctionShape {
  /** The canonical spelling, as Microsoft's documentation writes it. */
  name: string;
  minArgs: number;
  maxArgs: number;
}

/** Most functions take their arguments evaluated. */
interface EagerFunction extends FunctionShape {
  apply(args: unknown[], scope: ExpressionScope): unknown;
}

/** if, and, or and coalesce evaluate only the arguments they need, so `if(empty(x), 'a', x[0])` works. */
interface LazyFunction extends FunctionShape {
  applyLazy(args: Array<() => unknown>, scope: ExpressionScope): unknown;
}

export type TemplateFunction = EagerFunction | LazyFunction;

const many = Number.POSITIVE_INFINITY;

// resourceGroup() and subscription() have no Azure counterpart in Trellis: fixed shapes named 'trellis'.
const trellisSubscription = { id: '/subscriptions/trellis', subscriptionId: 'trellis', tenantId: 'trellis', displayName: 'trellis' };
const trellisResourceGroup = {
  id: '/subscriptions/trellis/resourceGroups/trellis',
  name: 'trellis',
  type: 'Microsoft.Resources/resourceGroups',
  location: '',
  managedBy: null,
  tags: {},
  properties: { provisioningState: 'Succeeded' },
};

const definitions: TemplateFunction[] = [
  // Policy: values from the evaluation.
  { name: 'parameters', minArgs: 1, maxArgs: 1, apply: ([name], scope) => orNull(scope.parameter(asString(name, 1))) },
  { name: 'field', minArgs: 1, maxArgs: 1, apply: ([path], scope) => orNull(scope.field(asString(path, 1))) },
  {
    name: 'current',
    minArgs: 0,
    maxArgs: 1,
    apply: (args, scope) => orNull(args.length === 0 ? scope.current() : scope.current(asString(args[0], 1))),
  },
  { name: 'policy', minArgs: 0, maxArgs: 0, apply: (_, scope) => scope.policyInfo?.() ?? {} },
  // No caller identity reaches the evaluation: tryGet(requestContext().identity, 'appid') reads null.
  { name: 'requestContext', minArgs: 0, maxArgs: 0, apply: () => ({ apiVersion: '2024-04-01', identity: {} }) },
  { name: 'resourceGroup', minArgs: 0, maxArgs: 0, apply: () => structuredClone(trellisResourceGroup) },
  { name: 'subscription', minArgs: 0, maxArgs: 0, apply: () => structuredClone(trellisSubscription) },
  { name: 'utcNow', minArgs: 0, maxArgs: 0, apply: (_, scope) => formatPolicyTime(evaluationTime(scope)) },
  { name: 'addDays', minArgs: 2, maxArgs: 2, apply: ([dateTime, days]) => addDays(asString(dateTime, 1), asInteger(days, 2)) },
  { name: 'ipRangeContains', minArgs: 2, maxArgs: 2, apply: ([range, target]) => ipRangeContains(asString(range, 1), asString(target, 2)) },

  // Literals and logic.
  { name: 'true', minArgs: 0, maxArgs: 0, apply: () => true },
  { name: 'false', minArgs: 0, maxArgs: 0, apply: () => false },
  { name: 'null', minArgs: 0, maxArgs: 0, apply: () => null },
  { name: 'not', minArgs: 1, maxArgs: 1, apply: ([value]) => !asBoolean(value, 1) },
  { name: 'and', minArgs: 2, maxArgs: many, applyLazy: (args) => args.every((arg, index) => asBoolean(arg(), index + 1)) },
  { name: 'or', minArgs: 2, maxArgs: many, applyLazy: (args) => args.some((arg, index) => asBoolean(arg(), index + 1)) },
  {
    name: 'if',
    minArgs: 3,
    maxArgs: 3,
    applyLazy: ([condition, whenTrue, whenFalse]) => (asBoolean(condition!(), 1) ? whenTrue!() : whenFalse!()),
  },
  {
    name: 'coalesce',
    minArgs: 1,
    maxArgs: many,
    applyLazy: (args) => {
      for (const arg of args) {
        const value = arg();
        if (!isNull(value)) return value;
      }
      return null;
    },
  },

  // Comparison.
  { name: 'equals', minArgs: 2, maxArgs: 2, apply: ([left, right]) => deepEqual(left, right) },
  { name: 'less', minArgs: 2, maxArgs: 2, apply: ([left, right]) => compareValues(left, right) < 0 },
  { name: 'lessOrEquals', minArgs: 2, maxArgs: 2, apply: ([left, right]) => compareValues(left, right) <= 0 },
  { name: 'greater', minArgs: 2, maxArgs: 2, apply: ([left, right]) => compareValues(left, right) > 0 },
  { name: 'greaterOrEquals', minArgs: 2, maxArgs: 2, apply: ([left, right]) => compareValues(left, right) >= 0 },

  // Strings.
  { name: 'concat', minArgs: 1, maxArgs: many, apply: concat },
  { name: 'format', minArgs: 1, maxArgs: many, apply: ([template, ...values]) => format(asString(template, 1), values) },
  { name: 'toLower', minArgs: 1, maxArgs: 1, apply: ([text]) => asString(text, 1).toLowerCase() },
  { name: 'toUpper', minArgs: 1, maxArgs: 1, apply: ([text]) => asString(text, 1).toUpperCase() },
  { name: 'trim', minArgs: 1, maxArgs: 1, apply: ([text]) => asString(text, 1).trim() },
  {
    name: 'startsWith',
    minArgs: 2,
    maxArgs: 2,
    apply: ([text, prefix]) => asString(text, 1).toLowerCase().startsWith(asString(prefix, 2).toLowerCase()),
  },
  {
    name: 'endsWith',
    minArgs: 2,
    maxArgs: 2,
    apply: ([text, suffix]) => asString(text, 1).toLowerCase().endsWith(asString(suffix, 2).toLowerCase()),
  },
  { name: 'indexOf', minArgs: 2, maxArgs: 2, apply: ([container, item]) => indexOf(container, item, 'first') },
  { name: 'lastIndexOf', minArgs: 2, maxArgs: 2, apply: ([container, item]) => indexOf(container, item, 'last') },
  { name: 'split', minArgs: 2, maxArgs: 2, apply: ([text, delimiters]) => split(asString(text, 1), delimiters) },
  { name: 'replace', minArgs: 3, maxArgs: 3, apply: ([text, old, replacement]) => replace(text, old, replacement) },
  { name: 'substring', minArgs: 1, maxArgs: 3, apply: substring },
  { name: 'padLeft', minArgs: 2, maxArgs: 3, apply: padLeft },
  { name: 'string', minArgs: 1, maxArgs: 1, apply: ([value]) => toArmString(value) },

  // Conversions.
  { name: 'int', minArgs: 1, maxArgs: 1, apply: ([value]) => toInteger(value) },
  { name: 'float', minArgs: 1, maxArgs: 1, apply: ([value]) => toFloat(value) },
  { name: 'bool', minArgs: 1, maxArgs: 1, apply: ([value]) => toBoolean(value) },
  { name: 'json', minArgs: 1, maxArgs: 1, apply: ([text]) => parseJson(asString(text, 1)) },
  { name: 'array', minArgs: 1, maxArgs: 1, apply: ([value]) => (Array.isArray(value) ? value : [orNull(value)]) },

  // Arrays and objects.
  { name: 'createArray', minArgs: 0, maxArgs: many, apply: (args) => args.map(orNull) },
  { name: 'createObject', minArgs: 0, maxArgs: many, apply: createObject },
  { name: 'length', minArgs: 1, maxArgs: 1, apply: ([value]) => sizeOf(value, 'length') },
  { name: 'empty', minArgs: 1, maxArgs: 1, apply: ([value]) => isNull(value) || sizeOf(value, 'empty') === 0 },
  { name: 'contains', minArgs: 2, maxArgs: 2, apply: ([container, item]) => contains(container, item) },
  { name: 'first', minArgs: 1, maxArgs: 1, apply: ([value]) => edge(value, 'first') },
  { name: 'last', minArgs: 1, maxArgs: 1, apply: ([value]) => edge(value, 'last') },
  { name: 'take', minArgs: 2, maxArgs: 2, apply: ([value, count]) => slice(value, 0, Math.max(0, asInteger(count, 2))) },
  { name: 'skip', minArgs: 2, maxArgs: 2, apply: ([value, count]) => slice(value, Math.max(0, asInteger(count, 2)), undefined) },
  { name: 'join', minArgs: 2, maxArgs: 2, apply: ([items, delimiter]) => join(asArray(items, 1), asString(delimiter, 2)) },
  { name: 'union', minArgs: 2, maxArgs: many, apply: union },
  { name: 'intersection', minArgs: 2, maxArgs: many, apply: intersection },
  { name: 'tryGet', minArgs: 2, maxArgs: many, apply: ([value, ...keys]) => tryGet(value, keys) },

  // Numbers.
  { name: 'min', minArgs: 1, maxArgs: many, apply: (args) => Math.min(...integers(args, 'min')) },
  { name: 'max', minArgs: 1, maxArgs: many, apply: (args) => Math.max(...integers(args, 'max')) },
  { name: 'add', minArgs: 2, maxArgs: 2, apply: ([left, right]) => checked(asInteger(left, 1) + asInteger(right, 2)) },
  { name: 'sub', minArgs: 2, maxArgs: 2, apply: ([left, right]) => checked(asInteger(left, 1) - asInteger(right, 2)) },
  { name: 'mul', minArgs: 2, maxArgs: 2, apply: ([left, right]) => checked(asInteger(left, 1) * asInteger(right, 2)) },
  { name: 'div', minArgs: 2, maxArgs: 2, apply: ([left, right]) => Math.trunc(asInteger(left, 1) / divisor(right)) },
  { name: 'mod', minArgs: 2, maxArgs: 2, apply: ([left, right]) => asInteger(left, 1) % divisor(right) },
];

const byLowerName = new Map(definitions.map((definition) => [definition.name.toLowerCase(), definition]));

/** Every function an expression may call, in alphabetical order, as messages list them. */
export const templateFunctionNames: readonly string[] = definitions.map((definition) => definition.name).sort((a, b) => a.localeCompare(b));

/** The function named `name`, ignoring case as ARM does; undefined when there is none. */
export function lookUpFunction(name: string): TemplateFunction | undefined {
  return byLowerName.get(name.toLowerCase());
}

/** ARM functions Azure Policy refuses in a policy rule (besides every list* function). */
export const excludedInPolicy: readonly string[] = [
  'copyIndex',
  'dateTimeAdd',
  'dateTimeFromEpoch',
  'dateTimeToEpoch',
  'deployment',
  'environment',
  'extensionResourceId',
  'lambda',
  'managementGroup',
  'newGuid',
  'pickZones',
  'providers',
  'reference',
  'resourceId',
  'subscriptionResourceId',
  'tenantResourceId',
  'tenant',
  'variables',
];

/** ARM functions a policy may call in Azure but Trellis does not evaluate; named so the message can say so. */
export const notEvaluatedByTrellis: readonly string[] = [
  'base64',
  'base64ToJson',
  'base64ToString',
  'dataUri',
  'dataUriToString',
  'guid',
  'uniqueString',
  'uri',
  'uriComponent',
  'uriComponentToString',
  'items',
  'objectKeys',
  'shallowMerge',
  'flatten',
  'range',
  'indexFromEnd',
  'filter',
  'map',
  'reduce',
  'sort',
  'toObject',
  'groupBy',
  'mapValues',
  'parseCidr',
  'cidrSubnet',
  'cidrHost',
];

function integers(args: unknown[], name: string): number[] {
  const values = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  if (values.length === 0) throw new FunctionProblem(`${name}() of an empty array has no value`);
  return values.map((value, index) => asInteger(value, args.length === 1 ? 1 : index + 1));
}

function checked(value: number): number {
  if (!Number.isSafeInteger(value)) throw new FunctionProblem(`the result (${value}) is too large`);
  return value;
}

function divisor(value: unknown): number {
  const number = asInteger(value, 2);
  if (number === 0) throw new FunctionProblem('argument 2 is zero: cannot divide by zero');
  return number;
}

function evaluationTime(scope: ExpressionScope): Date {
  if (!scope.now)
    throw new FunctionProblem(
      'this evaluation has no clock (Azure Policy allows utcNow(), but Trellis evaluates it only where the evaluator supplies the time)',
    );
  return scope.now();
}

/** Azure Policy's date-time format: yyyy-MM-ddTHH:mm:ss.fffffffZ (seven fraction digits). */
function formatPolicyTime(time: Date, subMillisecond = '0000'): string {
  return `${time.toISOString().slice(0, -1)}${subMillisecond}Z`;
}

const dateTimePattern = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2})?$/i;

/** addDays(dateTime, days): whole days added in UTC; the digits below a millisecond are kept as written. */
function addDays(dateTime: string, days: number): string {
  const match = dateTimePattern.exec(dateTime.trim());
  const fraction = (match?.[3] ?? '').padEnd(7, '0');
  const clock = (match?.[2] ?? '00:00:00').padEnd(8, ':00');
  const time = match ? new Date(`${match[1]}T${clock}.${fraction.slice(0, 3)}${match[4] ?? 'Z'}`) : undefined;
  if (!time || Number.isNaN(time.getTime()))
    throw new FunctionProblem(`argument 1 ('${dateTime}') is not an ISO 8601 date-time such as 2024-05-01T00:00:00.0000000Z`);
  time.setUTCDate(time.getUTCDate() + days);
  return formatPolicyTime(time, fraction.slice(3));
}
