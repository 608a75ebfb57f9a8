/**
 * MLflow's search filter language: `<identifier> <comparator> <value>` comparisons joined by AND
 * (the reference is SearchUtils in mlflow/utils/search_utils.py). One hand-written scanner and
 * parser serves every search (runs, experiments, registered models, model versions); each search
 * passes a grammar naming the entity prefixes, attribute keys and comparators it accepts, so the
 * per-search files are configuration only.
 *
 * Lexing depends on the side of the comparator: `tags.1abc` is a key, `1.5` a number, `"a b"` a
 * key on the left and a string on the right. So the "tokenizer" is a cursor with one reader per
 * position (identifier, comparator, value) rather than a context-free token stream.
 */
import { isTrellisError } from '../errors.js';
import { mlflowError } from './mlflow-error.js';

export type FilterEntity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';
export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

/** One parsed comparison. Keys are canonical (aliases resolved), strings unquoted, numbers parsed. */
export interface Comparison {
  type: FilterEntity;
  key: string;
  comparator: Comparator;
  value: number | string | string[];
}

export const numericComparators: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
export const stringComparators: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
export const listComparators: readonly Comparator[] = ['IN', 'NOT IN'];

/** How an attribute's value is written: strings quoted, numbers bare; integers refuse fractions. */
export type AttributeKind = 'string' | 'number' | 'integer';

export interface AttributeSpec {
  kind: AttributeKind;
  /** The comparators this attribute accepts; IN / NOT IN here is what allows a list value. */
  comparators: readonly Comparator[];
  /** Also accept a quoted integer ('3'), as MLflow does for model versions' version_number. */
  acceptsQuotedNumber?: boolean;
}

/** What an identifier (`metrics.rmse`, `tags."a b"`, `start_time`) may name. */
export interface IdentifierRules {
  /** Accepted prefixes before the first dot, each mapped to its entity: `{ metrics: 'metric' }`. */
  entityPrefixes: Readonly<Record<string, FilterEntity>>;
  /** Canonical attribute keys. An identifier without a prefix names an attribute. */
  attributeKeys: readonly string[];
  /** Other spellings of attribute keys, mapped to the canonical key: `{ created: 'start_time' }`. */
  attributeAliases?: Readonly<Record<string, string>>;
  /** The keys a dataset identifier may name (`dataset.name`). */
  datasetKeys?: readonly string[];
}

/** A search's filter language: which identifiers it knows and how each may be compared. */
export interface FilterGrammar {
  entityPrefixes: Readonly<Record<string, FilterEntity>>;
  attributes: Readonly<Record<string, AttributeSpec>>;
  attributeAliases?: Readonly<Record<string, string>>;
  datasetKeys?: readonly string[];
  /** Comparators for every entity other than attributes; metrics compare numbers, the rest strings. */
  comparators: Readonly<Partial<Record<Exclude<FilterEntity, 'attribute'>, readonly Comparator[]>>>;
}

/** An identifier as written: `prefix` is what came before the first dot, if any; quotes removed. */
export interface RawIdentifier {
  prefix?: string;
  key: string;
  /** The identifier's source text, for messages. */
  text: string;
}

/** A value as written, before a search decides what it may be. */
export type RawValue =
  | { kind: 'string'; value: string; text: string }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'list'; items: string[]; text: string }
  | { kind: 'word'; text: string };

/**
 * Parses a filter string into comparisons that all must hold (AND). Empty or blank → [].
 * Throws INVALID_PARAMETER_VALUE naming what is wrong, where, and how to write it instead.
 */
export function parseSearchFilter(filter: string | undefined, grammar: FilterGrammar): Comparison[] {
  if (filter === undefined || filter.trim() === '') return [];
  if (filter.length > filterLimits.characters) {
    throw invalid(
      `The filter is ${filter.length.toLocaleString('en-US')} characters long; a search filter may be at most ${filterLimits.characters.toLocaleString('en-US')} characters. Split the search into several smaller ones.`,
    );
  }
  const cursor = new SearchCursor(filter);
  const comparisons: Comparison[] = [];
  let listValues = 0;
  cursor.skipWhitespace();
  // MLflow's own client puts one AND in front ("AND a = 1"); it reads as the comparison alone.
  if (cursor.takeKeyword('and')) cursor.skipWhitespace();
  for (;;) {
    if (cursor.atEnd)
      throw invalid(
        `The filter ${comparisons.length === 0 ? 'has no comparison' : 'ends with AND'} ${cursor.where()}; follow every AND with a comparison, e.g. metrics.a > 1 AND params.b = 'x'`,
      );
    if (cursor.isAtKeyword('and'))
      throw invalid(`Expected a comparison after AND ${cursor.where()}, found another AND; write one AND between two comparisons`);
    const comparison = readComparison(cursor, grammar);
    comparisons.push(comparison);
    if (comparisons.length > filterLimits.comparisons) {
      throw invalid(
        `The filter has more than ${filterLimits.comparisons} comparisons (the ${comparisons.length}th ends ${cursor.where()}); a search filter may join at most ${filterLimits.comparisons} comparisons with AND. Split the search into several smaller ones.`,
      );
    }
    if (Array.isArray(comparison.value)) listValues += comparison.value.length;
    if (listValues > filterLimits.listValues) {
      throw invalid(
        `The filter's IN / NOT IN lists hold ${listValues.toLocaleString('en-US')} values by ${cursor.where()}; a search filter may list at most ${filterLimits.listValues.toLocaleString('en-US')} values in all. Split the list across several searches.`,
      );
    }
    cursor.skipWhitespace();
    if (cursor.atEnd) break;
    if (!cursor.takeKeyword('and')) throw unexpectedAfterComparison(cursor);
    cursor.skipWhitespace();
  }
  return comparisons;
}

/**
 * The size of a filter any search accepts. MLflow has no such limit and its databases fail past
 * theirs (SQLite: "too many SQL variables", "Expression tree is too large"), answering 500.
 */
export const filterLimits = { characters: 1_000_000, comparisons: 100, listValues: 10_000 };

/** A position in the text being parsed, with the small reads every reader shares. */
export class SearchCursor {
  position = 0;

  constructor(readonly text: string) {}

  get atEnd(): boolean {
    return this.position >= this.text.length;
  }

  /** The character at the cursor, or '' at the end. */
  get char(): string {
    return this.text[this.position] ?? '';
  }

  skipWhitespace(): void {
    while (!this.atEnd && /\s/u.test(this.char)) this.position++;
  }

  /** Whether `word` (any case) stands here as a whole word. */
  isAtKeyword(word: string): boolean {
    const candidate = this.text.slice(this.position, this.position + word.length);
    return candidate.toLowerCase() === word && !isWordChar(this.text[this.position + word.length] ?? '');
  }

  /** Consumes `word` (any case) if it stands here as a whole word. */
  takeKeyword(word: string): boolean {
    if (!this.isAtKeyword(word)) return false;
    this.position += word.length;
    return true;
  }

  /** Consumes and returns what a sticky regex matches here, if anything. */
  take(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.position;
    const match = pattern.exec(this.text);
    if (match === null) return undefined;
    this.position += match[0].length;
    return match[0];
  }

  /** "at character N" (1-based), for messages. */
  where(position = this.position): string {
    return `at character ${position + 1}`;
  }

  /** What stands at the cursor, quoted and shortened, for messages. */
  describeHere(): string {
    if (this.atEnd) return 'the end of the text';
    const rest = this.text.slice(this.position);
    return `'${rest.length > 40 ? `${rest.slice(0, 40)}…` : rest}'`;
  }
}

/** Reads an identifier: `start_time`, `` `Run name` ``, `metrics.rmse`, `tags.mlflow.runName`, ``params.`a b` ``, `tags."a.b"`. */
export function readIdentifier(cursor: SearchCursor): RawIdentifier {
  const start = cursor.position;
  const first = readIdentifierPart(cursor, false);
  if (first === undefined) {
    throw invalid(
      `Expected a key such as metrics.rmse, params.\`my param\` or an attribute name ${cursor.where()}, found ${cursor.describeHere()}`,
    );
  }
  let identifier: RawIdentifier;
  if (cursor.char === '.') {
    cursor.position++;
    const key = readIdentifierPart(cursor, true);
    if (key === undefined) {
      throw invalid(
        `Expected a key after '${cursor.text.slice(start, cursor.position)}' ${cursor.where()}; put keys with special characters in backticks, e.g. ${first}.\`my-key\``,
      );
    }
    identifier = { prefix: first, key, text: cursor.text.slice(start, cursor.position) };
  } else {
    identifier = { key: first, text: cursor.text.slice(start, cursor.position) };
  }
  // A key ends at whitespace or an operator; anything else is most likely an unquoted special character (tags.my-key).
  if (!cursor.atEnd && !/[\s=!<>]/u.test(cursor.char)) {
    if (/[(),;'"`]/u.test(cursor.char)) throw invalid(`Unexpected '${cursor.char}' after '${identifier.text}' ${cursor.where()}`);
    const tail = cursor.text.slice(cursor.position).match(/^[^\s=!<>(),;'"`]*/u)?.[0] ?? '';
    const quoted = `\`${identifier.key}${tail}\``;
    throw invalid(
      `Unexpected '${cursor.char}' in key '${identifier.text}${tail}' ${cursor.where()}. Keys with characters other than letters, digits, '_' and '.' ` +
        `must be quoted with backticks, e.g. ${identifier.prefix === undefined ? quoted : `${identifier.prefix}.${quoted}`}`,
    );
  }
  return identifier;
}

/** Resolves an identifier's entity and canonical key against a search's rules. */
export function resolveIdentifier(identifier: RawIdentifier, rules: IdentifierRules): { type: FilterEntity; key: string } {
  let type: FilterEntity = 'attribute';
  if (identifier.prefix !== undefined) {
    const entity = own(rules.entityPrefixes, identifier.prefix);
    if (entity === undefined) {
      throw invalid(
        `Invalid entity type '${identifier.prefix}' in '${identifier.text}'. Valid entity types are ${quoteList(Object.keys(rules.entityPrefixes))}`,
      );
    }
    type = entity;
  }
  if (identifier.key === '') throw invalid(`Empty key in '${identifier.text}'; name the ${type} to compare between the quotes`);
  if (type === 'attribute') {
    const key = own(rules.attributeAliases ?? {}, identifier.key) ?? identifier.key;
    if (!rules.attributeKeys.includes(key)) throw invalid(unknownAttributeMessage(identifier, rules));
    return { type, key };
  }
  if (type === 'dataset' && !(rules.datasetKeys ?? []).includes(identifier.key)) {
    throw invalid(`Invalid dataset key '${identifier.key}' specified. Valid keys are ${quoteList(rules.datasetKeys ?? [])}`);
  }
  return { type, key: identifier.key };
}

function readComparison(cursor: SearchCursor, grammar: FilterGrammar): Comparison {
  const start = cursor.position;
  if (cursor.char === '(') {
    throw invalid(
      `Invalid clause(s) in filter string: '(' ${cursor.where()}. Parentheses are only allowed around IN lists; write comparisons one after another, joined by AND`,
    );
  }
  if (cursor.isAtKeyword('or')) throw orRefused(cursor);
  if (cursor.isAtKeyword('not')) throw invalid(`NOT ${cursor.where()} is not supported; negate the comparison instead, with != or NOT IN`);
  const identifier = readIdentifier(cursor);
  const { type, key } = resolveIdentifier(identifier, identifierRules(grammar));
  cursor.skipWhitespace();
  const comparator = readComparator(cursor, identifier);
  const allowed = type === 'attribute' ? grammar.attributes[key]!.comparators : (grammar.comparators[type] ?? []);
  if (!allowed.includes(comparator)) throw invalidComparator(grammar, type, key, comparator, allowed);
  cursor.skipWhitespace();
  const raw = readValue(cursor, `${identifier.text} ${comparator}`);
  const clause = cursor.text.slice(start, cursor.position);
  return { type, key, comparator, value: checkValue(grammar, type, key, comparator, raw, identifier, clause) };
}

function readComparator(cursor: SearchCursor, identifier: RawIdentifier): Comparator {
  const at = cursor.where();
  const symbol = cursor.take(/==|<>|!=|>=|<=|=|>|</y);
  if (symbol === '==') throw invalid(`Invalid comparator '==' ${at}; use '=' to test equality`);
  if (symbol === '<>') throw invalid(`Invalid comparator '<>' ${at}; use '!=' to test inequality`);
  if (symbol !== undefined) return symbol as Comparator;
  if (cursor.takeKeyword('like')) return 'LIKE';
  if (cursor.takeKeyword('ilike')) return 'ILIKE';
  if (cursor.takeKeyword('in')) return 'IN';
  if (cursor.takeKeyword('not')) {
    cursor.skipWhitespace();
    if (cursor.takeKeyword('in')) return 'NOT IN';
    throw invalid(
      `Expected IN after NOT ${cursor.where()}, found ${cursor.describeHere()}; the only comparator starting with NOT is NOT IN`,
    );
  }
  if (cursor.isAtKeyword('is')) {
    throw invalid(
      `IS NULL / IS NOT NULL ${at} is not supported by this server; to find entities that have a tag or param at all, use LIKE '%'`,
    );
  }
  const found = cursor.atEnd ? 'the end of the filter' : cursor.describeHere();
  throw invalid(
    `Invalid comparison clause: expected a comparator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN) after '${identifier.text}' ${at}, found ${found}`,
  );
}

/**
 * Reads the value after a comparator: a quoted string, a number, a parenthesised list of quoted
 * strings, or a bare word (which each search refuses in its own words). `left` names the clause so far, for messages.
 */
export function readValue(cursor: SearchCursor, left: string): RawValue {
  const start = cursor.position;
  const char = cursor.char;
  if (char === '(') {
    const items = readList(cursor);
    return { kind: 'list', items, text: cursor.text.slice(start, cursor.position) };
  }
  if (char === "'" || char === '"') {
    const value = readQuoted(cursor);
    return { kind: 'string', value, text: cursor.text.slice(start, cursor.position) };
  }
  if (char === '`') {
    readQuoted(cursor);
    return { kind: 'word', text: cursor.text.slice(start, cursor.position) };
  }
  const number = cursor.take(/[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?![\p{L}\p{N}_.])/uy);
  if (number !== undefined) return { kind: 'number', value: Number(number), text: number };
  const word = cursor.take(/[^\s()'"`,;]+/y);
  if (word !== undefined && word.toLowerCase() !== 'and') return { kind: 'word', text: word };
  cursor.position = start;
  throw invalid(`Missing value after '${left}' ${cursor.where()}: compare with a quoted string ('my-value') or a number`);
}

/** Reads `('a', "b")`: quoted strings only, a trailing comma allowed, at least one item. */
function readList(cursor: SearchCursor): string[] {
  const open = cursor.position;
  cursor.position++;
  const items: string[] = [];
  for (;;) {
    cursor.skipWhitespace();
    if (cursor.atEnd) throw invalid(`The list opened ${cursor.where(open)} is never closed; end it with ')', e.g. ('a', 'b')`);
    if (cursor.char === ')') {
      cursor.position++;
      break;
    }
    if (cursor.char !== "'" && cursor.char !== '"') {
      const at = cursor.where();
      const found = cursor.take(/[^\s,)]+/y) ?? cursor.char;
      throw invalid(
        `While parsing a list in the query, expected a quoted string value but got ${found} ${at}; quote every item, e.g. ('a', 'b')`,
      );
    }
    items.push(readQuoted(cursor));
    cursor.skipWhitespace();
    const separator: string = cursor.char;
    if (separator === ',') cursor.position++;
    else if (separator !== ')' && separator !== '')
      throw invalid(`Expected ',' or ')' in the list ${cursor.where()}, found ${cursor.describeHere()}`);
  }
  if (items.length === 0)
    throw invalid(
      `While parsing a list in the query, expected a non-empty list of string values, but got an empty list ${cursor.where(open)}`,
    );
  return items;
}

/**
 * Reads a string in ', " or ` quotes and returns what is between them, verbatim. As in MLflow, a
 * doubled quote or a backslash-escaped one does not end the string but is kept as written.
 */
function readQuoted(cursor: SearchCursor): string {
  const open = cursor.position;
  const quote = cursor.char;
  let index = open + 1;
  for (;;) {
    const char = cursor.text[index];
    if (char === undefined) throw unterminated(cursor, open, quote);
    if (char === '\\' && cursor.text[index + 1] === quote) index += 2;
    else if (char === quote && cursor.text[index + 1] === quote) index += 2;
    else if (char === quote) break;
    else index++;
  }
  cursor.position = index + 1;
  return cursor.text.slice(open + 1, index);
}

function unterminated(cursor: SearchCursor, open: number, quote: string): Error {
  const name = quote === "'" ? 'single quote' : quote === '"' ? 'double quote' : 'backtick';
  const advice =
    quote === '`' ? '' : `; to put a ${name} inside a value, quote the value with ${quote === "'" ? 'double' : 'single'} quotes instead`;
  return invalid(
    `Unterminated string: the ${name} (${quote}) opened ${cursor.where(open)} is never closed. Close it with another ${name}${advice}`,
  );
}

function readIdentifierPart(cursor: SearchCursor, isKey: boolean): string | undefined {
  const char = cursor.char;
  // The prefix may be backticked or double-quoted; the key may also be single-quoted (MLflow accepts metrics.'a b').
  if (char === '`' || char === '"' || (isKey && char === "'")) return readQuoted(cursor);
  return cursor.take(isKey ? /[\p{L}\p{N}_]+(?:\.[\p{L}\p{N}_]+)*/uy : /[\p{L}\p{N}_]+/uy);
}

function checkValue(
  grammar: FilterGrammar,
  type: FilterEntity,
  key: string,
  comparator: Comparator,
  raw: RawValue,
  identifier: RawIdentifier,
  clause: string,
): number | string | string[] {
  const isList = comparator === 'IN' || comparator === 'NOT IN';
  if (isList && raw.kind !== 'list') {
    throw invalid(
      `${comparator} expects a parenthesised list of quoted strings, e.g. ${identifier.text} ${comparator} ('a', 'b'); found ${raw.text} in '${clause}'`,
    );
  }
  if (raw.kind === 'list') {
    if (!isList)
      throw invalid(`A list of values can only be compared with IN or NOT IN, e.g. ${identifier.text} IN ${raw.text}; found '${clause}'`);
    return raw.items;
  }
  const spec = type === 'attribute' ? grammar.attributes[key]! : undefined;
  const isNumeric = type === 'metric' || (spec !== undefined && spec.kind !== 'string');
  if (isNumeric) return checkNumber(type, key, spec, raw, identifier, comparator);
  if (raw.kind === 'string') return raw.value;
  const subject = `${type} '${key}'`;
  if (raw.kind === 'number')
    throw invalid(
      `Expected a quoted string value for ${subject} (e.g. 'my-value'). Got value ${raw.text}; write ${identifier.text} ${comparator} '${raw.text}'`,
    );
  const bare = raw.text.replace(/^`|`$/gu, '');
  throw invalid(
    `Value ${raw.text} for ${subject} is either not quoted or uses an unidentified quote type. Use either single or double quotes, ` +
      `e.g. ${identifier.text} ${comparator} '${bare}'`,
  );
}

function checkNumber(
  type: FilterEntity,
  key: string,
  spec: AttributeSpec | undefined,
  raw: RawValue,
  identifier: RawIdentifier,
  comparator: Comparator,
): number {
  let value: number | undefined;
  if (raw.kind === 'number') value = raw.value;
  else if (raw.kind === 'string' && spec?.acceptsQuotedNumber === true && /^[+-]?\d+$/u.test(raw.value.trim())) value = Number(raw.value);
  if (value === undefined) {
    const what = type === 'metric' ? 'metric' : `numeric attribute: ${key}`;
    const example = raw.kind === 'string' && /^\s*[+-]?[\d.]/u.test(raw.value) ? raw.value.trim() : '0.5';
    throw invalid(
      `Expected numeric value type for ${what}. Found ${raw.text}; write the number without quotes, e.g. ${identifier.text} ${comparator} ${example}`,
    );
  }
  if (spec?.kind === 'integer' && !Number.isInteger(value)) {
    throw invalid(
      `Invalid value for numeric attribute '${key}': ${raw.text}; it takes a whole number, e.g. ${identifier.text} ${comparator} ${Math.trunc(value)}`,
    );
  }
  return value;
}

function invalidComparator(
  grammar: FilterGrammar,
  type: FilterEntity,
  key: string,
  comparator: Comparator,
  allowed: readonly Comparator[],
): Error {
  const subject = `${type} '${key}'`;
  if (type === 'attribute' && (comparator === 'IN' || comparator === 'NOT IN')) {
    const listKeys = Object.entries(grammar.attributes)
      .filter(([, spec]) => spec.comparators.includes(comparator))
      .map(([name]) => name);
    if (listKeys.length > 0) {
      return invalid(
        `Only ${quoteList(listKeys)} attributes support comparison with a list of quoted string values; ${subject} accepts ${allowed.join(', ')}`,
      );
    }
  }
  return invalid(`Invalid comparator '${comparator}' for ${subject}: not one of ${allowed.join(', ')}`);
}

function unexpectedAfterComparison(cursor: SearchCursor): Error {
  if (cursor.isAtKeyword('or')) return orRefused(cursor);
  if (cursor.char === ';') {
    return invalid(
      `Search filter contained multiple expressions (';' ${cursor.where()}). Provide AND-ed expression list, e.g. metrics.a > 1 AND params.b = 'x'`,
    );
  }
  return invalid(
    `Invalid clause(s) in filter string: ${cursor.describeHere()} ${cursor.where()}. Join comparisons with AND, e.g. metrics.a > 1 AND params.b = 'x'`,
  );
}

function orRefused(cursor: SearchCursor): Error {
  return invalid(
    `Invalid clause(s) in filter string: 'OR' ${cursor.where()}. Only AND is supported between comparisons; run one search per alternative, or use IN where the key supports a list`,
  );
}

function unknownAttributeMessage(identifier: RawIdentifier, rules: IdentifierRules): string {
  const message = `Invalid attribute key '${identifier.key}' specified. Valid keys are ${quoteList(rules.attributeKeys)}`;
  if (identifier.prefix !== undefined) return message;
  // `metrics.a b` quoted whole: the prefix went inside the quotes.
  const dot = identifier.key.indexOf('.');
  if (dot > 0 && own(rules.entityPrefixes, identifier.key.slice(0, dot)) !== undefined) {
    return `${message}. Quote only the key after the prefix, e.g. ${identifier.key.slice(0, dot)}.\`${identifier.key.slice(dot + 1)}\``;
  }
  const key = /^[\p{L}\p{N}_.]+$/u.test(identifier.key) ? identifier.key : `\`${identifier.key}\``;
  const examples = ['metrics', 'params', 'tags']
    .filter((prefix) => (own(rules.entityPrefixes, prefix) ?? 'attribute') !== 'attribute')
    .map((prefix) => `${prefix}.${key}`);
  if (examples.length === 0) return message;
  return `${message}. A key without a prefix names an attribute; anything else needs its prefix, e.g. ${examples.join(' or ')}`;
}

function identifierRules(grammar: FilterGrammar): IdentifierRules {
  return {
    entityPrefixes: grammar.entityPrefixes,
    attributeKeys: Object.keys(grammar.attributes),
    ...(grammar.attributeAliases === undefined ? {} : { attributeAliases: grammar.attributeAliases }),
    ...(grammar.datasetKeys === undefined ? {} : { datasetKeys: grammar.datasetKeys }),
  };
}

function isWordChar(char: string): boolean {
  return /[\p{L}\p{N}_]/u.test(char);
}

/** A record lookup that ignores inherited keys, so `constructor.x` is not mistaken for a prefix. */
function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function quoteList(items: readonly string[]): string {
  return items.map((item) => `'${item}'`).join(', ');
}

/** INVALID_PARAMETER_VALUE with a message, the only error the parsers throw. */
export function invalid(message: string) {
  return mlflowError('INVALID_PARAMETER_VALUE', message);
}

/** Re-throws a parse error with the clause it came from in front of its message. */
export function withClause(clause: string, what: string, error: unknown): unknown {
  return isTrellisError(error) ? invalid(`Invalid ${what} '${clause}': ${error.message}`) : error;
}
