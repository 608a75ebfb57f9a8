import {
  asArray,
  asInteger,
  asString,
  deepEqual,
  FunctionProblem,
  isNull,
  isObject,
  toArmString,
  wrongArgument,
} from './template-values.js';

/** The string and conversion functions of ARM template expressions, as template-functions.ts calls them. */

export function concat(args: unknown[]): unknown {
  // ARM concatenates either all arrays or all strings; null counts as empty in both.
  if (args.some(Array.isArray)) {
    return args.flatMap((arg, index) => {
      if (isNull(arg)) return [];
      return asArray(arg, index + 1);
    });
  }
  return args
    .map((arg, index) => {
      if (isObject(arg)) throw wrongArgument(index + 1, 'a string or an array', arg);
      return toArmString(arg);
    })
    .join('');
}

export function format(template: string, values: unknown[]): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, item: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    if (item === undefined || !/^\s*\d+\s*$/.test(item))
      throw new FunctionProblem(
        `'${match}' is not a placeholder Trellis understands: write {0}, {1}, ... (format specifiers like {0:N0} are not supported)`,
      );
    const index = Number(item);
    if (index >= values.length)
      throw new FunctionProblem(`'${match}' refers to argument ${index + 2}, but only ${values.length + 1} were given`);
    return toArmString(values[index]);
  });
}

export function indexOf(container: unknown, item: unknown, which: 'first' | 'last'): number {
  if (Array.isArray(container)) {
    const matches = (candidate: unknown) => deepEqual(candidate, item);
    return which === 'first' ? container.findIndex(matches) : container.findLastIndex(matches);
  }
  if (typeof container !== 'string') throw wrongArgument(1, 'a string or an array', container);
  // ARM compares case-insensitively here.
  const text = container.toLowerCase();
  const sought = asString(item, 2).toLowerCase();
  return which === 'first' ? text.indexOf(sought) : text.lastIndexOf(sought);
}

export function split(text: string, delimiters: unknown): string[] {
  const list = typeof delimiters === 'string' ? [delimiters] : asArray(delimiters, 2).map((delimiter) => asString(delimiter, 2));
  const usable = list.filter((delimiter) => delimiter !== '');
  const parts: string[] = [];
  let start = 0;
  let at = 0;
  while (at < text.length) {
    const delimiter = usable.find((candidate) => text.startsWith(candidate, at));
    if (delimiter === undefined) at += 1;
    else {
      parts.push(text.slice(start, at));
      at += delimiter.length;
      start = at;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

export function replace(text: unknown, old: unknown, replacement: unknown): string {
  const sought = asString(old, 2);
  if (sought === '') throw new FunctionProblem('argument 2, the string to replace, must not be empty');
  return asString(text, 1).replaceAll(sought, asString(replacement, 3));
}

export function substring([text, start, length]: unknown[]): string {
  const value = asString(text, 1);
  const from = start === undefined ? 0 : asInteger(start, 2);
  const count = length === undefined ? value.length - from : asInteger(length, 3);
  if (from < 0 || count < 0 || from + count > value.length)
    throw new FunctionProblem(
      `the start index (${from}) and length (${count}) must lie within the string, which has ${value.length} characters`,
    );
  return value.slice(from, from + count);
}

export function padLeft([value, totalLength, padding]: unknown[]): string {
  const text = typeof value === 'number' ? String(value) : asString(value, 1);
  const character = padding === undefined ? ' ' : asString(padding, 3);
  if (character.length !== 1) throw wrongArgument(3, 'a single character', padding);
  return text.padStart(asInteger(totalLength, 2), character);
}

export function toInteger(value: unknown): number {
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  throw wrongArgument(1, 'an integer or a string holding one', value);
}

export function toFloat(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
  throw wrongArgument(1, 'a number or a string holding one', value);
}

export function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw wrongArgument(1, "a boolean, an integer or 'true'/'false'", value);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FunctionProblem(`argument 1 is not valid JSON (${(error as Error).message})`);
  }
}
