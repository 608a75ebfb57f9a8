import { closestName } from '../azureml/did-you-mean.js';
import { TrellisError } from '../errors.js';
import { excludedInPolicy, lookUpFunction, notEvaluatedByTrellis, templateFunctionNames } from './template-functions.js';

/**
 * The syntax of ARM template expressions as Azure Policy uses them: `[concat('a', parameters('b'))]`.
 * A small tokenizer and a recursive-descent parser; template-functions.ts holds what each function does.
 *
 *   expression := primary ( '.' identifier | '[' expression ']' )*     (the suffixes only after a call)
 *   primary    := 'string' | integer | true | false | identifier '(' [ expression ( ',' expression )* ] ')'
 *
 * Strings are single-quoted with '' for a quote inside; integers may be negative; function names are
 * case-insensitive; whitespace may sit between any two tokens.
 */
export type ExpressionNode =
  | { kind: 'call'; name: string; args: ExpressionNode[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'property'; target: ExpressionNode; name: string }
  | { kind: 'index'; target: ExpressionNode; index: ExpressionNode };

/** Nesting deeper than this is refused with a message rather than risking the stack (Azure itself allows 64). */
export const maxExpressionDepth = 500;

type Token =
  | { kind: 'punctuation'; text: '(' | ')' | ',' | '.' | '[' | ']'; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; text: string; at: number }
  | { kind: 'identifier'; text: string; at: number }
  | { kind: 'end'; at: number };

/** True for a string Azure evaluates: it starts with `[` (but not `[[`, the escape) and ends with `]`. */
export function isTemplateExpression(value: string): boolean {
  return value.length >= 2 && value.startsWith('[') && !value.startsWith('[[') && value.endsWith(']');
}

/**
 * Parses a whole expression string, brackets included. Throws TrellisError('InvalidPolicyExpression', 400)
 * naming the character (1-based, counting the opening bracket) and what was expected there, and refuses
 * functions Azure Policy does not know or does not allow.
 */
export function parseTemplateExpression(text: string): ExpressionNode {
  if (!isTemplateExpression(text)) {
    const why = text.startsWith('[[') ? 'it starts with [[, the escape for a literal string' : 'it does not start with [ and end with ]';
    throw expressionError(text, `not an expression: ${why}`, 1);
  }
  return new Parser(text).parseAll();
}

class Parser {
  private readonly tokens: Token[];
  private next = 0;
  private depth = 0;

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  parseAll(): ExpressionNode {
    const node = this.parseExpression();
    const token = this.peek();
    if (token.kind !== 'end') this.fail(`expected the end of the expression at character ${token.at + 1}, found ${describe(token)}`, token);
    return node;
  }

  private parseExpression(): ExpressionNode {
    this.enter();
    let node = this.parsePrimary();
    // Each suffix nests the tree one level deeper too, so a long chain counts against the limit.
    let suffixes = 0;
    for (;;) {
      const token = this.peek();
      if (node.kind !== 'call' && node.kind !== 'property' && node.kind !== 'index') break;
      if (isPunctuation(token, '.') || isPunctuation(token, '[')) {
        suffixes += 1;
        this.enter();
      }
      if (isPunctuation(token, '.')) {
        this.advance();
        const name = this.advance();
        if (name.kind !== 'identifier')
          this.fail(`expected a property name after '.' at character ${name.at + 1}, found ${describe(name)}`, name);
        node = { kind: 'property', target: node, name: name.text };
      } else if (isPunctuation(token, '[')) {
        this.advance();
        const index = this.parseExpression();
        this.expect(']', 'to close the index');
        node = { kind: 'index', target: node, index };
      } else break;
    }
    this.depth -= 1 + suffixes;
    return node;
  }

  private enter(): void {
    this.depth += 1;
    const token = this.peek();
    if (this.depth > maxExpressionDepth) this.fail(`nested deeper than ${maxExpressionDepth} levels at character ${token.at + 1}`, token);
  }

  private parsePrimary(): ExpressionNode {
    const token = this.advance();
    if (token.kind === 'string') return { kind: 'string', value: token.value };
    if (token.kind === 'number') return { kind: 'number', value: token.value };
    if (token.kind !== 'identifier') return this.fail(`expected a value at character ${token.at + 1}, found ${describe(token)}`, token);
    if (!isPunctuation(this.peek(), '(')) {
      const word = token.text.toLowerCase();
      if (word === 'true' || word === 'false') return { kind: 'boolean', value: word === 'true' };
      const hint = word === 'null' ? 'write null()' : `a function call needs parentheses, and a string single quotes: '${token.text}'`;
      return this.fail(
        `expected '(' after '${token.text}' at character ${this.peek().at + 1}, found ${describe(this.peek())} (${hint})`,
        token,
      );
    }
    const name = this.functionName(token);
    this.advance();
    const args: ExpressionNode[] = [];
    if (isPunctuation(this.peek(), ')')) this.advance();
    else {
      for (;;) {
        args.push(this.parseExpression());
        const separator = this.advance();
        if (isPunctuation(separator, ')')) break;
        if (!isPunctuation(separator, ','))
          this.fail(
            `expected ',' or ')' at character ${separator.at + 1} in the arguments of ${name}(), found ${describe(separator)}`,
            separator,
          );
      }
    }
    const definition = lookUpFunction(name);
    if (definition && (args.length < definition.minArgs || args.length > definition.maxArgs))
      this.fail(`${name}() at character ${token.at + 1} ${arityProblem(definition, args.length)}`, token);
    if (name === 'null') return { kind: 'null' };
    if (name === 'true' || name === 'false') return { kind: 'boolean', value: name === 'true' };
    return { kind: 'call', name, args };
  }

  /** The function's canonical spelling, or a refusal that says why the name is not usable. */
  private functionName(token: Extract<Token, { kind: 'identifier' }>): string {
    const definition = lookUpFunction(token.text);
    if (definition) return definition.name;
    const lower = token.text.toLowerCase();
    const quoted = quote(this.text);
    if (excludedInPolicy.some((name) => name.toLowerCase() === lower) || lower.startsWith('list'))
      this.fail(`function '${token.text}' at character ${token.at + 1} is not allowed in Azure Policy rules (Azure refuses it too)`, token);
    if (notEvaluatedByTrellis.some((name) => name.toLowerCase() === lower))
      this.fail(
        `function '${token.text}' at character ${token.at + 1} is an ARM template function Trellis does not evaluate in policies`,
        token,
      );
    const near = closestName(token.text, templateFunctionNames);
    throw new TrellisError(
      'InvalidPolicyExpression',
      400,
      `unknown function '${token.text}' in expression ${quoted} (character ${token.at + 1}); ${near ? `did you mean '${near}'? Known` : 'known'}: ${templateFunctionNames.join(', ')}`,
      { details: { expression: this.text, character: token.at + 1 } },
    );
  }

  private expect(text: ']' | ')', purpose: string): void {
    const token = this.advance();
    if (!isPunctuation(token, text))
      this.fail(`expected '${text}' ${purpose} at character ${token.at + 1}, found ${describe(token)}`, token);
  }

  private peek(): Token {
    return this.tokens[this.next] ?? this.tokens[this.tokens.length - 1]!;
  }

  private advance(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.next += 1;
    return token;
  }

  private fail(problem: string, token: Token): never {
    throw expressionError(this.text, problem, token.at + 1);
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  // The outer brackets are not tokens: the expression is what lies between them.
  const end = text.length - 1;
  let at = 1;
  while (at < end) {
    const char = text[at]!;
    if (/\s/.test(char)) {
      at += 1;
    } else if ('(),.[]'.includes(char)) {
      tokens.push({ kind: 'punctuation', text: char as '(' | ')' | ',' | '.' | '[' | ']', at });
      at += 1;
    } else if (char === "'") {
      let value = '';
      let cursor = at + 1;
      for (;;) {
        if (cursor >= end)
          throw expressionError(
            text,
            `unterminated string starting at character ${at + 1}; close it with ' (write '' for a quote inside a string)`,
            at + 1,
          );
        if (text[cursor] === "'") {
          if (text[cursor + 1] !== "'" || cursor + 1 >= end) break;
          value += "'";
          cursor += 2;
        } else {
          value += text[cursor];
          cursor += 1;
        }
      }
      tokens.push({ kind: 'string', value, at });
      at = cursor + 1;
    } else if (/[-0-9]/.test(char)) {
      const match = sticky(/-?[0-9]+/y, text, at);
      if (!match) throw expressionError(text, `expected digits after '-' at character ${at + 2}`, at + 2);
      const value = Number(match[0]);
      if (!Number.isSafeInteger(value)) throw expressionError(text, `integer too large at character ${at + 1}: ${match[0]}`, at + 1);
      tokens.push({ kind: 'number', value, text: match[0], at });
      at += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = sticky(/[A-Za-z_][A-Za-z0-9_]*/y, text, at)!;
      tokens.push({ kind: 'identifier', text: match[0], at });
      at += match[0].length;
    } else {
      throw expressionError(text, `unexpected character '${char}' at character ${at + 1}`, at + 1);
    }
  }
  tokens.push({ kind: 'end', at: end });
  return tokens;
}

/** The match of a sticky pattern exactly at `at`, without copying the rest of the text. */
function sticky(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

function isPunctuation(token: Token, text: string): boolean {
  return token.kind === 'punctuation' && token.text === text;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the expression';
    case 'punctuation':
      return `'${token.text}'`;
    case 'string':
      return `the string '${token.value.replaceAll("'", "''")}'`;
    case 'number':
      return `the number ${token.text}`;
    case 'identifier':
      return `'${token.text}'`;
  }
}

/** "takes 2 arguments, got 3" in the shape every arity message uses. */
export function arityProblem(definition: { minArgs: number; maxArgs: number }, count: number): string {
  const { minArgs, maxArgs } = definition;
  const plural = (n: number) => `${n} argument${n === 1 ? '' : 's'}`;
  const wanted =
    minArgs === maxArgs
      ? plural(minArgs)
      : maxArgs === Number.POSITIVE_INFINITY
        ? `at least ${plural(minArgs)}`
        : `${minArgs} to ${plural(maxArgs)}`;
  return `takes ${wanted}, got ${count}`;
}

/** The expression as quoted in messages: shortened when long, so a 5,000-argument concat stays readable. */
function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

function expressionError(text: string, problem: string, character: number): TrellisError {
  return new TrellisError('InvalidPolicyExpression', 400, `expression ${quote(text)}: ${problem}`, {
    details: { expression: text, character },
  });
}
