import { z } from 'zod';
import { TrellisError, type Problem, invalidInput } from '../errors.js';
import { closestName } from '../azureml/did-you-mean.js';
import { plainObjectOr } from '../azureml/schema-helpers.js';

/**
 * An Azure Policy definition as Azure writes it (built-in-policies/policyDefinitions/*.json):
 * either the whole file (`{ properties: {...}, id, name, type }`) or its `properties` alone.
 * Only what Trellis reads is typed; the rest (metadata, versions) is kept as written.
 */

export const parameterTypes = ['String', 'Array', 'Object', 'Boolean', 'Integer', 'Float', 'DateTime'] as const;
export type ParameterType = (typeof parameterTypes)[number];

/** Azure matches a parameter type ignoring case ("string" in OnlyDeployAllowedRegistryModels_Deny). */
const parameterType = z.string().transform((value, context) => {
  const found = parameterTypes.find((type) => type.toLowerCase() === value.toLowerCase());
  if (found) return found;
  context.addIssue({ code: 'custom', message: `'${value}' is not a parameter type; use one of ${parameterTypes.join(', ')}` });
  return z.NEVER;
});

const parameterDefinition = z.object({
  type: parameterType,
  defaultValue: z.unknown().optional(),
  allowedValues: z.array(z.unknown()).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  schema: z.unknown().optional(),
});
export type ParameterDefinition = z.infer<typeof parameterDefinition>;

const policyRule = z.object({
  if: z.record(z.string(), z.unknown(), { error: "'if' must be an object holding one condition" }),
  then: z.object({
    effect: z.string({ error: "'then.effect' must be a string: an effect or an expression such as [parameters('effect')]" }),
    details: z.unknown().optional(),
  }),
});

const definitionProperties = z.object({
  displayName: z.string().optional(),
  description: z.string().optional(),
  policyType: z.string().optional(),
  mode: z.string().default('All'),
  metadata: z.record(z.string(), z.unknown()).optional(),
  version: z.string().optional(),
  parameters: z.record(z.string(), parameterDefinition).default({}),
  policyRule,
});

export type PolicyDefinitionProperties = z.infer<typeof definitionProperties>;

export interface PolicyDefinition extends PolicyDefinitionProperties {
  /** The definition's name: the file's `name` (a GUID for Azure's built-ins) or the name given at create. */
  name: string;
}

/** The parameter values of an assignment, as Azure writes them: `{ "effect": { "value": "Deny" } }` or plain values. */
export type ParameterValues = Record<string, unknown>;

/**
 * Parses a definition file's JSON (the whole file or its `properties`). `name` is used when the
 * file does not name itself. Throws InvalidInput (422) listing every problem.
 */
export function parsePolicyDefinition(document: unknown, options: { name?: string; what: string }): PolicyDefinition {
  const record = plainObjectOr(document);
  if (!record) throw invalidInput(options.what, [{ path: '', message: 'a policy definition is a JSON object' }]);
  const body = 'properties' in record && typeof record.properties === 'object' ? record.properties : record;
  const parsed = definitionProperties.safeParse(body);
  if (!parsed.success) {
    const prefix = body === record ? '' : 'properties.';
    throw invalidInput(
      options.what,
      parsed.error.issues.map((issue) => ({ path: prefix + issue.path.join('.'), message: issue.message })),
    );
  }
  const name = options.name ?? (typeof record.name === 'string' ? record.name : undefined);
  if (name === undefined)
    throw invalidInput(options.what, [
      { path: 'name', message: "the definition has no name; give one with --name (the file's 'name' is used when it has one)" },
    ]);
  return { ...parsed.data, name };
}

/**
 * The value of each declared parameter for an assignment: the assigned value (plain or wrapped as
 * `{ value }`), else the default. A value missing with no default, of the wrong type or outside
 * `allowedValues`, and a value for an undeclared parameter, are problems (compared ignoring case
 * for strings, as Azure does for allowedValues).
 */
export function resolveParameterValues(
  definition: Pick<PolicyDefinition, 'parameters'>,
  assigned: ParameterValues,
  path = 'parameters',
): { values: Record<string, unknown>; problems: Problem[] } {
  const problems: Problem[] = [];
  const values: Record<string, unknown> = {};
  const declared = Object.keys(definition.parameters);
  for (const name of Object.keys(assigned)) {
    if (!(name in definition.parameters)) {
      const near = closestName(name, declared);
      problems.push({
        path: `${path}.${name}`,
        message: `the definition has no parameter '${name}'${near ? `; did you mean '${near}'?` : ''} (it declares: ${declared.join(', ') || 'none'})`,
      });
    }
  }
  for (const [name, parameter] of Object.entries(definition.parameters)) {
    const given = assigned[name];
    const value = isWrapped(given) ? given.value : given;
    if (value === undefined) {
      if (parameter.defaultValue === undefined) {
        problems.push({ path: `${path}.${name}`, message: `parameter '${name}' (${parameter.type}) has no default; give it a value` });
        continue;
      }
      values[name] = parameter.defaultValue;
      continue;
    }
    const typeProblem = checkParameterType(parameter.type, value);
    if (typeProblem) {
      problems.push({ path: `${path}.${name}`, message: `parameter '${name}' ${typeProblem}` });
      continue;
    }
    if (parameter.allowedValues && !parameter.allowedValues.some((allowed) => sameValue(allowed, value))) {
      problems.push({
        path: `${path}.${name}`,
        message: `parameter '${name}' is ${JSON.stringify(value)}; allowed: ${parameter.allowedValues.map((allowed) => JSON.stringify(allowed)).join(', ')}`,
      });
      continue;
    }
    values[name] = value;
  }
  return { values, problems };
}

function isWrapped(value: unknown): value is { value: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && 'value' in value;
}

function checkParameterType(type: ParameterType, value: unknown): string | undefined {
  const ok = {
    String: typeof value === 'string',
    DateTime: typeof value === 'string' && !Number.isNaN(Date.parse(value)),
    Array: Array.isArray(value),
    Object: typeof value === 'object' && value !== null && !Array.isArray(value),
    Boolean: typeof value === 'boolean',
    Integer: typeof value === 'number' && Number.isInteger(value),
    Float: typeof value === 'number',
  }[type];
  return ok ? undefined : `must be ${type === 'Array' || type === 'Object' ? 'an' : 'a'} ${type}, not ${JSON.stringify(value)}`;
}

/** Azure's comparison of allowed values: strings ignoring case, everything else as JSON. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Throws a 404 naming the definitions that exist. */
export function definitionNotFound(name: string, known: readonly string[]): TrellisError {
  const near = closestName(name, known);
  return new TrellisError(
    'PolicyDefinitionNotFound',
    404,
    `policy definition '${name}' does not exist${near ? `; did you mean '${near}'?` : ''}; list them with: trellis policy definition list`,
  );
}
