/**
 * How ARM template functions see JSON values: their type names in messages, equality, ordering and
 * conversion to a string. A missing value (undefined) counts as null throughout.
 */

/** A problem with a function's arguments; the evaluator names the function and turns it into a TrellisError. */
export class FunctionProblem extends Error {}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isNull(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** A missing value as the JSON null expressions hand on. */
export function orNull(value: unknown): unknown {
  return value === undefined ? null : value;
}

/** "a string ('abc')", "an integer (5)", "null": what a message says the function got. */
export function describeValue(value: unknown): string {
  if (isNull(value)) return 'null';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (typeof value === 'number') return `${Number.isInteger(value) ? 'an integer' : 'a number'} (${value})`;
  if (typeof value === 'boolean') return `a boolean (${value})`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (isObject(value)) return 'an object';
  return typeof value;
}

/** A FunctionProblem saying which argument should have been what. */
export function wrongArgument(position: number, expected: string, value: unknown): FunctionProblem {
  return new FunctionProblem(`argument ${position} must be ${expected}; got ${describeValue(value)}`);
}

export function asString(value: unknown, position: number): string {
  if (typeof value !== 'string') throw wrongArgument(position, 'a string', value);
  return value;
}

export function asInteger(value: unknown, position: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongArgument(position, 'an integer', value);
  return value;
}

export function asBoolean(value: unknown, position: number): boolean {
  if (typeof value !== 'boolean') throw wrongArgument(position, 'a boolean', value);
  return value;
}

export function asArray(value: unknown, position: number): unknown[] {
  if (!Array.isArray(value)) throw wrongArgument(position, 'an array', value);
  return value;
}

/** Deep equality as equals() has it: strings case-sensitive, arrays in order, objects by keys and values. */
export function deepEqual(left: unknown, right: unknown): boolean {
  if (isNull(left) || isNull(right)) return isNull(left) && isNull(right);
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, index) => deepEqual(item, right[index]));
  }
  if (isObject(left) || isObject(right)) {
    if (!isObject(left) || !isObject(right)) return false;
    const keys = Object.keys(left);
    if (keys.length !== Object.keys(right).length) return false;
    return keys.every((key) => Object.hasOwn(right, key) && deepEqual(left[key], right[key]));
  }
  return left === right;
}

// ARM compares strings by culture, not by code point: 'a' sorts before 'A', so greater('A', 'a') is true.
const collator = new Intl.Collator('en', { sensitivity: 'variant' });

/** Orders two integers or two strings, as less() and greater() do; anything else is a FunctionProblem. */
export function compareValues(left: unknown, right: unknown): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left === 'string' && typeof right === 'string') return collator.compare(left, right);
  if (typeof left !== 'number' && typeof left !== 'string') throw wrongArgument(1, 'an integer or a string', left);
  throw wrongArgument(2, typeof left === 'number' ? 'an integer, as argument 1 is' : 'a string, as argument 1 is', right);
}

/** string() as ARM has it: .NET's True/False for booleans, compact JSON for arrays and objects, '' for null. */
export function toArmString(value: unknown): string {
  if (isNull(value)) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

/** The value of `key` in `object`: an exact match first, then ignoring case, as ARM property names do. */
export function propertyOf(object: JsonObject, key: string): { found: true; value: unknown } | { found: false } {
  if (Object.hasOwn(object, key)) return { found: true, value: object[key] };
  const lower = key.toLowerCase();
  const match = Object.keys(object).find((candidate) => candidate.toLowerCase() === lower);
  return match === undefined ? { found: false } : { found: true, value: object[match] };
}
