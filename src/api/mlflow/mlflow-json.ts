/**
 * MLflow's Python client writes NaN and ±Infinity as bare JSON tokens (Python's json module
 * allows them) and reads them back as the strings protobuf's JSON format uses. These helpers
 * accept the first and write the second.
 */
const sentinels: Record<string, string> = { NaN: '\u0000NaN', Infinity: '\u0000Infinity', '-Infinity': '\u0000-Infinity' };
const values: Record<string, number> = {
  '\u0000NaN': Number.NaN,
  '\u0000Infinity': Number.POSITIVE_INFINITY,
  '\u0000-Infinity': Number.NEGATIVE_INFINITY,
};

/** JSON.parse that also accepts bare NaN, Infinity and -Infinity outside strings. */
export function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!/NaN|Infinity/.test(text)) throw error;
  }
  return JSON.parse(quoteNonFiniteTokens(text), (_key, value: unknown) =>
    typeof value === 'string' && value in values ? values[value] : value,
  );
}

function quoteNonFiniteTokens(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (inString) {
      out += char;
      if (char === '\\') out += text[++i] ?? '';
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      out += char;
      continue;
    }
    const token = ['-Infinity', 'Infinity', 'NaN'].find((candidate) => text.startsWith(candidate, i));
    if (token) {
      out += JSON.stringify(sentinels[token]);
      i += token.length - 1;
      continue;
    }
    out += char;
  }
  return out;
}

/**
 * Whether JSON.stringify would meet a non-finite number in the value (or cannot tell: an object with
 * its own toJSON). A walk of the value is several times cheaper than a replacer on every key.
 */
function mayHoldNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (mayHoldNonFinite(item)) return true;
    return false;
  }
  if ('toJSON' in value) return true;
  for (const key in value) {
    if (Object.hasOwn(value, key) && mayHoldNonFinite(Reflect.get(value, key))) return true;
  }
  return false;
}

/** JSON.stringify writing non-finite numbers as "NaN", "Infinity", "-Infinity". */
export function stringifyMlflowJson(value: unknown): string {
  // Replies of a few hundred KiB (trace pages, spans) seldom hold one: plain JSON.stringify for those.
  if (!mayHoldNonFinite(value)) return JSON.stringify(value);
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== 'number' || Number.isFinite(item)) return item;
    return Number.isNaN(item) ? 'NaN' : item > 0 ? 'Infinity' : '-Infinity';
  });
}

/** The text each parsed request body object came from (see jsonTextOf). */
const texts = new WeakMap<object, string>();

/** Parses a request body and remembers its text, so an error can quote a value as the client wrote it. */
export function parseRequestJson(text: string): unknown {
  const parsed = parseLenientJson(text);
  if (parsed !== null && typeof parsed === 'object') texts.set(parsed, text);
  return parsed;
}

/** The JSON text a body parsed by parseRequestJson came from. */
export function jsonTextOf(body: object): string | undefined {
  return texts.get(body);
}
