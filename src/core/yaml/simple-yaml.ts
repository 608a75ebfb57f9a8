import type { FieldPath } from './field-path.js';

/**
 * A reader for the plain subset of YAML most Azure ML files are written in: block mappings and
 * sequences by indentation, `- key: value` items, plain, single- and double-quoted scalars without
 * escapes, one-line flow collections (`{goal: maximize, primary_metric: accuracy}`), comments. It
 * gives what the `yaml` package gives for the same text (values by the YAML 1.2 core schema with
 * PyYAML's yes/no/on/off, the position of each key and item, each scalar's source) in a fraction of
 * the time, and gives up (undefined) on anything else — anchors, tags, block scalars, multi-line
 * scalars, documents markers, tabs, non-ASCII text, duplicate or unusual keys, whatever is not
 * certainly valid — so that parseYaml reads it with the full parser, and its errors, instead.
 */

/** What the reader keeps of each node: its position, and the source of a scalar. */
export type SimpleNode =
  | { kind: 'map'; line: number; column: number; entries: Map<string, SimpleEntry> }
  | { kind: 'seq'; line: number; column: number; items: SimpleNode[] }
  | { kind: 'scalar'; line: number; column: number; source: string };

/** A mapping entry: where its key is written, and its value. */
export interface SimpleEntry {
  line: number;
  column: number;
  value: SimpleNode;
}

export interface SimpleYaml {
  value: Record<string, unknown>;
  root: SimpleNode;
}

/** Thrown inside the reader when the text is outside its subset; never escapes it. */
class OutsideSubset extends Error {}

const outside = (): never => {
  throw new OutsideSubset();
};

/** Only printable ASCII and line feeds: no tabs, carriage returns, byte-order marks or other scripts. */
const outsideCharacters = /[^\x20-\x7e\n]/;
/** Keys that would not read as their text (booleans, null): the full parser. */
const reservedWord = /^(?:~|[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/;

// The reader runs on every file of a check (ten thousand in a CI run), so its hot paths scan character codes
// instead of matching patterns: each function below says which pattern it stands for.

/** Whether a character may start a key the reader takes as written: [A-Za-z_$]. */
function isKeyStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code === 36;
}

/** Whether a character may follow in such a key: [\w.$-]. */
function isKeyPart(code: number): boolean {
  return isKeyStart(code) || (code >= 48 && code <= 57) || code === 46 || code === 45;
}

/** The end of a key at `start` taken as written (`[A-Za-z_$][\w.$-]*`) followed by its colon: the colon's index, else -1. */
function keyColon(text: string, start: number): number {
  if (!isKeyStart(text.charCodeAt(start))) return -1;
  let position = start + 1;
  while (isKeyPart(text.charCodeAt(position))) position += 1;
  return text.charCodeAt(position) === 58 ? position : -1;
}

/**
 * A block key at the start of `content` (`/^([A-Za-z_$][\w.$-]*):(?: +|$)/`): the length of the key, its
 * colon and the spaces after it; -1 when the line does not start with one.
 */
function blockKeyLength(content: string): number {
  const colon = keyColon(content, 0);
  if (colon < 0) return -1;
  let position = colon + 1;
  if (position === content.length) return position;
  if (content.charCodeAt(position) !== 32) return -1;
  while (content.charCodeAt(position) === 32) position += 1;
  return position;
}

/** Whether a key would not read as its text (reservedWord); only keys starting with n, t, f, y or o can. */
function isReservedKey(key: string): boolean {
  const code = key.charCodeAt(0) | 32;
  return (code === 110 || code === 116 || code === 102 || code === 121 || code === 111) && reservedWord.test(key);
}

/** Reads `text`, or undefined when it is outside the subset (parseYaml then reads it with the full parser). */
export function readSimpleYaml(text: string): SimpleYaml | undefined {
  if (outsideCharacters.test(text)) return undefined;
  try {
    const reader = new BlockReader(text);
    return reader.document();
  } catch (error) {
    if (error instanceof OutsideSubset) return undefined;
    throw error;
  }
}

interface Line {
  /** 1-based. */
  number: number;
  indent: number;
  /** The line without its indentation. */
  content: string;
}

class BlockReader {
  private readonly lines: Line[] = [];
  private next = 0;

  constructor(text: string) {
    // Line by line without splitting the text: only the content of lines that hold something is sliced out.
    let number = 0;
    for (let start = 0; start <= text.length; ) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      number += 1;
      let position = start;
      while (text.charCodeAt(position) === 32) position += 1;
      const indent = position - start;
      // Blank lines and comments.
      if (position < end && text.charCodeAt(position) !== 35) {
        // Directives and document markers: the full parser.
        if (indent === 0 && (text.startsWith('---', position) || text.startsWith('...', position) || text.charCodeAt(position) === 37))
          outside();
        let contentEnd = end;
        while (text.charCodeAt(contentEnd - 1) === 32) contentEnd -= 1;
        this.lines.push({ number, indent, content: text.slice(position, contentEnd) });
      }
      start = end + 1;
    }
  }

  document(): SimpleYaml {
    const first = this.lines[0];
    if (first === undefined || first.indent !== 0) return outside();
    const { node, value } = this.mapping(0);
    if (this.next < this.lines.length) outside();
    if (node.kind !== 'map') return outside();
    return { value: value as Record<string, unknown>, root: node };
  }

  /** The block mapping whose keys are at `indent`, from the next line, which holds its first key at that indent. */
  private mapping(indent: number, firstContent?: { line: Line; content: string; column: number }): Read {
    const entries = new Map<string, SimpleEntry>();
    const value: Record<string, unknown> = {};
    let start: { line: number; column: number } | undefined;
    let pending = firstContent;
    for (;;) {
      let line: Line;
      let content: string;
      let column: number;
      if (pending) {
        ({ line, content, column } = pending);
        pending = undefined;
      } else {
        const candidate = this.lines[this.next];
        if (candidate === undefined || candidate.indent < indent) break;
        if (candidate.indent > indent) outside();
        line = candidate;
        content = candidate.content;
        column = candidate.indent + 1;
        this.next += 1;
      }
      const keyLength = blockKeyLength(content);
      if (keyLength < 0) return outside();
      const key = content.slice(0, content.indexOf(':'));
      if (isReservedKey(key) || key === '__proto__' || entries.has(key)) outside();
      start ??= { line: line.number, column };
      const read =
        keyLength === content.length ? this.nested(indent, line) : this.inline(content.slice(keyLength), line, column + keyLength, indent);
      entries.set(key, { line: line.number, column, value: read.node });
      value[key] = read.value;
    }
    if (!start) return outside();
    return { node: { kind: 'map', line: start.line, column: start.column, entries }, value };
  }

  /** The value of `key:` with nothing after it: a block below it (or a sequence at its indent), else null. */
  private nested(indent: number, keyLine: Line): Read {
    const below = this.lines[this.next];
    if (below !== undefined && below.indent > indent) {
      if (isItem(below.content)) return this.sequence(below.indent);
      return this.mapping(below.indent);
    }
    if (below !== undefined && below.indent === indent && isItem(below.content)) return this.sequence(indent);
    // An empty value: null, written as nothing right after the key's colon.
    return { node: { kind: 'scalar', line: keyLine.number, column: keyLine.indent + keyLine.content.length + 1, source: '' }, value: null };
  }

  /** The block sequence whose dashes are at `indent`. */
  private sequence(indent: number): Read {
    const items: SimpleNode[] = [];
    const value: unknown[] = [];
    let start: { line: number; column: number } | undefined;
    for (;;) {
      const line = this.lines[this.next];
      if (line === undefined || line.indent < indent) break;
      if (line.indent > indent || !isItem(line.content)) break;
      this.next += 1;
      start ??= { line: line.number, column: line.indent + 1 };
      let spaces = 1;
      while (line.content.charCodeAt(spaces) === 32) spaces += 1;
      const rest = line.content.slice(spaces);
      const column = line.indent + spaces + 1;
      // `-` alone, `- - x`, `- ? x`: the full parser.
      if (rest === '' || isItem(rest)) outside();
      const read =
        blockKeyLength(rest) >= 0 ? this.mapping(column - 1, { line, content: rest, column }) : this.inline(rest, line, column, indent);
      items.push(read.node);
      value.push(read.value);
      // A line indented below the item that is not part of it (a continued scalar): the full parser.
      const after = this.lines[this.next];
      if (after !== undefined && after.indent > indent && !(read.node.kind === 'map' && after.indent === column - 1)) outside();
    }
    if (!start) return outside();
    return { node: { kind: 'seq', line: start.line, column: start.column, items }, value };
  }

  /** A value written on the key's (or dash's) line, starting at 1-based `column`; `indent` is the key's (or dash's). */
  private inline(text: string, line: Line, column: number, indent: number): Read {
    const flow = new FlowReader(text, line.number, column);
    const read = flow.value(false);
    flow.end();
    // A scalar continued on a more indented line: the full parser.
    const after = this.lines[this.next];
    if (after !== undefined && after.indent > indent && read.node.kind === 'scalar') outside();
    return read;
  }
}

function isItem(content: string): boolean {
  return content === '-' || content.startsWith('- ');
}

interface Read {
  node: SimpleNode;
  value: unknown;
}

/** A value on one line: a scalar, or a flow mapping or sequence that closes on the same line. */
class FlowReader {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly line: number,
    /** 1-based column of text[0]. */
    private readonly column: number,
  ) {}

  /** `inFlow`: inside brackets, where `,`, `]` and `}` end a plain scalar. */
  value(inFlow: boolean): Read {
    this.skipSpace();
    // Nodes are written field by field, not spread: a spread in a literal is slow, and a file has dozens of nodes.
    const line = this.line;
    const column = this.column + this.position;
    const code = this.text.charCodeAt(this.position);
    if (code === 123) return this.flowMapping(line, column);
    if (code === 91) return this.flowSequence(line, column);
    if (code === 34 || code === 39) {
      const source = this.quoted(code);
      return { node: { kind: 'scalar', line, column, source }, value: source };
    }
    const source = this.plain(inFlow);
    return { node: { kind: 'scalar', line, column, source }, value: resolvePlain(source) };
  }

  /** Nothing but a comment after the value (the rest is blank, or matches `/^ +#/`). */
  end(): void {
    let position = this.position;
    while (this.text.charCodeAt(position) === 32) position += 1;
    if (position === this.text.length) return;
    if (position === this.position || this.text.charCodeAt(position) !== 35) outside();
  }

  private skipSpace(): void {
    while (this.text.charCodeAt(this.position) === 32) this.position += 1;
  }

  private flowMapping(line: number, column: number): Read {
    this.position += 1;
    const entries = new Map<string, SimpleEntry>();
    const value: Record<string, unknown> = {};
    this.skipSpace();
    if (this.text.charCodeAt(this.position) === 125) {
      this.position += 1;
      return { node: { kind: 'map', line, column, entries }, value };
    }
    for (;;) {
      this.skipSpace();
      const keyColumn = this.column + this.position;
      // A key, its colon and at least one space: /^([A-Za-z_$][\w.$-]*): +/.
      const colon = keyColon(this.text, this.position);
      if (colon < 0 || this.text.charCodeAt(colon + 1) !== 32) return outside();
      const key = this.text.slice(this.position, colon);
      if (isReservedKey(key) || key === '__proto__' || entries.has(key)) outside();
      this.position = colon + 1;
      this.skipSpace();
      const read = this.value(true);
      entries.set(key, { line: this.line, column: keyColumn, value: read.node });
      value[key] = read.value;
      this.skipSpace();
      const separator = this.text.charCodeAt(this.position);
      this.position += 1;
      if (separator === 125) return { node: { kind: 'map', line, column, entries }, value };
      if (separator !== 44) outside();
      this.skipSpace();
      // A trailing comma: the full parser.
      if (this.text.charCodeAt(this.position) === 125) outside();
    }
  }

  private flowSequence(line: number, column: number): Read {
    this.position += 1;
    const items: SimpleNode[] = [];
    const value: unknown[] = [];
    this.skipSpace();
    if (this.text.charCodeAt(this.position) === 93) {
      this.position += 1;
      return { node: { kind: 'seq', line, column, items }, value };
    }
    for (;;) {
      const read = this.value(true);
      items.push(read.node);
      value.push(read.value);
      this.skipSpace();
      const separator = this.text.charCodeAt(this.position);
      this.position += 1;
      if (separator === 93) return { node: { kind: 'seq', line, column, items }, value };
      if (separator !== 44) outside();
      this.skipSpace();
      if (this.text.charCodeAt(this.position) === 93) outside();
    }
  }

  /** A quoted scalar without escapes (`''` in single quotes), closed on this line. */
  private quoted(quote: number): string {
    const start = this.position + 1;
    let position = start;
    for (;;) {
      const code = this.text.charCodeAt(position);
      if (Number.isNaN(code) || code === 92) return outside();
      if (code === quote) {
        // '' is a quote inside single quotes.
        if (quote === 39 && this.text.charCodeAt(position + 1) === 39) {
          position += 2;
          continue;
        }
        break;
      }
      position += 1;
    }
    const raw = this.text.slice(start, position);
    this.position = position + 1;
    // A quoted scalar is a key when a colon follows (/^ *:/): the full parser.
    let after = this.position;
    while (this.text.charCodeAt(after) === 32) after += 1;
    if (this.text.charCodeAt(after) === 58) outside();
    return quote === 39 && raw.includes("''") ? raw.replaceAll("''", "'") : raw;
  }

  /** A plain scalar: up to ` #`, or the end of the line (in a flow, up to `,`, `]` or `}`). */
  private plain(inFlow: boolean): string {
    const text = this.text;
    const first = text.charCodeAt(this.position);
    // Indicators that start something else (or an error): the full parser. `-` starts a scalar only when not followed by a space.
    if (Number.isNaN(first) || '?:,[]{}#&*!|>\'"%@`'.includes(text[this.position]!)) return outside();
    if (first === 45 && (text.charCodeAt(this.position + 1) === 32 || this.position + 1 === text.length)) return outside();
    const start = this.position;
    if (!inFlow) {
      // Outside brackets a plain scalar runs to ` #` or the end of the line, and a colon in it must not
      // make it a key (`: ` or a final `:`): found with indexOf, as the loop below would find them.
      const comment = text.indexOf(' #', start);
      const end = comment < 0 ? text.length : comment;
      for (let colon = text.indexOf(':', start); colon >= 0 && colon < end; colon = text.indexOf(':', colon + 1))
        if (colon + 1 === text.length || text.charCodeAt(colon + 1) === 32) return outside();
      this.position = end;
      const source = text.slice(start, end).trimEnd();
      if (source === '') return outside();
      return source;
    }
    let position = start;
    for (;;) {
      const code = text.charCodeAt(position);
      if (Number.isNaN(code)) break;
      if (code === 32 && text.charCodeAt(position + 1) === 35) break;
      if (inFlow && (code === 44 || code === 93 || code === 125)) break;
      // `: ` or a final `:` makes a key; in a flow, `[`, `{` or `:` before an indicator are errors or other forms.
      if (code === 58) {
        const following = text.charCodeAt(position + 1);
        if (Number.isNaN(following) || following === 32 || (inFlow && (following === 44 || following === 93 || following === 125)))
          return outside();
      }
      if (inFlow && (code === 91 || code === 123)) return outside();
      position += 1;
    }
    this.position = position;
    const source = text.slice(start, position).trimEnd();
    if (source === '') return outside();
    return source;
  }
}

/**
 * A plain scalar's value by the YAML 1.2 core schema, with PyYAML's yes/no/on/off booleans (as
 * parseYaml reads them). Numbers the reader cannot be sure to read alike (octal, hexadecimal,
 * exponents, infinities, leading zeros, beyond 2^53) are left to the full parser.
 */
function resolvePlain(source: string): unknown {
  const code = source.charCodeAt(0);
  // Only ~ and words of five letters at most starting with n, t, f, y or o can be null or a boolean.
  const lower = code | 32;
  if (source.length <= 5 && (code === 126 || lower === 110 || lower === 116 || lower === 102 || lower === 121 || lower === 111)) {
    if (/^(?:~|[Nn]ull|NULL)$/.test(source)) return null;
    if (/^(?:[Tt]rue|TRUE|yes|Yes|YES|on|On|ON)$/.test(source)) return true;
    if (/^(?:[Ff]alse|FALSE|no|No|NO|off|Off|OFF)$/.test(source)) return false;
  }
  // Only text that starts with a digit, a sign or a dot can be a number.
  if (!((code >= 48 && code <= 57) || code === 43 || code === 45 || code === 46)) return source;
  // The commonest number, a whole one of up to 15 digits without a sign or a leading zero, as the patterns below read it.
  if (source.length <= 15 && (code !== 48 || source.length === 1) && isDigits(source)) return Number(source);
  const isCoreNumber =
    /^0o[0-7]+$/.test(source) ||
    /^[-+]?[0-9]+$/.test(source) ||
    /^0x[0-9a-fA-F]+$/.test(source) ||
    /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(source) ||
    /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(source) ||
    /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(source);
  if (!isCoreNumber) return source;
  if (/^-0(?:\.0*)?$/.test(source)) return outside();
  if (/^-?(?:0|[1-9][0-9]{0,14})$/.test(source)) return Number(source);
  if (/^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/.test(source)) return Number.parseFloat(source);
  return outside();
}

function isDigits(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/** The node at `path`, or its nearest existing parent, as parseYaml's locate finds it. */
export function findSimpleNode(root: SimpleNode, path: FieldPath): { node: SimpleNode; line: number; column: number; depth: number } {
  let node = root;
  let line = root.line;
  let column = root.column;
  let depth = 0;
  for (const segment of path) {
    if (node.kind === 'map') {
      const entry = node.entries.get(String(segment));
      if (!entry) break;
      node = entry.value;
      line = entry.line;
      column = entry.column;
    } else if (node.kind === 'seq' && typeof segment === 'number') {
      const item = node.items[segment];
      if (!item) break;
      node = item;
      line = item.line;
      column = item.column;
    } else break;
    depth += 1;
  }
  return { node, line, column, depth };
}
