import type { FieldPath } from '../yaml/field-path.js';

/** A JSON value's position: the line of its key (or of the item, in a list) and what it holds. */
interface Located {
  line: number;
  members?: Map<string, Located>;
  items?: Located[];
}

/**
 * The line each JSON path of a text is written on, for a text JSON.parse has read: the key's line
 * for an object member, the item's for a list entry; a path the text lacks falls back to its nearest
 * existing parent, as parseYaml's locate does. Undefined for every path when an object repeats a key
 * (reading JSON as YAML refuses those, and such a template keeps no lines). Scans the text once, without
 * the YAML reader's documents and nodes, so the lines of a template cost little more than JSON.parse.
 */
export function jsonLineLocator(text: string): (path: FieldPath) => number | undefined {
  const scanner = new JsonScanner(text);
  let root: Located | undefined;
  try {
    root = scanner.value(scanner.skipSpace());
  } catch (error) {
    if (!(error instanceof RepeatedKey)) throw error;
    return () => undefined;
  }
  return (path) => {
    let node = root;
    for (const segment of path) {
      const next = node.members?.get(String(segment)) ?? (typeof segment === 'number' ? node.items?.[segment] : undefined);
      if (next === undefined) break;
      node = next;
    }
    return node.line;
  };
}

class RepeatedKey extends Error {}

class JsonScanner {
  private position = 0;
  private line = 1;

  constructor(private readonly text: string) {}

  /** Skips white space (counting lines) and returns the line of the next token. */
  skipSpace(): number {
    const text = this.text;
    for (;;) {
      const code = text.charCodeAt(this.position);
      if (code === 10) this.line += 1;
      else if (code !== 32 && code !== 9 && code !== 13) return this.line;
      this.position += 1;
    }
  }

  /** The value starting at the current position (after white space), at `line`. */
  value(line: number): Located {
    const code = this.text.charCodeAt(this.position);
    if (code === 123) return this.object(line);
    if (code === 91) return this.list(line);
    if (code === 34) this.stringToken();
    else this.scalarToken();
    return { line };
  }

  private object(line: number): Located {
    const members = new Map<string, Located>();
    this.position += 1;
    if (this.peek() === 125) {
      this.position += 1;
      return { line, members };
    }
    for (;;) {
      const keyLine = this.skipSpace();
      const key = this.stringToken();
      if (members.has(key)) throw new RepeatedKey(key);
      this.skipSpace();
      this.position += 1; // :
      this.skipSpace();
      members.set(key, this.value(keyLine));
      if (this.peek() === 44) this.position += 1;
      else {
        this.position += 1; // }
        return { line, members };
      }
    }
  }

  private list(line: number): Located {
    const items: Located[] = [];
    this.position += 1;
    if (this.peek() === 93) {
      this.position += 1;
      return { line, items };
    }
    for (;;) {
      items.push(this.value(this.skipSpace()));
      if (this.peek() === 44) this.position += 1;
      else {
        this.position += 1; // ]
        return { line, items };
      }
    }
  }

  /** The next character code after white space. */
  private peek(): number {
    this.skipSpace();
    return this.text.charCodeAt(this.position);
  }

  /** A string token from its opening quote, decoded; strings hold no raw line breaks in valid JSON. */
  private stringToken(): string {
    const start = this.position;
    let escaped = false;
    let position = start + 1;
    for (;;) {
      const code = this.text.charCodeAt(position);
      if (code === 92) {
        escaped = true;
        position += 2;
      } else if (code === 34) break;
      else position += 1;
    }
    this.position = position + 1;
    const raw = this.text.slice(start + 1, position);
    return escaped ? (JSON.parse(this.text.slice(start, position + 1)) as string) : raw;
  }

  /** A number, true, false or null. */
  private scalarToken(): void {
    const text = this.text;
    for (;;) {
      const code = text.charCodeAt(this.position);
      if (code === 44 || code === 125 || code === 93 || code === 32 || code === 10 || code === 13 || code === 9 || Number.isNaN(code))
        return;
      this.position += 1;
    }
  }
}
