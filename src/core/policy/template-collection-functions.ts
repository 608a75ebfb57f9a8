import {
  asArray,
  asInteger,
  asString,
  deepEqual,
  FunctionProblem,
  isNull,
  isObject,
  type JsonObject,
  orNull,
  propertyOf,
  toArmString,
  wrongArgument,
} from './template-values.js';

/** The array and object functions of ARM template expressions, as template-functions.ts calls them. */

export function createObject(args: unknown[]): JsonObject {
  if (args.length % 2 !== 0) throw new FunctionProblem(`takes keys and values in pairs, got ${args.length} arguments`);
  const result: JsonObject = {};
  for (let index = 0; index < args.length; index += 2) result[asString(args[index], index + 1)] = orNull(args[index + 1]);
  return result;
}

export function sizeOf(value: unknown, name: string): number {
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (isObject(value)) return Object.keys(value).length;
  throw wrongArgument(1, name === 'empty' ? 'an array, an object, a string or null' : 'an array, an object or a string', value);
}

export function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') {
    // Case-sensitive for strings, as ARM documents.
    if (typeof item !== 'string' && typeof item !== 'number') throw wrongArgument(2, 'a string or an integer', item);
    return container.includes(String(item));
  }
  if (Array.isArray(container)) return container.some((candidate) => deepEqual(candidate, item));
  // Object keys ignore case, as ARM documents.
  if (isObject(container)) return propertyOf(container, asString(item, 2)).found;
  throw wrongArgument(1, 'an array, an object or a string', container);
}

export function edge(value: unknown, which: 'first' | 'last'): unknown {
  if (typeof value === 'string') return which === 'first' ? value.slice(0, 1) : value.slice(-1);
  const items = asArray(value, 1);
  return (which === 'first' ? items[0] : items[items.length - 1]) ?? null;
}

export function slice(value: unknown, start: number, end: number | undefined): unknown {
  if (typeof value === 'string' || Array.isArray(value)) return value.slice(start, end);
  throw wrongArgument(1, 'an array or a string', value);
}

export function join(items: unknown[], delimiter: string): string {
  return items
    .map((item, index) => {
      if (Array.isArray(item) || isObject(item))
        throw new FunctionProblem(`item ${index} of the array is ${Array.isArray(item) ? 'an array' : 'an object'}, not a string`);
      return toArmString(item);
    })
    .join(delimiter);
}

export function union(args: unknown[]): unknown {
  if (Array.isArray(args[0])) {
    const result: unknown[] = [];
    args.forEach((arg, index) => {
      for (const item of asArray(arg, index + 1)) if (!result.some((present) => deepEqual(present, item))) result.push(item);
    });
    return result;
  }
  const objects = args.map((arg, index) => {
    if (!isObject(arg)) throw wrongArgument(index + 1, 'an object (or every argument an array)', arg);
    return arg;
  });
  return objects.reduce<JsonObject>((merged, object) => mergeObjects(merged, object), {});
}

/** union() on objects: later values win, and objects nested under the same key merge too (arrays do not). */
function mergeObjects(base: JsonObject, overlay: JsonObject): JsonObject {
  const result: JsonObject = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const existing = result[key];
    result[key] = isObject(existing) && isObject(value) ? mergeObjects(existing, value) : value;
  }
  return result;
}

export function intersection(args: unknown[]): unknown {
  if (Array.isArray(args[0])) {
    const arrays = args.map((arg, index) => asArray(arg, index + 1));
    const result: unknown[] = [];
    for (const item of arrays[0] ?? []) {
      if (result.some((present) => deepEqual(present, item))) continue;
      if (arrays.every((array) => array.some((candidate) => deepEqual(candidate, item)))) result.push(item);
    }
    return result;
  }
  const objects = args.map((arg, index) => {
    if (!isObject(arg)) throw wrongArgument(index + 1, 'an object (or every argument an array)', arg);
    return arg;
  });
  const [first = {}, ...rest] = objects;
  return Object.fromEntries(
    Object.entries(first).filter(([key, value]) => rest.every((object) => Object.hasOwn(object, key) && deepEqual(object[key], value))),
  );
}

export function tryGet(value: unknown, keys: unknown[]): unknown {
  let current = value;
  for (const [index, key] of keys.entries()) {
    if (isNull(current)) return null;
    if (Array.isArray(current)) {
      const position = asInteger(key, index + 2);
      current = position >= 0 && position < current.length ? current[position] : null;
    } else if (isObject(current)) {
      const found = propertyOf(current, asString(key, index + 2));
      current = found.found ? found.value : null;
    } else return null;
  }
  return orNull(current);
}
