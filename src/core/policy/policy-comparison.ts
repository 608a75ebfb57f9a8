import type { Operator } from './policy-condition.js';

/**
 * Azure Policy's operators on JSON values: strings compare ignoring case (except match),
 * a string and a boolean or number compare by their text ("false" equals false), and a field
 * that is not set reads as absent: only notEquals, notLike, notIn, notContains, notContainsKey,
 * notMatch and `exists: false` hold for it.
 */
export function compare(operator: Operator, value: unknown, operand: unknown): boolean {
  const absent = value === undefined || value === null;
  switch (operator) {
    case 'exists':
      return (operand === true || (typeof operand === 'string' && operand.toLowerCase() === 'true')) === !absent;
    case 'equals':
      return !absent && same(value, operand);
    case 'notEquals':
      return absent || !same(value, operand);
    case 'like':
      return !absent && typeof value === 'string' && typeof operand === 'string' && wildcard(operand).test(value);
    case 'notLike':
      return !(!absent && typeof value === 'string' && typeof operand === 'string' && wildcard(operand).test(value));
    case 'match':
      return typeof value === 'string' && typeof operand === 'string' && matchPattern(operand, false).test(value);
    case 'matchInsensitively':
      return typeof value === 'string' && typeof operand === 'string' && matchPattern(operand, true).test(value);
    case 'notMatch':
      return !(typeof value === 'string' && typeof operand === 'string' && matchPattern(operand, false).test(value));
    case 'notMatchInsensitively':
      return !(typeof value === 'string' && typeof operand === 'string' && matchPattern(operand, true).test(value));
    case 'contains':
      return !absent && contains(value, operand);
    case 'notContains':
      return absent || !contains(value, operand);
    case 'in':
      return !absent && Array.isArray(operand) && operand.some((member) => same(value, member));
    case 'notIn':
      return absent || !(Array.isArray(operand) && operand.some((member) => same(value, member)));
    case 'containsKey':
      return !absent && hasKey(value, operand);
    case 'notContainsKey':
      return absent || !hasKey(value, operand);
    case 'less':
      return order(value, operand) < 0;
    case 'lessOrEquals':
      return order(value, operand) <= 0;
    case 'greater':
      return order(value, operand) > 0;
    case 'greaterOrEquals': {
      const result = order(value, operand);
      return !Number.isNaN(result) && result >= 0;
    }
  }
}

/** Equality as Azure: text ignoring case, numbers and booleans by their text, arrays and objects member by member. */
export function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => same(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && same(a[key], b[key]));
  }
  if (isScalar(a) && isScalar(b)) return String(a).toLowerCase() === String(b).toLowerCase();
  return a === b;
}

function contains(value: unknown, operand: unknown): boolean {
  if (typeof value === 'string') return isScalar(operand) && value.toLowerCase().includes(String(operand).toLowerCase());
  if (Array.isArray(value)) return value.some((member) => same(member, operand));
  return false;
}

function hasKey(value: unknown, operand: unknown): boolean {
  return isObject(value) && typeof operand === 'string' && Object.keys(value).some((key) => key.toLowerCase() === operand.toLowerCase());
}

/** Numbers by value, text ignoring case (ISO dates order as text); NaN when the two cannot be ordered. */
function order(value: unknown, operand: unknown): number {
  if (typeof value === 'number' && typeof operand === 'number') return value - operand;
  const asNumber = (item: unknown) =>
    typeof item === 'number' ? item : typeof item === 'string' && item.trim() !== '' ? Number(item) : Number.NaN;
  if (typeof value === 'number' || typeof operand === 'number') return asNumber(value) - asNumber(operand);
  if (typeof value === 'string' && typeof operand === 'string') return value.toLowerCase().localeCompare(operand.toLowerCase(), 'en');
  return Number.NaN;
}

/** `like`: `*` is any run of characters; the rest literal; ignoring case. */
function wildcard(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}

/** `match`: `#` a digit, `?` a letter, `.` any character, anything else itself. */
function matchPattern(pattern: string, ignoreCase: boolean): RegExp {
  const body = [...pattern]
    .map((character) => {
      if (character === '#') return '[0-9]';
      if (character === '?') return '[A-Za-z]';
      if (character === '.') return '.';
      return character.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
