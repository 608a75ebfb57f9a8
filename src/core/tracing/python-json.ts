/**
 * JSON as Python's `json` module reads and writes it, which is what MLflow stores: span attribute
 * values are `json.dumps(value, ensure_ascii=False)` strings and a span row's content is a
 * `json.dumps` of the span dict. Two things JSON.parse/JSON.stringify lose matter here: integers
 * past 2^53 (span times in nanoseconds) and int versus float (`2` becomes an OTLP int_value, `2.0`
 * a double_value); and Python writes `", "` and `": "` between items.
 */

/** A JSON value as Python holds it: bigint for an int, number for a float, a Map keeps key order. */
export type PyJson = null | boolean | string | bigint | number | PyJson[] | PyObject;
export type PyObject = Map<string, PyJson>;

/** A plain JSON value, as JSON.parse gives it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Thrown with the offset of the first character that is not JSON. */
export class PyJsonSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'PyJsonSyntaxError';
    this.offset = offset;
  }
}

const backslash = 0x5c;
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings (Python's strict json.loads too): this finds them.
const controlCharacter = /[\u0000-\u001f]/;
const numberPattern = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const constants: ReadonlyArray<[string, PyJson]> = [
  ['true', true],
  ['false', false],
  ['null', null],
  // Python's json writes these for float('nan') and infinities, and reads them back.
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
];

/** Parses JSON text, keeping ints exact (bigint), floats as numbers and object key order. */
export function parsePythonJson(text: string): PyJson {
  let at = 0;
  const skipSpace = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at += 1;
  };
  const parseString = (): string => {
    const start = at;
    // The closing quote: the next one not escaped (preceded by an even run of backslashes).
    let end = text.indexOf('"', start + 1);
    for (; end !== -1; end = text.indexOf('"', end + 1)) {
      let backslashes = 0;
      while (text.charCodeAt(end - 1 - backslashes) === backslash) backslashes += 1;
      if (backslashes % 2 === 0) break;
    }
    if (end === -1) throw new PyJsonSyntaxError('unterminated string', start);
    at = end + 1;
    // Without escapes or control characters the text between the quotes is the value; JSON.parse only for the rest.
    const body = text.slice(start + 1, end);
    if (!body.includes('\\') && !controlCharacter.test(body)) return body;
    const literal = text.slice(start, at);
    try {
      const value: unknown = JSON.parse(literal);
      if (typeof value === 'string') return value;
    } catch (error) {
      throw new PyJsonSyntaxError(`bad string (${error instanceof Error ? error.message : String(error)})`, start);
    }
    throw new PyJsonSyntaxError('bad string', start);
  };
  const parseValue = (): PyJson => {
    skipSpace();
    const char = text.charAt(at);
    if (char === '"') return parseString();
    if (char === '[') {
      at += 1;
      const items: PyJson[] = [];
      skipSpace();
      if (text.charAt(at) === ']') {
        at += 1;
        return items;
      }
      for (;;) {
        items.push(parseValue());
        skipSpace();
        const next = text.charAt(at);
        at += 1;
        if (next === ']') return items;
        if (next !== ',') throw new PyJsonSyntaxError("expected ',' or ']'", at - 1);
      }
    }
    if (char === '{') {
      at += 1;
      const object: PyObject = new Map();
      skipSpace();
      if (text.charAt(at) === '}') {
        at += 1;
        return object;
      }
      for (;;) {
        skipSpace();
        if (text.charAt(at) !== '"') throw new PyJsonSyntaxError('expected a key in double quotes', at);
        const key = parseString();
        skipSpace();
        if (text.charAt(at) !== ':') throw new PyJsonSyntaxError("expected ':'", at);
        at += 1;
        object.set(key, parseValue());
        skipSpace();
        const next = text.charAt(at);
        at += 1;
        if (next === '}') return object;
        if (next !== ',') throw new PyJsonSyntaxError("expected ',' or '}'", at - 1);
      }
    }
    for (const [word, value] of constants) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return value;
      }
    }
    numberPattern.lastIndex = at;
    const match = numberPattern.exec(text);
    if (!match) throw new PyJsonSyntaxError('expected a JSON value', at);
    at += match[0].length;
    return match[1] === undefined && match[2] === undefined ? BigInt(match[0]) : Number(match[0]);
  };
  const value = parseValue();
  skipSpace();
  if (at !== text.length) throw new PyJsonSyntaxError('extra data after the JSON value', at);
  return value;
}

/** The characters a JSON value can start with (after white space), Python's NaN and Infinity included. */
const valueStart = /^[ \t\n\r]*["[{\-0-9tfnNI]/;

/**
 * json.loads as MLflow tries it on attribute values: the value, or undefined when the text is not
 * JSON. Most text that is not JSON (a model name, a span type) is told at its first character,
 * without building an error.
 */
export function tryParsePythonJson(text: string): PyJson | undefined {
  if (!valueStart.test(text)) return undefined;
  try {
    return parsePythonJson(text);
  } catch {
    // Not JSON: the caller keeps the text as the plain string it is.
    return undefined;
  }
}

/** What json.loads would give for the text, by kind only (undefined: not JSON), without building Python values. */
export function pythonJsonKindOf(text: string): 'string' | 'list' | 'object' | 'scalar' | undefined {
  const first = valueStart.exec(text)?.[0].at(-1);
  if (first === undefined) return undefined;
  if (first !== '"' && first !== '[' && first !== '{') return tryParsePythonJson(text) === undefined ? undefined : 'scalar';
  try {
    // JSON.parse accepts what json.loads accepts but NaN and Infinity, which parsePythonJson reads.
    JSON.parse(text);
  } catch {
    if (tryParsePythonJson(text) === undefined) return undefined;
  }
  return first === '"' ? 'string' : first === '[' ? 'list' : 'object';
}

/** Python's repr of a float: shortest round-trip digits, fixed between 1e-4 and 1e16, else `1e-05` style. */
function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [digitsPart = '', exponentPart = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentPart);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? '-' : '+';
    return `${digitsPart}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const text = String(value);
  return text.includes('.') ? text : `${text}.0`;
}

/** `json.dumps(value, ensure_ascii=False)`: Python's separators, float repr and key order. */
export function dumpPythonJson(value: PyJson): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return pythonFloat(value);
  // Concatenation rather than map and join: spans are dumped by the thousand, and this allocates no arrays.
  let text = '';
  if (Array.isArray(value)) {
    for (const item of value) text += text === '' ? dumpPythonJson(item) : `, ${dumpPythonJson(item)}`;
    return `[${text}]`;
  }
  for (const [key, item] of value) text += `${text === '' ? '' : ', '}${JSON.stringify(key)}: ${dumpPythonJson(item)}`;
  return `{${text}}`;
}

/** A plain JSON value as Python would hold it after json.loads: whole numbers become ints. */
export function pyJsonOf(value: JsonValue): PyJson {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(pyJsonOf);
  return new Map(Object.entries(value).map(([key, item]) => [key, pyJsonOf(item)]));
}

/** A Python-held value as plain JSON (ints past 2^53 round to the nearest number). */
export function jsonValueOf(value: PyJson): JsonValue {
  if (typeof value === 'bigint') return Number(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(jsonValueOf);
  return Object.fromEntries([...value].map(([key, item]) => [key, jsonValueOf(item)]));
}
