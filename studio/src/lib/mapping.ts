/**
 * Reading an Azure ML document the API sends as JSON (a resource's or a job's `spec`): typed by
 * checks, not casts, so a field that is absent or of another shape reads as absent.
 */

export type Mapping = Record<string, unknown>;

export const isMapping = (value: unknown): value is Mapping => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The mapping under `key`, or an empty one. */
export const mappingAt = (value: unknown, key: string): Mapping => (isMapping(value) && isMapping(value[key]) ? value[key] : {});

/** A scalar as text; undefined for anything else. */
export const scalarText = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;

/** Any value in words: a scalar as itself, anything else as JSON. */
export const valueText = (value: unknown): string => scalarText(value) ?? JSON.stringify(value);
