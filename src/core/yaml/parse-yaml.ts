import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import { invalidInput, type Problem } from '../errors.js';
import type { FieldPath } from './field-path.js';
import { findSimpleNode, readSimpleYaml, type SimpleYaml } from './simple-yaml.js';

export interface SourcePosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface ParsedYaml {
  /** The top-level mapping as plain JS values. */
  value: Record<string, unknown>;
  /**
   * Where the field at `path` is written: the key for a mapping entry, the item for a list
   * entry. A path that does not exist in the file falls back to its nearest existing parent.
   */
  locate(path: FieldPath): SourcePosition;
  /** The text of the scalar at `path` as written (`1.10` stays `1.10`), or undefined if it is not a scalar. */
  sourceText(path: FieldPath): string | undefined;
}

/**
 * Azure ML reads YAML with PyYAML (YAML 1.1), where yes/no/on/off are booleans. We keep the
 * YAML 1.2 core schema otherwise: the `yaml` package's 1.1 schema also reads y/n as booleans,
 * which PyYAML does not, and that would turn a key like `y:` into `true:`.
 */
const pyYamlBooleans = {
  tag: 'tag:yaml.org,2002:bool',
  default: true,
  test: /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/,
  resolve: (text: string) => /^(?:yes|on)$/i.test(text),
};

/**
 * Parses the text of one YAML file whose top level is a mapping. Throws InvalidInput (422)
 * naming `fileName` and listing every syntax error with its line: bad syntax, duplicate
 * keys, more than one document, an empty file or a top level that is not a mapping.
 */
export function parseYaml(text: string, fileName: string): ParsedYaml {
  // Most files are plain YAML, read several times faster by the simple reader; anything else (and every error) by the full parser.
  const simple = readSimpleYaml(text);
  if (simple) return simpleParsed(simple);
  const lineCounter = new LineCounter();
  // merge: PyYAML honours `<<: *anchor`, so Azure ML files may use it.
  const documents = parseAllDocuments(text, {
    lineCounter,
    merge: true,
    prettyErrors: false,
    customTags: (tags) => [...tags, pyYamlBooleans],
  });
  const positionOf = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problemAt = (offset: number, message: string): Problem => ({ path: '', message, ...positionOf(offset) });

  // parseAllDocuments returns an empty list for an empty stream.
  const list = Array.isArray(documents) ? documents : [];
  const problems: Problem[] = [];
  for (const document of list) {
    for (const error of [...document.errors, ...document.warnings]) {
      problems.push(problemAt(error.pos[0], describeYamlError(error.code, error.message, text.slice(error.pos[0]))));
    }
  }
  const first = list[0];
  const second = list[1];
  if (second) {
    problems.push(
      problemAt(second.range[0], 'the file holds more than one YAML document (separated by ---); put one resource in each file'),
    );
  }
  if (!first || first.contents === null) {
    problems.push({ path: '', message: 'the file is empty; write the resource as a mapping, e.g. name: my-resource', line: 1, column: 1 });
  } else if (!isMap(first.contents) && problems.length === 0) {
    problems.push(
      problemAt(first.contents.range[0], `the top level must be a mapping of fields (name: ..., ...), not ${describeNode(first.contents)}`),
    );
  }
  if (problems.length > 0 || !first) throw invalidInput(fileName, problems);

  let value: unknown;
  try {
    value = first.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // toJS refuses alias bombs (too many alias expansions); report it like a syntax error.
    throw invalidInput(fileName, [problemAt(0, `the YAML cannot be expanded: ${(error as Error).message}`)]);
  }
  return {
    value: value as Record<string, unknown>,
    locate: (path) => positionOf(findNode(first, path).offset),
    sourceText: (path) => {
      const found = findNode(first, path);
      if (found.depth !== path.length || !isScalar(found.node)) return undefined;
      const source = (found.node as { source?: unknown }).source;
      return typeof source === 'string' ? source : String(found.node.value);
    },
  };
}

function simpleParsed({ value, root }: SimpleYaml): ParsedYaml {
  return {
    value,
    locate: (path) => {
      const { line, column } = findSimpleNode(root, path);
      return { line, column };
    },
    sourceText: (path) => {
      const found = findSimpleNode(root, path);
      return found.depth === path.length && found.node.kind === 'scalar' ? found.node.source : undefined;
    },
  };
}

interface FoundNode {
  node: unknown;
  /** Offset of the deepest path segment found (its key, for a mapping entry). */
  offset: number;
  /** How many path segments were found. */
  depth: number;
}

function findNode(document: Document, path: FieldPath): FoundNode {
  let node: unknown = document.contents;
  let offset = (document.contents as Node | null)?.range?.[0] ?? 0;
  let depth = 0;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(document);
    let next: { node: unknown; offset: number } | undefined;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      const keyOffset = (pair?.key as Node | undefined)?.range?.[0];
      if (pair && keyOffset !== undefined) next = { node: pair.value, offset: keyOffset };
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (item?.range) next = { node: item, offset: item.range[0] };
    }
    if (!next) break;
    node = next.node;
    offset = next.offset;
    depth += 1;
  }
  return { node, offset, depth };
}

/** `rest` is the source text from the error's position on. */
function describeYamlError(code: string, message: string, rest: string): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^\s*("[^"\n]*"|'[^'\n]*'|[^:#\n]*?)\s*:/.exec(rest)?.[1]?.replace(/^["']|["']$/g, '') ?? '';
    return `duplicate key '${key}': each key may appear only once in a mapping`;
  }
  return `YAML syntax: ${message.split('\n')[0]}`;
}

function describeNode(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return `the ${typeof node.value === 'string' ? 'string' : 'value'} '${String(node.value)}'`;
  return 'this value';
}
