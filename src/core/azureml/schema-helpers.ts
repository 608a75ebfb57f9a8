import { z } from 'zod';
import { closestName } from './did-you-mean.js';

/** True for a plain mapping (not null, not a list). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` when it is a plain object (a JSON mapping), else undefined: for reading optional mappings with `?.`. */
export function plainObjectOr(value: unknown): Record<string, unknown> | undefined {
  return isPlainObject(value) ? value : undefined;
}

/** Runs a refinement whenever the value is a mapping, even if some fields already failed, so every problem is reported at once. */
export const whenMapping = { when: (payload: { value: unknown }) => isPlainObject(payload.value) };

/**
 * A strict object: a field not in `shape` is refused with a message naming it and offering
 * the closest allowed field, or listing them all. Built as a loose object plus a check
 * (instead of zod's .strict()) so each unknown field becomes its own issue at its own path,
 * and so it is reported together with the other fields' problems. Fields named in `unlisted`
 * are accepted but left out of the message.
 */
export function closedObject<Shape extends z.core.$ZodLooseShape>(shape: Shape, unlisted: readonly string[] = []) {
  // Unlisted fields (read-only ones) are accepted but neither listed nor suggested.
  const allowed = Object.keys(shape).filter((key) => !unlisted.includes(key));
  return z.looseObject(shape).superRefine((value, context) => {
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(shape, key)) continue;
      context.addIssue({ code: 'custom', path: [key], message: unknownFieldMessage(key, allowed), input: value[key] });
    }
  }, whenMapping);
}

export function unknownFieldMessage(key: string, allowed: readonly string[]): string {
  const suggestion = closestName(key, allowed);
  if (suggestion) return `unknown field '${key}'; did you mean '${suggestion}'?`;
  return `unknown field '${key}'; allowed fields here: ${allowed.join(', ')}`;
}

/**
 * One of a fixed set of values, matched as Azure ML does: ignoring case and underscores
 * (`SystemAssigned` = `system_assigned`, `Dedicated` = `dedicated`). Yields the canonical spelling.
 */
export function azureEnum<const Values extends readonly [string, ...string[]]>(values: Values) {
  const squash = (text: string) => text.toLowerCase().replaceAll('_', '');
  return z.string().transform((text, context): Values[number] => {
    const match = values.find((value) => squash(value) === squash(text));
    if (match !== undefined) return match;
    context.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')}; got '${text}'`, input: text });
    return z.NEVER;
  });
}

/** A whole number >= 0. Like Azure ML (marshmallow), a quoted number such as "2" is accepted. */
export function countField() {
  // Integer-ness is a refinement, not z.int(): z.int() aborts the parent object's checks, which
  // would hide the unknown-field problems of the same mapping.
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value),
    z.number().refine(Number.isInteger, 'must be a whole number').min(0, 'must be 0 or more'),
  );
}

// marshmallow's Boolean field accepts these spellings, so Azure ML files may use them.
const truthy = new Set(['true', 't', 'yes', 'y', 'on', '1']);
const falsy = new Set(['false', 'f', 'no', 'n', 'off', '0']);

/** true/false, also accepting the spellings Azure ML accepts ("true", "yes", 1, ...). */
export function flagField() {
  return z.preprocess((value) => {
    const text = typeof value === 'string' ? value.trim().toLowerCase() : typeof value === 'number' ? String(value) : undefined;
    if (text !== undefined && truthy.has(text)) return true;
    if (text !== undefined && falsy.has(text)) return false;
    return value;
  }, z.boolean());
}

/** Numbers and booleans as text; parse-resource-file already swapped in the text as written. */
function textFromScalar(value: unknown): unknown {
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

/** Tags: string to string, as in Azure ML; number and boolean values are stringified. */
export const tagsField = z.record(z.string(), z.preprocess(textFromScalar, z.string()));

/** Asset version: a string; `version: 1` in YAML is the version "1" (a boolean is refused, as in Azure ML). */
export const versionField = z.preprocess((value) => (typeof value === 'number' ? String(value) : value), z.string());

/** A mapping whose contents Azure ML defines loosely (free-form properties). */
export const freeMapping = z.record(z.string(), z.unknown());

/** Fields every Azure ML resource file may carry; name/version/description/tags leave the spec. */
export const resourceFields = {
  $schema: z.string().optional(),
  name: z.string(),
  description: z.string().optional(),
  tags: tagsField.optional(),
};

/** Fields of the versioned assets (environment, data, code). */
export const assetFields = {
  ...resourceFields,
  version: versionField.optional(),
  // Azure deletes stale asset versions by this rule; Trellis records it (see azure-only-fields).
  auto_delete_setting: closedObject({
    condition: azureEnum(['created_greater_than', 'last_accessed_greater_than']).optional(),
    value: z.string().optional(),
  }).optional(),
};
