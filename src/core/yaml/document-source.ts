import type { FieldPath } from './field-path.js';
import type { ParsedYaml, SourcePosition } from './parse-yaml.js';

/** A document to validate and where its fields are written: a parsed YAML file, or a document built in code (no lines). */
export type DocumentSource = Pick<ParsedYaml, 'value' | 'sourceText'> & { locate(path: FieldPath): Partial<SourcePosition> };

/** A document Trellis builds in code: no source text, so no lines to point at; an undefined field is left out, as YAML would. */
export function plainDocument(value: Record<string, unknown>): DocumentSource {
  return { value: withoutUndefined(value), locate: () => ({}), sourceText: () => undefined };
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .map(([key, field]) => [key, isMapping(field) ? withoutUndefined(field) : field]),
  );
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
