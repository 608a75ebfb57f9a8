/**
 * The quick way to GetTrace's span JSON (see otelSpanJsonOf in mlflow-span.ts): a stored span's
 * content read with JSON.parse, which is many times faster than the exact Python-JSON reader, for the
 * content where both read the same. JSON.parse loses what Python keeps in three places, so where
 * any of them could matter this gives up (undefined) and the caller takes the exact way:
 * - ints past 2^53 (span and event times in nanoseconds): the times are read from the text;
 * - int versus float (`1.0` is a double_value, `1` an int_value): a float literal with a whole value,
 *   or a number where the text cannot be checked (event attributes), gives up;
 * - key order: a JSON object with an integer-like key ("1") is ordered otherwise by JavaScript.
 * A span attribute JSON.parse cannot read (text such as `5 apples`, Python's NaN) is read the exact
 * way on its own, by `exactAttributeJsonOf`.
 */

/** The characters a JSON value can start with (after white space), Python's NaN and Infinity included (as python-json.ts). */
const valueStart = /^[ \t\n\r]*["[{\-0-9tfnNI]/;
/**
 * A number token JSON.parse would read as a whole number though Python reads a float (1.0, 2e3, any
 * exponent), or text in a string that looks like one (which only sends it the exact way).
 */
const wholeFloatLiteral = /(?:^|[[:,])\s*-?\d+(?:\.0+(?![0-9eE])|(?:\.\d+)?[eE])/;
const integerLikeKey = /^(?:0|[1-9]\d*)$/;
/** The head of the content as dumpPythonJson writes a span dict, with its exact start and end times. */
const contentHead =
  /^\{"trace_id": "[^"\\]*", "span_id": "[^"\\]*", "parent_span_id": (?:null|"[^"\\]*"), "name": "(?:[^"\\]|\\.)*", "start_time_unix_nano": (\d+), "end_time_unix_nano": (\d+|null), "events": /;
const eventTime = /"time_unix_nano": /g;
const eventTimeValue = /"time_unix_nano": (\d+)[,}]/g;

type Json = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** An OTLP AnyValue as protobuf JSON of a JSON.parse'd value; undefined where the exact reader could differ. */
function anyValueJsonOf(value: unknown, allowsNumbers: boolean): Json | undefined {
  if (value === null) return {};
  if (typeof value === 'boolean') return { bool_value: value };
  if (typeof value === 'string') return { string_value: value };
  if (typeof value === 'number') {
    if (!allowsNumbers) return undefined;
    if (Number.isSafeInteger(value)) return { int_value: value };
    return Number.isInteger(value) ? undefined : { double_value: value };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { array_value: {} };
    const values: Json[] = [];
    for (const item of value) {
      const json = anyValueJsonOf(item, allowsNumbers);
      if (json === undefined) return undefined;
      values.push(json);
    }
    return { array_value: { values } };
  }
  if (!isPlainObject(value)) return undefined;
  const values = keyValuesJsonOf(value, allowsNumbers);
  if (values === undefined) return undefined;
  return { kvlist_value: values.length === 0 ? {} : { values } };
}

function keyValuesJsonOf(object: Json, allowsNumbers: boolean): { key: string; value: Json }[] | undefined {
  const values: { key: string; value: Json }[] = [];
  for (const key of Object.keys(object)) {
    if (integerLikeKey.test(key)) return undefined;
    const value = anyValueJsonOf(object[key], allowsNumbers);
    if (value === undefined) return undefined;
    values.push({ key, value });
  }
  return values;
}

/** A span attribute (JSON text as stored) decoded as MLflow's span reads it, as an AnyValue. */
function spanAttributeJsonOf(stored: string, exactAttributeJsonOf: (stored: string) => Json): Json {
  if (stored === '') return {};
  if (!valueStart.test(stored)) return { string_value: stored };
  if (wholeFloatLiteral.test(stored)) return exactAttributeJsonOf(stored);
  let decoded: unknown;
  try {
    decoded = JSON.parse(stored);
  } catch {
    // Not JSON as JavaScript reads it (plain text, or Python's NaN): the exact reader tells which.
    return exactAttributeJsonOf(stored);
  }
  return anyValueJsonOf(decoded, true) ?? exactAttributeJsonOf(stored);
}

/**
 * GetTrace's JSON of a stored span (as otelSpanJsonOf), or undefined where this quick reading could
 * differ from the exact one. `exactAttributeJsonOf`: one span attribute the exact way.
 */
export function fastOtelSpanJsonOf(content: string, exactAttributeJsonOf: (stored: string) => Json): Json | undefined {
  const head = contentHead.exec(content);
  if (!head) return undefined;
  let dict: unknown;
  try {
    dict = JSON.parse(content);
  } catch {
    // Python's NaN in an event attribute, say: the exact reader takes it.
    return undefined;
  }
  if (!isPlainObject(dict)) return undefined;
  const { attributes, events, links, status, name } = dict;
  if (typeof name !== 'string' || !isPlainObject(attributes) || !Array.isArray(events) || !isPlainObject(status)) return undefined;
  if (!Array.isArray(links) || links.length > 0) return undefined;
  const json: Json = {};
  json.trace_id = dict.trace_id;
  json.span_id = dict.span_id;
  if (dict.parent_span_id) json.parent_span_id = dict.parent_span_id;
  json.name = name;
  const start = BigInt(head[1] ?? '0');
  if (start) json.start_time_unix_nano = start.toString();
  const end = head[2] === 'null' || head[2] === undefined ? 0n : BigInt(head[2]);
  if (end) json.end_time_unix_nano = end.toString();
  const attributeKeys = Object.keys(attributes);
  if (attributeKeys.length > 0) {
    const values: { key: string; value: Json }[] = [];
    for (const key of attributeKeys) {
      const stored = attributes[key];
      if (typeof stored !== 'string' || integerLikeKey.test(key)) return undefined;
      values.push({ key, value: spanAttributeJsonOf(stored, exactAttributeJsonOf) });
    }
    json.attributes = values;
  }
  if (events.length > 0) {
    // The event times, exact, in order: only where each event has one and no other key of that name is in the content.
    const times = [...content.matchAll(eventTimeValue)].map((match) => match[1] ?? '0');
    if (times.length !== events.length || (content.match(eventTime)?.length ?? 0) !== events.length) return undefined;
    const eventsJson: Json[] = [];
    for (const [index, event] of events.entries()) {
      if (!isPlainObject(event)) return undefined;
      const eventJson: Json = {};
      const time = BigInt(times[index] ?? '0');
      if (time) eventJson.time_unix_nano = time.toString();
      if (typeof event.name !== 'string') return undefined;
      if (event.name) eventJson.name = event.name;
      if (!isPlainObject(event.attributes)) return undefined;
      const eventAttributes = keyValuesJsonOf(event.attributes, false);
      if (eventAttributes === undefined) return undefined;
      if (eventAttributes.length > 0) eventJson.attributes = eventAttributes;
      eventsJson.push(eventJson);
    }
    json.events = eventsJson;
  }
  const statusJson: Json = {};
  const { message, code } = status;
  if (typeof message === 'string' && message !== '') statusJson.message = message;
  if (typeof code === 'string' && code !== 'STATUS_CODE_UNSET') statusJson.code = code;
  json.status = statusJson;
  return json;
}
